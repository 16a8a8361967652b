import { DateTime } from 'luxon';
import { ConfigError } from '../errors/config-error';

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

export type InvocationEvent = TimerEvent | ManualEvent;

const MANUAL_FIELDS = ['dryRun', 'staleAfterDays', 'report'] as const;
const REPORTS: readonly ReportKind[] = ['full', 'changes'];

/**
 * Parses the raw invocation body. A timer trigger sends {"triggerTime","triggerName","payload"};
 * anything else is a manual invoke: empty, or a JSON object with only the manual fields.
 */
export function parseEvent(body: Buffer | string | undefined): InvocationEvent {
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
  if ('triggerTime' in record || 'triggerName' in record) return parseTimer(record);
  return parseManual(record);
}

function parseTimer(record: Record<string, unknown>): TimerEvent {
  const { triggerTime, triggerName } = record;
  if (typeof triggerTime !== 'string') {
    throw new ConfigError('event.triggerTime', 'must be an ISO-8601 string like "2026-11-25T07:00:00Z" (timer trigger event)');
  }
  const time = DateTime.fromISO(triggerTime, { zone: 'utc' });
  if (!time.isValid) {
    throw new ConfigError('event.triggerTime', `must be an ISO-8601 time like "2026-11-25T07:00:00Z", got "${triggerTime}"`);
  }
  if (typeof triggerName !== 'string' || triggerName === '') {
    throw new ConfigError('event.triggerName', 'must be a non-empty string (timer trigger event)');
  }
  // Other fields (payload, and whatever FC adds later) are ignored: the hourly run must not break.
  return { kind: 'timer', triggerTime: time.toMillis(), triggerName };
}

function parseManual(record: Record<string, unknown>): ManualEvent {
  for (const field of Object.keys(record)) {
    if (!(MANUAL_FIELDS as readonly string[]).includes(field)) {
      throw new ConfigError(`event.${field}`, `is not a known field; allowed: ${MANUAL_FIELDS.join(', ')}`);
    }
  }
  const { dryRun, staleAfterDays, report } = record;
  if (dryRun !== undefined && typeof dryRun !== 'boolean') {
    throw new ConfigError('event.dryRun', `must be true or false, got ${JSON.stringify(dryRun)}`);
  }
  if (staleAfterDays !== undefined && (typeof staleAfterDays !== 'number' || !Number.isInteger(staleAfterDays) || staleAfterDays < 1 || staleAfterDays > 3650)) {
    throw new ConfigError('event.staleAfterDays', `must be a whole number from 1 to 3650, got ${JSON.stringify(staleAfterDays)}`);
  }
  if (report !== undefined && !REPORTS.includes(report as ReportKind)) {
    throw new ConfigError('event.report', `must be one of ${REPORTS.map((r) => `"${r}"`).join(', ')}, got ${JSON.stringify(report)}`);
  }
  return {
    kind: 'manual',
    dryRun: dryRun ?? false,
    staleAfterDays: staleAfterDays as number | undefined,
    report: (report as ReportKind | undefined) ?? 'full',
  };
}
