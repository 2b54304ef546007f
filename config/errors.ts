/** A setting or the configuration file is missing or malformed: start-up stops with this message. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
