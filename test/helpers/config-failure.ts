import { ConfigError } from '../../functions/stale-key-detector/src/errors/config-error';

/** The ConfigError `fn` throws (anything else is rethrown; not throwing fails the test). */
export function configFailure(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}
