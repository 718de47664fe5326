export * from './framer.js';
export * from './encoder.js';
export * from './codec-loader.js';
export * from './websocket-handshake.js';
export * from './static-routes.js';
