export * from './types.js';
export * from './errors.js';
export * from './defaults.js';
export * from './validate.js';
export * from './load.js';
