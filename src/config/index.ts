export * from './types.js';
export * from './errors.js';
export * from './defaults.js';
export * from './validate.js';
export * from './load.js';
export { readConfigFile } from './file.js';
export * from './overrides.js';
export * from './settings.js';
