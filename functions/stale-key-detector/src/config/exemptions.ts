import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DateTime } from 'luxon';
import { ConfigError } from '../errors/config-error';
import { quoteValue } from './quote-value';
import type { Exemption } from '../model';

const FIELDS = ['user', 'accessKeyId', 'reason', 'until'] as const;

/**
 * Parses an exemption list (JSON array). `source` names where it came from (EXEMPTIONS or the
 * file) so that an error points at the entry to fix.
 */
export function parseExemptions(text: string, source: string): Exemption[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(source, `is not valid JSON (${(error as Error).message}); expected an array like [{"user":"ci-bot","reason":"rotated by vault","until":"2027-01-31"}]`);
  }
  if (!Array.isArray(parsed)) {
    throw new ConfigError(source, 'must be a JSON array of {"user"?, "accessKeyId"?, "reason", "until"?} objects');
  }
  return parsed.map((entry: unknown, index) => parseEntry(entry, `${source}[${index}]`));
}

function parseEntry(entry: unknown, where: string): Exemption {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new ConfigError(where, 'must be an object with "reason" and at least one of "user", "accessKeyId"');
  }
  const record = entry as Record<string, unknown>;
  for (const field of Object.keys(record)) {
    if (!(FIELDS as readonly string[]).includes(field)) {
      throw new ConfigError(`${where}.${field}`, `is not a known field; allowed: ${FIELDS.join(', ')}`);
    }
  }
  const optionalString = (field: string): string | undefined => {
    const value = record[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      throw new ConfigError(`${where}.${field}`, 'must be a non-empty string');
    }
    return value.trim();
  };
  const user = optionalString('user');
  const accessKeyId = optionalString('accessKeyId');
  const reason = optionalString('reason');
  const until = optionalString('until');
  if (reason === undefined) throw new ConfigError(`${where}.reason`, 'is required: say why the key is exempt');
  if (user === undefined && accessKeyId === undefined) {
    throw new ConfigError(where, 'must name a "user" or an "accessKeyId" (or both)');
  }
  if (until !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(until) || !DateTime.fromISO(until).isValid)) {
    throw new ConfigError(`${where}.until`, `must be a date YYYY-MM-DD, got ${quoteValue(until)}`);
  }
  return {
    reason,
    ...(user === undefined ? {} : { user }),
    ...(accessKeyId === undefined ? {} : { accessKeyId }),
    ...(until === undefined ? {} : { until }),
  };
}

/** Reads EXEMPTIONS_FILE. A relative path resolves against the working directory (/code on Function Compute). */
export function readExemptionsFile(path: string, cwd: string = process.cwd()): Exemption[] {
  const full = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    throw new ConfigError('EXEMPTIONS_FILE', `cannot read "${full}" (${code}); ship the file in the code package or unset the variable`);
  }
  return parseExemptions(text, `EXEMPTIONS_FILE (${path})`);
}
