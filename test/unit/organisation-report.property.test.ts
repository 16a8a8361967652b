/**
 * The organisation's report (issue 12) over generated organisations: accounts scanned (generated
 * accounts, judged by the real core) or not (a reason and a fix from the cloud), with names an
 * account's administrators choose. Claims match evidence for the organisation as for one account:
 * the totals add up, nothing reads as "all clear" unless every account was scanned and every key
 * checked, and what was not covered is said in the title and the first line. Names and error
 * texts add no markdown structure. Every part fits a DingTalk message.
 */
import fc from 'fast-check';
import { composeOrganisation, organisationTotals } from '../../functions/stale-key-detector/src/core/organisation-report';
import { MAX_BODY_BYTES, type Part } from '../../functions/stale-key-detector/src/report/split';
import { ALL_CLEAR, NOW, organisation, resultsOf } from '../helpers/account-cases';
import { shape } from '../helpers/hostile-text';

const measure = (p: Part): number => Buffer.byteLength(JSON.stringify([p.title, p.text, null])) + 512;
const options = (report: 'full' | 'changes') => ({ report, now: NOW, timezone: 'Asia/Shanghai', staleAfterDays: 90, measure, keyword: undefined, mentionText: undefined });

const firstLine = (p: Part | undefined): string => p?.text.split('\n\n')[1] ?? '';

describe("the organisation's report (property)", () => {
  it('adds up, says first what it did not cover, and is never clear unless every account and key was checked', () => {
    fc.assert(
      fc.property(organisation, (org) => {
        const results = resultsOf(org);
        const t = organisationTotals(results);
        const summaries = results.flatMap((r) => ('summary' in r ? [r.summary] : []));
        expect(t.scanned + t.notScanned).toBe(results.length);
        expect(t.keys).toBe(summaries.reduce((n, s) => n + s.counts.keys, 0));
        expect(t.stale).toBe(summaries.reduce((n, s) => n + s.counts.stale, 0));
        expect(t.complete).toBe(t.notScanned === 0 && summaries.every((s) => s.complete));

        const digest = composeOrganisation(results, options('full'));
        const changes = composeOrganisation(results, options('changes'));
        for (const part of [...digest, ...changes]) expect(measure(part)).toBeLessThanOrEqual(MAX_BODY_BYTES);
        const text = digest.map((p) => p.text).join('\n');
        // Every account is in the digest, under its id (with its name, when anything printable is left of it).
        for (const r of results) expect(text).toMatch(new RegExp(`^#### (.* \\()?\`${r.account.accountId}\`\\)?: `, 'm'));
        if (t.complete) {
          expect(digest[0]?.title).toMatch(new RegExp(`, ${t.stale} stale$`));
          expect(/All clear/.test(text)).toBe(t.stale === 0);
          return;
        }
        // What the organisation's title and header say (an account's own section may say "0 stale" of a complete account).
        for (const part of [...digest, ...changes]) {
          expect(part.title).not.toMatch(ALL_CLEAR);
          expect(part.text.split(/^#### /m)[0]).not.toMatch(ALL_CLEAR);
        }
        const accounts = (n: number): string => `${n} account${n === 1 ? '' : 's'}`;
        for (const first of [digest[0], changes[0]]) {
          const said = `${first?.title ?? ''} ${firstLine(first)}`;
          if (t.notScanned > 0) expect(said).toContain(`${accounts(t.notScanned)} NOT SCANNED`);
          if (t.notChecked > 0) expect(said).toContain(`${t.notChecked} ${t.notChecked === 1 ? 'key or user' : 'keys or users'} NOT CHECKED`);
          if (t.cutShort > 0) expect(said).toContain(`${accounts(t.cutShort)} CUT SHORT`);
          expect(said).toMatch(/NOT SCANNED|NOT CHECKED|CUT SHORT/);
        }
        // The accounts not scanned come first, before any scanned account's heading.
        const headings = [...text.matchAll(/^#### (?:.* \()?`(\d+)`\)?: (\*\*NOT SCANNED\*\*)?/gm)].map((m) => m[2] !== undefined);
        expect(headings).toHaveLength(results.length);
        expect(headings).toEqual([...headings].sort((a, b) => Number(b) - Number(a)));
      }),
      { numRuns: 150 },
    );
  });

  it('gives hostile account names and error texts the same markdown structure as plain ones', () => {
    fc.assert(
      fc.property(organisation, (org) => {
        for (const report of ['full', 'changes'] as const) {
          const hostileShape = composeOrganisation(resultsOf(org), options(report)).map((p) => shape(p.text, { gfm: true }));
          const plainShape = composeOrganisation(resultsOf(org, true), options(report)).map((p) => shape(p.text, { gfm: true }));
          expect(hostileShape).toEqual(plainShape);
        }
      }),
      { numRuns: 100 },
    );
  });
});
