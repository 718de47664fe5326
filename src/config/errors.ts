/** A configuration that cannot run; the message names the setting and what it must be. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
