import { ConfigError } from '../errors/config-error';
import { quoteValue } from './quote-value';

/**
 * Typed readers for environment variables, each failing with the variable's name and the fix.
 * An empty value counts as unset: Serverless Devs renders an absent optional variable as ''.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export function readString(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return trimmed === '' ? undefined : trimmed;
}

export interface NumberRange {
  readonly defaultValue: number;
  readonly min: number;
  readonly max: number;
  /** Why the range is what it is, when that is not obvious: said in the error. */
  readonly why?: string;
}

/** A whole number within the range. */
export function readInteger(env: Env, name: string, range: NumberRange): number {
  return readRanged(env, name, range, /^-?\d+$/, 'a whole number');
}

/** A decimal number (e.g. a rate such as 20.5) within the range. */
export function readNumber(env: Env, name: string, range: NumberRange): number {
  return readRanged(env, name, range, /^-?\d+(\.\d+)?$/, 'a number');
}

function readRanged(env: Env, name: string, range: NumberRange, pattern: RegExp, kind: string): number {
  const raw = readString(env, name);
  if (raw === undefined) return range.defaultValue;
  if (!pattern.test(raw)) {
    throw new ConfigError(name, `must be ${kind} from ${range.min} to ${range.max}, got ${quoteValue(raw)} (default ${range.defaultValue})`);
  }
  const value = Number(raw);
  if (value < range.min || value > range.max) {
    throw new ConfigError(name, `must be from ${range.min} to ${range.max}, got ${value} (default ${range.defaultValue})${range.why === undefined ? '' : `; ${range.why}`}`);
  }
  return value;
}

export function readBoolean(env: Env, name: string, defaultValue: boolean): boolean {
  const raw = readString(env, name);
  if (raw === undefined) return defaultValue;
  const lower = raw.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw new ConfigError(name, `must be true or false, got ${quoteValue(raw)} (default ${defaultValue})`);
}

export function readEnum<T extends string>(env: Env, name: string, allowed: readonly T[], defaultValue: T): T {
  const raw = readString(env, name);
  if (raw === undefined) return defaultValue;
  const match = allowed.find((a) => a === raw);
  if (match === undefined) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got ${quoteValue(raw)} (default ${defaultValue})`);
  }
  return match;
}

/** A comma-separated list; blanks dropped. */
export function readList(env: Env, name: string, itemPattern: RegExp, itemDescription: string): string[] {
  const raw = readString(env, name);
  if (raw === undefined) return [];
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const item of items) {
    if (!itemPattern.test(item)) {
      throw new ConfigError(name, `${quoteValue(item)} is not ${itemDescription}; give a comma-separated list`);
    }
  }
  return items;
}

/** A base URL `scheme://host[:port]` with no path, query or credentials. Returns it without a trailing slash. */
export function readBaseUrl(env: Env, name: string, defaultValue: string): URL {
  const raw = readString(env, name) ?? defaultValue;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a base URL like https://host[:port], got ${quoteValue(raw)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(name, `must use http or https, got ${quoteValue(url.protocol)}`);
  }
  if (url.username !== '' || url.password !== '') {
    // Not echoed: user info is a credential.
    throw new ConfigError(name, 'must not carry user info (user:password@); give scheme://host[:port] and the credentials elsewhere');
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    // Only the origin is echoed: a query may carry a token.
    throw new ConfigError(name, `must be scheme://host[:port] with no path or query, got one after ${quoteValue(url.origin)}`);
  }
  return url;
}
