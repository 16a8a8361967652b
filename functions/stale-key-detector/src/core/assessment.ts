import { DateTime } from 'luxon';
import type { Assessment, Exemption, Finding, UnlistedUser } from '../model';
import { actionTrailWindowStart, DAY_MS } from './judge';
import { crossingWindow } from './schedule';

export type { Assessment } from '../model';

export interface AssessmentOptions {
  readonly now: number;
  readonly timezone: string;
  readonly staleAfterDays: number;
  readonly intervalMinutes: number;
  readonly warnWithinDays: number;
  readonly rotateAfterDays: number;
  readonly exemptions: readonly Exemption[];
}

const byIdle = (a: Finding, b: Finding): number => (a.referenceAt ?? 0) - (b.referenceAt ?? 0) || a.key.userName.localeCompare(b.key.userName);
const byUser = (a: Finding, b: Finding): number => a.key.userName.localeCompare(b.key.userName) || a.key.accessKeyId.localeCompare(b.key.accessKeyId);

export function assess(findings: readonly Finding[], scan: { users: number; unlisted: readonly UnlistedUser[]; partial: boolean }, o: AssessmentOptions): Assessment {
  const of = (verdict: Finding['verdict']) => findings.filter((f) => f.verdict === verdict);
  const stale = of('stale').sort(byIdle);
  const window = crossingWindow(o.now, o.intervalMinutes);
  // 24-hour days: the host's time zone never matters.
  const warnUntil = o.now + o.warnWithinDays * DAY_MS;
  const rotateBefore = o.now - o.rotateAfterDays * DAY_MS;
  const unknown = of('unknown').sort(byUser);
  const today = DateTime.fromMillis(o.now, { zone: o.timezone }).startOf('day');
  const isoToday = today.toISODate() ?? '';
  const isoYesterday = today.minus({ days: 1 }).toISODate() ?? '';
  const isoSoon = today.plus({ days: 7 }).toISODate() ?? '';
  const inForce = o.exemptions.filter((e) => e.until === undefined || e.until >= isoToday);
  return {
    now: o.now,
    timezone: o.timezone,
    staleAfterDays: o.staleAfterDays,
    users: scan.users,
    partial: scan.partial,
    complete: unknown.length === 0 && scan.unlisted.length === 0 && !scan.partial,
    findings,
    unlisted: scan.unlisted,
    stale,
    // Stale now and not at the previous run: staleAt in [now - interval, now). Consecutive runs tile time.
    newlyStale: stale.filter((f) => f.staleAt !== undefined && f.staleAt >= window.from && f.staleAt < window.to),
    alertRule: 'window',
    stateNotice: undefined,
    warn: of('ok').filter((f) => f.staleAt !== undefined && f.staleAt <= warnUntil).sort(byIdle),
    unknown,
    inactive: of('inactive').sort(byUser),
    exempt: of('exempt').sort(byUser),
    rotationOverdue: o.rotateAfterDays > 0
      ? findings.filter((f) => f.key.status === 'Active' && f.key.createdAt < rotateBefore).sort((a, b) => a.key.createdAt - b.key.createdAt)
      : [],
    exemptions: {
      inForce,
      expiringSoon: inForce.filter((e) => e.until !== undefined && e.until <= isoSoon),
      justExpired: o.exemptions.filter((e) => e.until === isoYesterday),
    },
    windowStart: actionTrailWindowStart(o.now),
  };
}
