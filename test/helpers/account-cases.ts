/**
 * Generated accounts for the claims properties: keys with any status, age and look-up outcome
 * (used, failed, implausible), users whose key list failed, a cut-short scan, an exempt user;
 * judged and assessed by the real core, as a run would.
 */
import fc from 'fast-check';
import { assess } from '../../functions/stale-key-detector/src/core/assessment';
import { judge } from '../../functions/stale-key-detector/src/core/judge';
import type { Lookup } from '../../functions/stale-key-detector/src/core/scan';
import type { OrgResult } from '../../functions/stale-key-detector/src/core/organisation-report';
import { summarize } from '../../functions/stale-key-detector/src/core/summary';
import type { AccessKey, UnlistedUser } from '../../functions/stale-key-detector/src/model';
import { newPacingStats } from '../../functions/stale-key-detector/src/pacing/retry';
import { hostile } from './hostile-text';

export const NOW = Date.UTC(2026, 10, 25, 1);
export const DAY = 86_400_000;
/** Wording that claims everything is fine. */
export const ALL_CLEAR = /all clear|\b0 stale|no (active )?(stale )?keys? (is |are )?stale|nothing (is )?stale|no stale/i;

export const keyCase = fc.record({
  status: fc.constantFrom('Active', 'Active', 'Active', 'Inactive'),
  createdDaysAgo: fc.integer({ min: 0, max: 1500 }),
  lookup: fc.oneof(
    fc.record({ kind: fc.constant('used' as const), daysAgo: fc.array(fc.integer({ min: 0, max: 399 }), { maxLength: 3 }) }),
    fc.record({ kind: fc.constant('failed' as const), reason: fc.string({ maxLength: 40 }) }),
    // Answers that cannot be true: seconds read as milliseconds, the future.
    fc.record({ kind: fc.constant('implausible' as const), usedAt: fc.constantFrom(1_700_000_000, NOW + 30 * DAY, 0) }),
  ),
});

export const accountCase = fc.record({
  keys: fc.array(keyCase, { maxLength: 30 }),
  unlisted: fc.integer({ min: 0, max: 3 }),
  partial: fc.boolean(),
  exemptFirstUser: fc.boolean(),
});

export type AccountCase = typeof accountCase extends fc.Arbitrary<infer T> ? T : never;

/** The account's assessment, as a run would make it at NOW (threshold 90 days, Asia/Shanghai). */
export function build(c: AccountCase) {
  const rules = { now: NOW, staleAfterDays: 90, timezone: 'Asia/Shanghai', exemptions: c.exemptFirstUser ? [{ user: 'user-0', reason: 'break glass' }] : [] };
  const findings = c.keys.map((k, i) => {
    const key: AccessKey = { accessKeyId: `LTAI5tProp${String(i).padStart(12, '0')}`, userName: `user-${i % 7}`, displayName: undefined, status: k.status as AccessKey['status'], createdAt: NOW - k.createdDaysAgo * DAY };
    const lookup: Lookup =
      k.lookup.kind === 'failed'
        ? { ok: false, reason: `look-up failed: ${k.lookup.reason}` }
        : { ok: true, products: (k.lookup.kind === 'used' ? k.lookup.daysAgo.map((d) => NOW - d * DAY) : [k.lookup.usedAt]).map((usedAt) => ({ serviceName: 'Ecs', serviceNameEn: 'ECS', source: 'ManagementEvent', usedAt })) };
    return judge(key, lookup, rules);
  });
  const unlisted: UnlistedUser[] = Array.from({ length: c.unlisted }, (_, i) => ({ userName: `broken-${i}`, reason: 'key list failed: InternalError' }));
  const a = assess(findings, { users: 7 + c.unlisted, unlisted, partial: c.partial }, { ...rules, intervalMinutes: 60, warnWithinDays: 7, rotateAfterDays: 0 });
  return a;
}

// ---- organisations ----

/** A summary's state when none is configured. */
export const NO_STATE = { where: null, loaded: false, why: 'no state configured: every key looked up', keysLookedUp: 0, keysFromState: 0, savedGeneration: null };
export type Outcome = { readonly kind: 'scanned'; readonly c: AccountCase } | { readonly kind: 'failed'; readonly message: string; readonly fix: string };
const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  { weight: 3, arbitrary: accountCase.map((c) => ({ kind: 'scanned' as const, c })) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('failed' as const), message: hostile, fix: hostile }) },
);
/** 1-6 accounts, each scanned (a generated account) or not (a reason and a fix), with names their administrators chose. */
export const organisation = fc.array(fc.record({ name: hostile, outcome }), { minLength: 1, maxLength: 6 });

/** The results; `plain` replaces every name and error text by a plain one (the same structure expected). */
export function resultsOf(org: readonly { name: string; outcome: Outcome }[], plain = false): OrgResult[] {
  return org.map(({ name, outcome: o }, i) => {
    const account = { accountId: String(1_000_000_000_000_001 + i), displayName: plain ? `account ${i}` : name };
    if (o.kind === 'failed') return { account, error: plain ? { message: 'the role could not be assumed', fix: 'trust the function\'s role' } : { message: o.message, fix: o.fix } };
    return { account, summary: summarize(build(o.c), { trigger: 'account-scan', report: 'full', dryRun: true, messages: 0, api: newPacingStats(), durationMs: 0, state: NO_STATE }) };
  });
}
