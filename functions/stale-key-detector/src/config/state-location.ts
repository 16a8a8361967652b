import { isAbsolute, resolve } from 'node:path';
import type { StateLocation } from '../adapters/state-store';
import { ConfigError } from '../errors/config-error';
import { type Env, readBaseUrl, readString } from './env-reader';
import { quoteValue } from './quote-value';

export type { StateLocation } from '../adapters/state-store';

/** OSS bucket names: 3-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit. */
const BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const STATE_URL_FORMS = 'oss://BUCKET/PREFIX (the state in OSS), a directory path, or unset (full scans)';

/**
 * STATE_URL: where the incremental state lives. `oss://BUCKET/PREFIX`; a filesystem path
 * (relative to `cwd`); unset or empty for none. STATE_OSS_ENDPOINT overrides the OSS endpoint
 * (default: the region's internal endpoint).
 */
export function readStateLocation(env: Env, cwd: string = process.cwd()): StateLocation | undefined {
  const raw = readString(env, 'STATE_URL');
  const endpoint = readString(env, 'STATE_OSS_ENDPOINT') === undefined ? undefined : readBaseUrl(env, 'STATE_OSS_ENDPOINT', '');
  if (raw === undefined) {
    if (endpoint !== undefined) throw new ConfigError('STATE_OSS_ENDPOINT', 'is set but STATE_URL is not; set STATE_URL=oss://BUCKET/PREFIX or remove STATE_OSS_ENDPOINT');
    return undefined;
  }
  if (raw.startsWith('oss://')) {
    const [bucket = '', ...rest] = raw.slice('oss://'.length).split('/');
    if (!BUCKET.test(bucket)) throw new ConfigError('STATE_URL', `names no valid OSS bucket (3-63 lowercase letters, digits, hyphens): got ${quoteValue(raw)}; the form is ${STATE_URL_FORMS}`);
    const prefix = rest.filter((s) => s !== '').join('/');
    if (rest.some((s) => s === '.' || s === '..') || /[\u0000-\u001f\\]/.test(prefix)) throw new ConfigError('STATE_URL', `has a prefix OSS cannot hold as given (".", "..", a backslash or a control character): ${quoteValue(raw)}`);
    return { kind: 'oss', bucket, prefix, endpoint };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) throw new ConfigError('STATE_URL', `must be ${STATE_URL_FORMS}; got ${quoteValue(raw)}`);
  if (endpoint !== undefined) throw new ConfigError('STATE_OSS_ENDPOINT', 'applies to an oss:// STATE_URL only; remove it or set STATE_URL=oss://BUCKET/PREFIX');
  return { kind: 'file', path: isAbsolute(raw) ? raw : resolve(cwd, raw) };
}
