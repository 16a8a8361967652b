/**
 * What `scan --accounts` prints, over generated organisations with names and error texts chosen
 * by people we do not control: one line per line (no control, escape or bidi character, within 80
 * columns), one heading per account, and claims that match evidence (nothing called clean unless
 * every account was scanned and checked; the exit code says the same).
 */
import fc from 'fast-check';
import { organisationExitCode, organisationIncompleteText, renderOrganisation } from '../../cli/accounts-report';
import { EXIT } from '../../cli/io';
import { displayWidth } from '../../cli/width';
import { organisationTotals } from '../../functions/stale-key-detector/src/core/organisation-report';
import { organisation, resultsOf } from '../helpers/account-cases';

// C0 and C1 controls but the line feed, DEL, bidi controls and invisible format characters.
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

describe('scan --accounts output (property)', () => {
  it('is inert, fits 80 columns, heads each account once, and is never clean unless every account was scanned and checked', () => {
    fc.assert(
      fc.property(organisation, (org) => {
        const results = resultsOf(org);
        const out = renderOrganisation(results, { timezone: 'Asia/Shanghai' });
        for (const line of out.split('\n')) {
          expect(line).not.toMatch(UNSAFE);
          expect(displayWidth(line)).toBeLessThanOrEqual(80);
        }
        // A long heading wraps; each account's starts a line once, and names it (or its id alone).
        expect(out.match(/^=== Account\b/gm)).toHaveLength(results.length);
        expect(out).not.toMatch(/=== Account  /);
        const t = organisationTotals(results);
        const clean = /No stale access keys in any|every account was scanned and every key checked/.test(out);
        expect(clean).toBe(t.complete);
        expect(organisationIncompleteText(results) === undefined).toBe(t.complete);
        expect(organisationExitCode(results)).toBe(!t.complete ? EXIT.error : t.stale > 0 ? EXIT.stale : EXIT.clean);
      }),
      { numRuns: 100 },
    );
  });
});
