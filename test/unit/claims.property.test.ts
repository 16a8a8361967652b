/**
 * Rule 1, claims match evidence, over generated accounts and fault plans: counts add up, and "all
 * clear", "0 stale" or wording of the kind appears only when every key was judged; otherwise the
 * title and the first line say how many keys and users could not be checked.
 */
import fc from 'fast-check';
import { summarize } from '../../functions/stale-key-detector/src/core/summary';
import { newPacingStats } from '../../functions/stale-key-detector/src/pacing/retry';
import { composeChanges, composeDigest } from '../../functions/stale-key-detector/src/report/compose';
import type { Part } from '../../functions/stale-key-detector/src/report/split';
import { accountCase, ALL_CLEAR, build, NO_STATE } from '../helpers/account-cases';

const compose = { measure: (p: Part) => Buffer.byteLength(JSON.stringify(p)) + 200, keyword: undefined, mentionText: undefined };
const firstLine = (p: Part): string => p.text.split('\n\n')[1] ?? '';


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
