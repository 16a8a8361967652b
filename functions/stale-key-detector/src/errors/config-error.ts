/**
 * A bad setting: an environment variable, an event field or a CLI flag.
 * `field` names it, the message says what is wrong and what is allowed.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}
