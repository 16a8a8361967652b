import { DateTime } from 'luxon';
import type { AccessKey, Exemption, Finding } from '../model';
import type { Lookup } from './scan';

export const DAY_MS = 86_400_000;
/** ActionTrail has no data before this day, and keeps about 400 days. */
export const ACTIONTRAIL_EPOCH = DateTime.fromISO('2022-02-01T00:00:00Z', { zone: 'utc' }).toMillis();
export const ACTIONTRAIL_RETENTION_DAYS = 400;
/**
 * The largest threshold a verdict can rest on: ActionTrail vouches for about 400 days, so a key
 * "unused for more than N days" needs N comfortably inside that window.
 */
export const MAX_STALE_AFTER_DAYS = 365;
/** Clock skew tolerated between the cloud's timestamps and the run's clock. */
const FUTURE_TOLERANCE_MS = DAY_MS;

export interface Rules {
  /** The run's clock: a timer run's triggerTime, or the wall clock of a manual run. */
  readonly now: number;
  readonly staleAfterDays: number;
  readonly timezone: string;
  readonly exemptions: readonly Exemption[];
}

/**
 * The earliest moment ActionTrail can vouch for at `now`: its retention, rounded up to the next
 * UTC midnight (claiming a little less than it keeps, never more, and the same day all day).
 */
export function actionTrailWindowStart(now: number): number {
  return Math.max(ACTIONTRAIL_EPOCH, Math.ceil((now - ACTIONTRAIL_RETENTION_DAYS * DAY_MS) / DAY_MS) * DAY_MS);
}

/** Whole days from `from` to `to`, counted in 24-hour days: the host's time zone never matters. */
function wholeDays(from: number, to: number): number {
  return Math.floor((to - from) / DAY_MS);
}

/** The last date asked for: a run asks for one date per key, and luxon's zone arithmetic dominates a run's CPU time. */
let lastDay: { now: number; zone: string; date: string } | undefined;

function localDate(now: number, zone: string): string {
  if (lastDay?.now !== now || lastDay.zone !== zone) lastDay = { now, zone, date: DateTime.fromMillis(now, { zone }).toISODate() ?? '' };
  return lastDay.date;
}

/** The exemption in force for this key at `now`, and one that has lapsed. `until` is inclusive, in the report's time zone. */
export function matchExemption(key: AccessKey, rules: Rules): { active?: Exemption; expired?: Exemption } {
  const today = rules.exemptions.length === 0 ? '' : localDate(rules.now, rules.timezone);
  let expired: Exemption | undefined;
  for (const e of rules.exemptions) {
    if (e.user !== undefined && e.user !== key.userName) continue;
    if (e.accessKeyId !== undefined && e.accessKeyId !== key.accessKeyId) continue;
    if (e.until === undefined || e.until >= today) return { active: e };
    expired ??= e;
  }
  return expired === undefined ? {} : { expired };
}

const isoOrRaw = (ms: number): string => (Number.isFinite(ms) ? (DateTime.fromMillis(ms, { zone: 'utc' }).toISO() ?? String(ms)) : String(ms));

/**
 * Rule: only evidence that can be true. A use ActionTrail cannot have recorded (before it
 * existed, in the future, not a whole millisecond: seconds read as milliseconds land in 1970) or a
 * key created in the future makes the look-up a failed one, never a verdict. Returns why, or
 * undefined when the evidence is plausible.
 */
function implausibleEvidence(key: AccessKey, lookup: Lookup, now: number): string | undefined {
  const latest = now + FUTURE_TOLERANCE_MS;
  if (!Number.isFinite(key.createdAt) || key.createdAt > latest) {
    return `implausible answer: RAM gives CreateDate ${isoOrRaw(key.createdAt)}, after the run's time ${isoOrRaw(now)}`;
  }
  if (!lookup.ok) return undefined;
  for (const p of lookup.products) {
    if (!Number.isInteger(p.usedAt) || p.usedAt < ACTIONTRAIL_EPOCH || p.usedAt > latest) {
      return `implausible answer: ActionTrail gives UsedTimestamp ${p.usedAt} (${isoOrRaw(p.usedAt)}) for ${p.serviceName}; a use must lie between 2022-02-01 and the run's time`;
    }
  }
  return undefined;
}

/**
 * The verdict for one key at rules.now. Pure: the clock is rules.now, never Date.now().
 *  - inactive: Status Inactive;
 *  - exempt: Active and an exemption is in force;
 *  - unknown: the look-up failed or its answer cannot be true (never stale, never ok);
 *  - stale: Active and the reference time is more than staleAfterDays before now;
 *  - ok: everything else.
 * The reference time is max(last use, CreateDate): a key is never idle longer than it exists.
 * With no use recorded, it is CreateDate, or the start of ActionTrail's window for a key older
 * than the window ("no use recorded since"): the evidence says no more than that.
 */
export function judge(key: AccessKey, lookup: Lookup, rules: Rules): Finding {
  const exemption = matchExemption(key, rules);
  const expired = exemption.expired === undefined ? {} : { expiredExemption: exemption.expired };
  const implausible = implausibleEvidence(key, lookup, rules.now);
  if (!lookup.ok || implausible !== undefined) {
    const base = { key, products: [], lastUsedAt: undefined, noUseSince: undefined, referenceAt: undefined, idleDays: undefined, staleAt: undefined, ...expired };
    if (key.status === 'Inactive') return { ...base, verdict: 'inactive' };
    if (exemption.active !== undefined) return { ...base, verdict: 'exempt', exemption: exemption.active };
    return { ...base, verdict: 'unknown', reason: implausible ?? (lookup.ok ? 'unknown' : lookup.reason) };
  }
  const products = [...lookup.products].sort((a, b) => b.usedAt - a.usedAt);
  // The largest UsedTimestamp, whatever order ActionTrail listed the products in.
  const lastUsedAt = products[0]?.usedAt;
  const noUseSince = lastUsedAt === undefined ? Math.max(key.createdAt, actionTrailWindowStart(rules.now)) : undefined;
  const referenceAt = lastUsedAt === undefined ? (noUseSince as number) : Math.max(lastUsedAt, key.createdAt);
  // The crossing moment. A key with no recorded use crossed at CreateDate + threshold, which lies
  // inside the window because the threshold is at most MAX_STALE_AFTER_DAYS.
  // Days in UTC are 24 hours: plain arithmetic, the same instant luxon's plus({ days }) in UTC gives.
  const staleAt = (lastUsedAt === undefined ? key.createdAt : referenceAt) + rules.staleAfterDays * DAY_MS;
  const base = { key, products, lastUsedAt, noUseSince, referenceAt, idleDays: Math.max(0, wholeDays(referenceAt, rules.now)), staleAt, ...expired };
  if (key.status === 'Inactive') return { ...base, verdict: 'inactive' };
  if (exemption.active !== undefined) return { ...base, verdict: 'exempt', exemption: exemption.active };
  return { ...base, verdict: rules.now > staleAt ? 'stale' : 'ok' };
}
