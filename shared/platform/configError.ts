/** A missing or malformed setting or argument. The message names the setting and what to do. */
export class ConfigError extends Error {
  readonly code = 'ConfigError';
  constructor(
    message: string,
    /** The setting or argument at fault, e.g. `EWS_URL` or `--end`. */
    readonly setting?: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}
