/**
 * What `scan --accounts` prints: each account's report under its heading (name and id), then the
 * organisation's lines; or, with --json, one document. Rule: claims match evidence, for the
 * organisation too: nothing is called clean unless every account was scanned and checked in full.
 */
import type { AccountError, AccountResult } from '../functions/stale-key-detector/src/core/organisation';
import { tally } from '../functions/stale-key-detector/src/core/organisation';
import type { Summary } from '../functions/stale-key-detector/src/core/summary';
import { MAX_ID_CHARS, MAX_NAME_CHARS, MAX_REASON_CHARS, terminalText } from '../functions/stale-key-detector/src/text/inert';
import { EXIT } from './io';
import { plural, renderReport } from './report';
import type { KeyRow } from './table';
import { wrap } from './width';

export interface ScannedAccount {
  readonly accountId: string;
  readonly displayName: string;
}

export type OrganisationResult = AccountResult<ScannedAccount, Summary>;

/** The --json document. Field names are a contract (README, The CLI). */
export interface OrganisationJson {
  readonly accounts: readonly (
    | { readonly accountId: string; readonly displayName: string; readonly summary: Summary }
    | { readonly accountId: string; readonly displayName: string; readonly error: AccountError }
  )[];
  readonly scanned: number;
  readonly notScanned: number;
  readonly complete: boolean;
  /** With --notify: the messages DingTalk took. */
  readonly notified?: { readonly messages: number };
}

export function organisationJson(results: readonly OrganisationResult[]): OrganisationJson {
  const t = tally(results);
  return {
    accounts: results.map((r) => {
      const { accountId, displayName } = r.account;
      return 'summary' in r ? { accountId, displayName, summary: r.summary } : { accountId, displayName, error: r.error };
    }),
    scanned: t.scanned,
    notScanned: t.notScanned,
    complete: t.complete,
  };
}

/** 2 when any account was not scanned or is incomplete; else 1 when any key is stale; else 0. */
export function organisationExitCode(results: readonly OrganisationResult[]): number {
  const t = tally(results);
  if (!t.complete) return EXIT.error;
  return t.stale > 0 ? EXIT.stale : EXIT.clean;
}

/** "name (id)", or the id alone when the name is the id or nothing printable is left of it. */
const label = (a: ScannedAccount): string => {
  const id = terminalText(a.accountId, MAX_ID_CHARS);
  const name = terminalText(a.displayName, MAX_NAME_CHARS).trim();
  return a.displayName === a.accountId || name === '' ? id : `${name} (${id})`;
};

/** The table report of every account, then the organisation's lines. `rows`: every key of an account, for --all. */
export function renderOrganisation(
  results: readonly OrganisationResult[],
  options: { readonly timezone: string; readonly rows?: (accountId: string) => readonly KeyRow[] | undefined; readonly unsaved?: string },
): string {
  const out: string[] = [];
  for (const r of results) {
    out.push(wrap(`=== Account ${label(r.account)} ===`), '\n');
    if ('error' in r) {
      out.push(wrap(`NOT SCANNED: ${terminalText(r.error.message, MAX_REASON_CHARS)}`), wrap(`fix: ${terminalText(r.error.fix, MAX_REASON_CHARS)}`, '', '     '));
    } else {
      const rows = options.rows?.(r.account.accountId);
      out.push(renderReport(r.summary, { timezone: options.timezone, ...(rows === undefined ? {} : { rows }), ...(options.unsaved === undefined ? {} : { unsaved: options.unsaved }) }));
    }
    out.push('\n');
  }
  out.push(wrap('=== Organisation ==='), '\n', organisationLines(results));
  return out.join('');
}

/** "N accounts scanned, M not scanned", each account not scanned with its reason and fix, and what may be said of the whole. */
export function organisationLines(results: readonly OrganisationResult[]): string {
  const t = tally(results);
  const out: string[] = [wrap(`${plural(t.scanned, 'account')} scanned, ${t.notScanned} not scanned${t.notScanned > 0 ? ':' : '.'}`)];
  for (const r of results) {
    if (!('error' in r)) continue;
    out.push(wrap(`${label(r.account)}: ${terminalText(r.error.message, MAX_REASON_CHARS)}`, '  ', '    '));
    out.push(wrap(`fix: ${terminalText(r.error.fix, MAX_REASON_CHARS)}`, '    ', '         '));
  }
  const withStale = results.filter((r) => 'summary' in r && r.summary.counts.stale > 0).length;
  const staleText = `${plural(t.stale, 'stale key')} in ${plural(withStale, 'account')}`;
  if (t.complete) {
    out.push(wrap(t.stale === 0 ? `No stale access keys in any of the ${plural(t.scanned, 'account')}: every account was scanned and every key checked.` : `${staleText}; every account was scanned and every key checked.`));
  } else {
    const incomplete = t.incomplete > 0 ? `${plural(t.incomplete, 'account')} with keys not checked` : undefined;
    const missing = t.notScanned > 0 ? `${plural(t.notScanned, 'account')} not scanned` : undefined;
    const what = [missing, incomplete].filter((s) => s !== undefined).join(' and ') || 'no account scanned';
    out.push(wrap(`INCOMPLETE: ${what}; ${staleText} among the rest, and nothing can be said of what was not checked.`));
  }
  return out.join('');
}

/** The stderr line of an organisation that is not complete, or undefined. */
export function organisationIncompleteText(results: readonly OrganisationResult[]): string | undefined {
  const t = tally(results);
  if (t.complete) return undefined;
  const parts = [...(t.notScanned > 0 ? [`${t.notScanned} of ${plural(results.length, 'account')} not scanned`] : []), ...(t.incomplete > 0 ? [`keys of ${plural(t.incomplete, 'account')} not checked`] : [])];
  return `${parts.join(', ') || 'no account scanned'}; the organisation's result is incomplete`;
}
