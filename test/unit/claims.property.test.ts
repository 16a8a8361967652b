/**
 * Rule 1, claims match evidence, over generated accounts and fault plans: counts add up, and "all
 * clear", "0 stale" or wording of the kind appears only when every key was judged; otherwise the
 * title and the first line say how many keys and users could not be checked.
 */
import fc from 'fast-check';
import { assess } from '../../functions/stale-key-detector/src/core/assessment';
import { judge } from '../../functions/stale-key-detector/src/core/judge';
import type { Lookup } from '../../functions/stale-key-detector/src/core/scan';
import { summarize } from '../../functions/stale-key-detector/src/core/summary';
import type { AccessKey, UnlistedUser } from '../../functions/stale-key-detector/src/model';
import { newPacingStats } from '../../functions/stale-key-detector/src/pacing/retry';
import { composeChanges, composeDigest } from '../../functions/stale-key-detector/src/report/compose';
import type { Part } from '../../functions/stale-key-detector/src/report/split';

const NOW = Date.UTC(2026, 10, 25, 1);
const DAY = 86_400_000;
/** Wording that claims everything is fine. */
const ALL_CLEAR = /all clear|\b0 stale|no (active )?(stale )?keys? (is |are )?stale|nothing (is )?stale|no stale/i;

const keyCase = fc.record({
  status: fc.constantFrom('Active', 'Active', 'Active', 'Inactive'),
  createdDaysAgo: fc.integer({ min: 0, max: 1500 }),
  lookup: fc.oneof(
    fc.record({ kind: fc.constant('used' as const), daysAgo: fc.array(fc.integer({ min: 0, max: 399 }), { maxLength: 3 }) }),
    fc.record({ kind: fc.constant('failed' as const), reason: fc.string({ maxLength: 40 }) }),
    // Answers that cannot be true: seconds read as milliseconds, the future.
    fc.record({ kind: fc.constant('implausible' as const), usedAt: fc.constantFrom(1_700_000_000, NOW + 30 * DAY, 0) }),
  ),
});

const accountCase = fc.record({
  keys: fc.array(keyCase, { maxLength: 30 }),
  unlisted: fc.integer({ min: 0, max: 3 }),
  partial: fc.boolean(),
  exemptFirstUser: fc.boolean(),
});

function build(c: typeof accountCase extends fc.Arbitrary<infer T> ? T : never) {
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

const compose = { measure: (p: Part) => Buffer.byteLength(JSON.stringify(p)) + 200, keyword: undefined, mentionText: undefined };
const firstLine = (p: Part): string => p.text.split('\n\n')[1] ?? '';

const NO_STATE = { where: null, loaded: false, why: 'no state configured: every key looked up', keysLookedUp: 0, keysFromState: 0, savedGeneration: null };

describe('claims match evidence (property)', () => {
  it('counts add up, complete means every key judged, and no all-clear wording unless complete', () => {
    fc.assert(
      fc.property(accountCase, (c) => {
        const a = build(c);
        const s = summarize(a, { trigger: 'timer', report: 'full', dryRun: true, messages: 0, api: newPacingStats(), durationMs: 0, state: NO_STATE });
        expect(s.counts.keys).toBe(s.counts.stale + s.counts.ok + s.counts.inactive + s.counts.exempt + s.counts.unknown);
        expect(s.counts.keys).toBe(c.keys.length);
        expect(s.counts.unlistedUsers).toBe(c.unlisted);
        expect(s.unknown).toHaveLength(s.counts.unknown);
        expect(s.complete).toBe(s.counts.unknown === 0 && s.counts.unlistedUsers === 0 && !s.partial);

        const digest = composeDigest(a, { ...compose, warnWithinDays: 7, rotateAfterDays: 0, intervalMinutes: 60 });
        const changes = composeChanges(a, { ...compose, intervalMinutes: 60 });
        if (!s.complete) {
          for (const part of [...digest, ...changes]) {
            expect(part.title).not.toMatch(ALL_CLEAR);
            expect(part.text).not.toMatch(ALL_CLEAR);
          }
          for (const first of [digest[0], changes[0]]) {
            // The chat notification (the title) and the first line say how many could not be checked.
            expect(first).toBeDefined();
            expect(first?.title).toContain('NOT CHECKED');
            expect(firstLine(first as Part)).toMatch(/could not be checked/);
            if (s.counts.unknown > 0 || s.counts.unlistedUsers === 0) expect(`${first?.title} ${firstLine(first as Part)}`).toContain(`${s.counts.unknown} key`);
            if (s.counts.unlistedUsers > 0) expect(`${first?.title} ${firstLine(first as Part)}`).toContain(`${s.counts.unlistedUsers} user`);
          }
        } else {
          expect(digest[0]?.title).toContain(`${s.counts.stale} stale`);
          expect(digest.some((p) => /All clear/.test(p.text))).toBe(s.counts.stale === 0);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('never judges an implausible answer: it is unknown, never stale or ok', () => {
    fc.assert(
      fc.property(accountCase, (c) => {
        const a = build(c);
        c.keys.forEach((k, i) => {
          const f = a.findings[i];
          if (k.lookup.kind !== 'used' && k.status === 'Active' && !(c.exemptFirstUser && i % 7 === 0)) expect(f?.verdict).toBe('unknown');
          if (f?.verdict === 'stale' || f?.verdict === 'ok') expect((f.referenceAt ?? 0) >= f.key.createdAt).toBe(true);
        });
      }),
      { numRuns: 200 },
    );
  });
});
