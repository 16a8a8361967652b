import { DateTime } from 'luxon';
import { MAX_STALE_AFTER_DAYS } from '../core/judge';
import { ConfigError } from '../errors/config-error';
import { quoteValue } from './quote-value';

/** Why the threshold has a ceiling: said in every error that refuses a larger one. */
export const THRESHOLD_WHY = `ActionTrail keeps about 400 days of history, so a longer threshold would judge keys on a use it can no longer see`;

export type ReportKind = 'full' | 'changes';

export interface TimerEvent {
  readonly kind: 'timer';
  readonly triggerTime: number;
  readonly triggerName: string;
}

export interface ManualEvent {
  readonly kind: 'manual';
  readonly dryRun: boolean;
  readonly staleAfterDays: number | undefined;
  readonly report: ReportKind;
}

/**
 * An internal event: the coordinator (a timer run with ACCOUNTS set) asks this same function to
 * scan one member account, within the coordinator's run.
 */
export interface AccountScanEvent {
  readonly kind: 'account-scan';
  readonly accountId: string;
  /** The coordinator's run instant: every account is judged at the same moment. */
  readonly triggerTime: number;
  /** Epoch ms after which the worker starts no call, so the coordinator keeps time to post. */
  readonly deadline: number;
  /** The coordinator's run id (the session name and logs name it). */
  readonly runId: string;
  readonly report: ReportKind;
}

export type InvocationEvent = TimerEvent | ManualEvent | AccountScanEvent;

/** The one field of an internal account-scan event. */
export const ACCOUNT_SCAN_FIELD = 'accountScan';
const ACCOUNT_SCAN_FIELDS = ['accountId', 'triggerTime', 'deadline', 'runId', 'report'] as const;

const MANUAL_FIELDS = ['dryRun', 'staleAfterDays', 'report'] as const;
/** Exactly what a Function Compute timer trigger sends. */
const TIMER_FIELDS = ['triggerTime', 'triggerName', 'payload'] as const;
const REPORTS: readonly ReportKind[] = ['full', 'changes'];
/** A full ISO-8601 instant: date, time, and Z or an offset (a local time would be read in an arbitrary zone). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const HOUR_MS = 3_600_000;
/** How far a timer's triggerTime may be from the wall clock: FC delivers it at once, or retries within hours. */
export const TRIGGER_TIME_BOUNDS = { aheadMs: HOUR_MS, behindMs: 48 * HOUR_MS } as const;

/**
 * Parses the raw invocation body. A timer trigger sends {"triggerTime","triggerName","payload"}
 * and nothing else; anything else is a manual invoke: empty, or a JSON object with only the
 * manual fields. `wallClock` bounds a timer's triggerTime: a replayed or forged event dated far
 * from now is refused, never judged.
 */
export function parseEvent(body: Buffer | string | undefined, wallClock: number): InvocationEvent {
  const text = body === undefined ? '' : body.toString('utf8').trim();
  if (text === '') return { kind: 'manual', dryRun: false, staleAfterDays: undefined, report: 'full' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError('event', `is not valid JSON; send an empty body or an object like {"dryRun":true,"report":"full","staleAfterDays":90}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('event', `must be a JSON object with optional fields ${MANUAL_FIELDS.join(', ')}`);
  }
  const record = parsed as Record<string, unknown>;
  if (ACCOUNT_SCAN_FIELD in record) return parseAccountScan(record, wallClock);
  if (TIMER_FIELDS.some((field) => field in record)) return parseTimer(record, wallClock);
  return parseManual(record);
}

function parseTimer(record: Record<string, unknown>, wallClock: number): TimerEvent {
  for (const field of Object.keys(record)) {
    if (!(TIMER_FIELDS as readonly string[]).includes(field)) {
      throw new ConfigError(`event.${quoteField(field)}`, `is not a field of a timer event (${TIMER_FIELDS.join(', ')}); a manual invoke sends only ${MANUAL_FIELDS.join(', ')}`);
    }
  }
  const { triggerName, payload } = record;
  const at = parseTriggerTime(record['triggerTime'], 'event.triggerTime', wallClock, '; a timer event is delivered when it fires');
  if (typeof triggerName !== 'string' || triggerName.trim() === '' || triggerName.length > 128) {
    throw new ConfigError('event.triggerName', `must be the trigger's name, a non-empty string of at most 128 characters, got ${quoteValue(triggerName)}`);
  }
  if (payload !== undefined && typeof payload !== 'string') {
    throw new ConfigError('event.payload', `must be a string (the trigger's payload), got ${quoteValue(payload)}`);
  }
  return { kind: 'timer', triggerTime: at, triggerName };
}

/** An ISO-8601 instant with Z or an offset, as epoch ms, or a ConfigError naming `field`. */
function parseInstant(value: unknown, field: string): number {
  if (typeof value !== 'string' || !INSTANT.test(value)) {
    throw new ConfigError(field, `must be an ISO-8601 instant with Z or an offset, like "2026-11-25T07:00:00Z", got ${quoteValue(value)}`);
  }
  const time = DateTime.fromISO(value, { setZone: true });
  if (!time.isValid) throw new ConfigError(field, `is not a real time (${time.invalidExplanation ?? time.invalidReason ?? 'invalid'}), got ${quoteValue(value)}`);
  return time.toMillis();
}

/** A run's trigger time: an instant at most 1 hour ahead of and 48 hours behind the clock. `why` ends the refusal. */
function parseTriggerTime(value: unknown, field: string, wallClock: number, why: string): number {
  const at = parseInstant(value, field);
  if (at > wallClock + TRIGGER_TIME_BOUNDS.aheadMs || at < wallClock - TRIGGER_TIME_BOUNDS.behindMs) {
    throw new ConfigError(field, `is ${quoteValue(value)}, more than 1 hour ahead of or 48 hours behind the clock (${new Date(wallClock).toISOString()})${why}`);
  }
  return at;
}

/** The coordinator's event for one account: every field checked, as strictly as a timer's. */
function parseAccountScan(record: Record<string, unknown>, wallClock: number): AccountScanEvent {
  const where = `event.${ACCOUNT_SCAN_FIELD}`;
  if (Object.keys(record).length !== 1) throw new ConfigError('event', `an account-scan event has the one field ${ACCOUNT_SCAN_FIELD}`);
  const inner = record[ACCOUNT_SCAN_FIELD];
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) throw new ConfigError(where, 'must be an object');
  const scan = inner as Record<string, unknown>;
  for (const field of Object.keys(scan)) {
    if (!(ACCOUNT_SCAN_FIELDS as readonly string[]).includes(field)) throw new ConfigError(`${where}.${quoteField(field)}`, `is not a field of an account-scan event (${ACCOUNT_SCAN_FIELDS.join(', ')})`);
  }
  const { accountId, runId, report } = scan;
  if (typeof accountId !== 'string' || !/^\d{1,32}$/.test(accountId)) throw new ConfigError(`${where}.accountId`, `must be an account id (digits), got ${quoteValue(accountId)}`);
  const triggerTime = parseTriggerTime(scan['triggerTime'], `${where}.triggerTime`, wallClock, '');
  const deadline = parseInstant(scan['deadline'], `${where}.deadline`);
  if (deadline < triggerTime || deadline > wallClock + 24 * HOUR_MS) throw new ConfigError(`${where}.deadline`, 'must lie after triggerTime and within a day of the clock');
  if (typeof runId !== 'string' || runId === '' || runId.length > 200) throw new ConfigError(`${where}.runId`, `must be the coordinator's run id, 1-200 characters, got ${quoteValue(runId)}`);
  if (!REPORTS.includes(report as ReportKind)) throw new ConfigError(`${where}.report`, `must be one of ${REPORTS.map((r) => `"${r}"`).join(', ')}, got ${quoteValue(report)}`);
  return { kind: 'account-scan', accountId, triggerTime, deadline, runId, report: report as ReportKind };
}

function quoteField(field: string): string {
  return field.length > 40 ? `${field.slice(0, 37)}...` : field;
}

function parseManual(record: Record<string, unknown>): ManualEvent {
  for (const field of Object.keys(record)) {
    if (!(MANUAL_FIELDS as readonly string[]).includes(field)) {
      throw new ConfigError(`event.${quoteField(field)}`, `is not a known field; allowed: ${MANUAL_FIELDS.join(', ')}`);
    }
  }
  const { dryRun, staleAfterDays, report } = record;
  if (dryRun !== undefined && typeof dryRun !== 'boolean') {
    throw new ConfigError('event.dryRun', `must be true or false, got ${quoteValue(dryRun)}`);
  }
  if (staleAfterDays !== undefined && (typeof staleAfterDays !== 'number' || !Number.isInteger(staleAfterDays) || staleAfterDays < 1 || staleAfterDays > MAX_STALE_AFTER_DAYS)) {
    throw new ConfigError('event.staleAfterDays', `must be a whole number from 1 to ${MAX_STALE_AFTER_DAYS}, got ${quoteValue(staleAfterDays)}; ${THRESHOLD_WHY}`);
  }
  if (report !== undefined && !REPORTS.includes(report as ReportKind)) {
    throw new ConfigError('event.report', `must be one of ${REPORTS.map((r) => `"${r}"`).join(', ')}, got ${quoteValue(report)}`);
  }
  return {
    kind: 'manual',
    dryRun: dryRun ?? false,
    staleAfterDays: staleAfterDays as number | undefined,
    report: (report as ReportKind | undefined) ?? 'full',
  };
}
