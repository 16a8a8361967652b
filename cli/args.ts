import { parseArgs } from 'node:util';
import { THRESHOLD_WHY } from '../functions/stale-key-detector/src/config/event';
import { quoteValue } from '../functions/stale-key-detector/src/config/quote-value';
import { MAX_STALE_AFTER_DAYS } from '../functions/stale-key-detector/src/core/judge';
import { ConfigError } from '../functions/stale-key-detector/src/errors/config-error';

/** One flag of a command: `--name` (and `-short`), a switch or taking a value. */
export interface FlagSpec {
  readonly type: 'boolean' | 'string';
  readonly short?: string;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

export type Flags<S extends FlagSpecs> = {
  readonly [K in keyof S]?: S[K]['type'] extends 'boolean' ? boolean : string;
};

/**
 * Parses a command's flags with node:util parseArgs, but reports every problem as a ConfigError
 * naming the flag: unknown flags, a switch given a value, a missing value, a flag given twice,
 * stray arguments. `--flag value` and `--flag=value` both work.
 */
export function parseFlags<S extends FlagSpecs>(argv: readonly string[], specs: S, command: string): Flags<S> {
  const options: Record<string, { type: 'boolean' | 'string'; short?: string }> = {};
  for (const [name, spec] of Object.entries(specs)) options[name] = spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short };
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | boolean> = {};
  const seen = new Set<string>();
  const hint = `see "stale-key-detector ${command} --help"`;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      throw new ConfigError(token.value, `unexpected argument; ${command} takes flags only (${hint})`);
    }
    const spec = specs[token.name];
    if (spec === undefined) throw new ConfigError(token.rawName, `unknown flag (${hint})`);
    const flag = `--${token.name}`;
    if (seen.has(token.name)) throw new ConfigError(flag, 'given more than once');
    seen.add(token.name);
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw new ConfigError(flag, `is a switch and takes no value, got ${quoteValue(token.value)}`);
      values[token.name] = true;
      continue;
    }
    // Non-strict parseArgs takes the next argument as the value even when it is another flag.
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--'))) {
      throw new ConfigError(flag, `needs a value (${hint})`);
    }
    values[token.name] = token.value;
  }
  return values as Flags<S>;
}

export function wholeNumber(flag: string, raw: string, min: number, max: number, why?: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new ConfigError(flag, `must be a whole number from ${min} to ${max}, got ${quoteValue(raw)}${why === undefined ? '' : `; ${why}`}`);
  }
  return value;
}

/** --stale-after-days, bounded as the function bounds STALE_AFTER_DAYS. */
export function staleAfterDaysFlag(raw: string): number {
  return wholeNumber('--stale-after-days', raw, 1, MAX_STALE_AFTER_DAYS, THRESHOLD_WHY);
}

export function oneOf<T extends string>(flag: string, raw: string, allowed: readonly T[]): T {
  const match = allowed.find((a) => a === raw);
  if (match === undefined) throw new ConfigError(flag, `must be one of ${allowed.join(', ')}, got ${quoteValue(raw)}`);
  return match;
}

/** Same rule as ALIBABA_CLOUD_REGION_ID. */
export function regionId(flag: string, raw: string): string {
  if (!/^[a-z]+(-[a-z0-9]+)+$/.test(raw)) throw new ConfigError(flag, `must be a region id like cn-hangzhou, got ${quoteValue(raw)}`);
  return raw;
}

export function matching(flag: string, raw: string, pattern: RegExp, description: string): string {
  if (!pattern.test(raw)) throw new ConfigError(flag, `must be ${description}, got ${quoteValue(raw)}`);
  return raw;
}
