import { DateTime } from 'luxon';
import type { AccessKey, Exemption, Finding } from '../model';
import type { Lookup } from './scan';

/** ActionTrail has no data before this day, and keeps about 400 days. */
export const ACTIONTRAIL_EPOCH = DateTime.fromISO('2022-02-01T00:00:00Z', { zone: 'utc' }).toMillis();
export const ACTIONTRAIL_RETENTION_DAYS = 400;

export interface Rules {
  /** The run's clock: a timer run's triggerTime, or the wall clock of a manual run. */
  readonly now: number;
  readonly staleAfterDays: number;
  readonly timezone: string;
  readonly exemptions: readonly Exemption[];
}

/** The earliest moment ActionTrail can vouch for at `now`. */
export function actionTrailWindowStart(now: number): number {
  return Math.max(ACTIONTRAIL_EPOCH, DateTime.fromMillis(now, { zone: 'utc' }).minus({ days: ACTIONTRAIL_RETENTION_DAYS }).toMillis());
}

function wholeDays(from: number, to: number): number {
  return Math.floor(DateTime.fromMillis(to).diff(DateTime.fromMillis(from), 'days').days);
}

/** The exemption in force for this key at `now`, and one that has lapsed. `until` is inclusive, in the report's time zone. */
export function matchExemption(key: AccessKey, rules: Rules): { active?: Exemption; expired?: Exemption } {
  const today = DateTime.fromMillis(rules.now, { zone: rules.timezone }).toISODate() ?? '';
  let expired: Exemption | undefined;
  for (const e of rules.exemptions) {
    if (e.user !== undefined && e.user !== key.userName) continue;
    if (e.accessKeyId !== undefined && e.accessKeyId !== key.accessKeyId) continue;
    if (e.until === undefined || e.until >= today) return { active: e };
    expired ??= e;
  }
  return expired === undefined ? {} : { expired };
}

/**
 * The verdict for one key at rules.now. Pure: the clock is rules.now, never Date.now().
 *  - inactive: Status Inactive;
 *  - exempt: Active and an exemption is in force;
 *  - unknown: the look-up failed (never stale, never ok);
 *  - stale: Active and the last use (or CreateDate, when nothing is recorded) is more than
 *    staleAfterDays before now;
 *  - ok: everything else.
 */
export function judge(key: AccessKey, lookup: Lookup, rules: Rules): Finding {
  const exemption = matchExemption(key, rules);
  const expired = exemption.expired === undefined ? {} : { expiredExemption: exemption.expired };
  if (!lookup.ok) {
    const base = { key, products: [], lastUsedAt: undefined, referenceAt: undefined, idleDays: undefined, staleAt: undefined, ...expired };
    if (key.status === 'Inactive') return { ...base, verdict: 'inactive' };
    if (exemption.active !== undefined) return { ...base, verdict: 'exempt', exemption: exemption.active };
    return { ...base, verdict: 'unknown', reason: lookup.reason };
  }
  const products = [...lookup.products].sort((a, b) => b.usedAt - a.usedAt);
  // The largest UsedTimestamp, whatever order ActionTrail listed the products in.
  const lastUsedAt = products[0]?.usedAt;
  const referenceAt = lastUsedAt ?? key.createdAt;
  const staleAt = DateTime.fromMillis(referenceAt, { zone: 'utc' }).plus({ days: rules.staleAfterDays }).toMillis();
  const base = { key, products, lastUsedAt, referenceAt, idleDays: Math.max(0, wholeDays(referenceAt, rules.now)), staleAt, ...expired };
  if (key.status === 'Inactive') return { ...base, verdict: 'inactive' };
  if (exemption.active !== undefined) return { ...base, verdict: 'exempt', exemption: exemption.active };
  return { ...base, verdict: rules.now > staleAt ? 'stale' : 'ok' };
}
