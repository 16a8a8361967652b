/**
 * The organisation's report (issue 12): one hourly alert and one digest for every account the
 * coordinator's workers scanned, grouped by account (name and id), within DingTalk's limits.
 * Rule: claims match evidence, for the organisation as for one account. An account not scanned,
 * or scanned with keys not checked, is said first, in the title and the first line; "all clear"
 * only when every account was scanned and every key checked.
 */
import { code, consoleLink, date, dateTime, md, plural } from '../report/format';
import { type Part, type ReportLine, splitIntoParts } from '../report/split';
import { type AccountResult, tally } from './organisation';
import type { StaleKeySummary, Summary } from './summary';

export interface OrgAccount {
  readonly accountId: string;
  readonly displayName: string;
}

export type OrgResult = AccountResult<OrgAccount, Summary>;

export interface OrgTotals {
  readonly accounts: number;
  readonly scanned: number;
  readonly notScanned: number;
  readonly keys: number;
  readonly stale: number;
  readonly newlyStale: number;
  /** Keys not checked plus users not listed, over the scanned accounts. */
  readonly notChecked: number;
  /** Scanned accounts whose scan the time limit stopped (partial): keys it never reached are in no count. */
  readonly cutShort: number;
  /** Every account scanned and every key of every account checked. */
  readonly complete: boolean;
}

const scannedOf = (results: readonly OrgResult[]) => results.flatMap((r) => ('summary' in r ? [r] : []));

/** The organisation's totals: tally's (one rule for when an organisation is complete), and the report's counts. */
export function organisationTotals(results: readonly OrgResult[]): OrgTotals {
  const scanned = scannedOf(results);
  const sum = (f: (s: Summary) => number): number => scanned.reduce((n, r) => n + f(r.summary), 0);
  const t = tally(results);
  return {
    accounts: results.length,
    scanned: t.scanned,
    notScanned: t.notScanned,
    keys: sum((s) => s.counts.keys),
    stale: t.stale,
    newlyStale: sum((s) => s.counts.newlyStale),
    notChecked: sum((s) => s.counts.unknown + s.counts.unlistedUsers),
    cutShort: scanned.filter((r) => r.summary.partial).length,
    complete: t.complete,
  };
}

export interface OrgComposeOptions {
  readonly report: 'full' | 'changes';
  readonly now: number;
  readonly timezone: string;
  readonly staleAfterDays: number;
  readonly measure: (part: Part) => number;
  readonly keyword?: string | undefined;
  readonly mentionText?: string | undefined;
  readonly maxParts?: number;
}

/** "2 accounts NOT SCANNED, 5 keys NOT CHECKED, 1 account CUT SHORT", or undefined when everything was. */
function notCoveredText(t: OrgTotals): string | undefined {
  const parts = [
    t.notScanned > 0 ? `${plural(t.notScanned, 'account')} NOT SCANNED` : undefined,
    t.notChecked > 0 ? `${t.notChecked} ${t.notChecked === 1 ? 'key or user' : 'keys or users'} NOT CHECKED` : undefined,
    // A scan the time limit stopped may not have listed every user: keys it never saw are in no count.
    t.cutShort > 0 ? `${plural(t.cutShort, 'account')} CUT SHORT` : undefined,
  ].filter((s) => s !== undefined);
  return parts.length === 0 ? undefined : parts.join(', ');
}

function keyLine(k: StaleKeySummary, timezone: string): string {
  const use = k.lastUsed !== null ? `last used ${date(Date.parse(k.lastUsed), timezone)}` : k.noUseSince !== null && k.noUseSince !== k.createDate ? `no use recorded since ${date(Date.parse(k.noUseSince), timezone)}` : `never used, created ${date(Date.parse(k.createDate), timezone)}`;
  return `- ${code(k.accessKeyId)} of ${consoleLink(k.userName)}: idle **${plural(k.idleDays, 'day')}**, ${use}`;
}

/** "#### name (`id`)", or the id alone when nothing printable is left of the name. */
function accountHeading(a: OrgAccount): string {
  const name = md(a.displayName, 64).trim();
  return name === '' ? `#### ${code(a.accountId)}` : `#### ${name} (${code(a.accountId)})`;
}

/** One account's lines: not scanned (reason, fix), or its counts, newly stale, stale (digest) and not checked. */
function accountLines(r: OrgResult, o: OrgComposeOptions): ReportLine[] {
  if ('error' in r) {
    return [{ text: `${accountHeading(r.account)}: **NOT SCANNED**`, keys: 0 }, { text: `- why: ${md(r.error.message, 300)}\n- what to do: ${md(r.error.fix, 300)}`, keys: 1 }];
  }
  const s = r.summary;
  const newly = new Set(s.newlyStale);
  const unchecked = s.counts.unknown + s.counts.unlistedUsers;
  const counts = `${plural(s.counts.keys, 'key')} of ${plural(s.counts.users, 'user')} · ${s.counts.stale > 0 || s.complete ? `**${s.counts.stale} stale**` : 'stale: none found among the keys checked'}${unchecked > 0 ? ` · **${unchecked} not checked**` : ''}${s.partial ? ' · **cut short by the time limit**: keys it did not reach are not counted' : ''}`;
  const shown = o.report === 'full' ? s.stale : s.stale.filter((k) => newly.has(k.accessKeyId));
  // One line per user (its keys under it), so that a list is one markdown list and a long one splits between users.
  const byUser = new Map<string, StaleKeySummary[]>();
  for (const k of shown) byUser.set(k.userName, [...(byUser.get(k.userName) ?? []), k]);
  return [
    { text: `${accountHeading(r.account)}: ${counts}`, keys: 0 },
    ...[...byUser.values()].map((keys) => ({ text: keys.map((k) => `${keyLine(k, o.timezone)}${newly.has(k.accessKeyId) ? ' — **newly stale**' : ''}`).join('\n'), keys: keys.length })),
    ...s.unknown.map((u) => ({ text: `- not checked: ${code(u.accessKeyId)} of ${consoleLink(u.userName)}: ${md(u.reason, 200)}`, keys: 1 })),
    ...s.unlistedUsers.map((u) => ({ text: `- not checked: all keys of ${consoleLink(u.userName)}: ${md(u.reason, 200)}`, keys: 1 })),
  ];
}

/** Accounts not scanned first, then those with the most stale keys. */
function ordered(results: readonly OrgResult[]): OrgResult[] {
  const rank = (r: OrgResult): number => ('error' in r ? Number.NEGATIVE_INFINITY : -r.summary.counts.stale - (r.summary.complete ? 0 : 0.5));
  // A stable sort: accounts of equal rank keep the listing's order.
  return [...results].sort((a, b) => (rank(a) === rank(b) ? 0 : rank(a) < rank(b) ? -1 : 1));
}

/** The digest (report full) or the hourly alert (changes; empty when nothing to say). */
export function composeOrganisation(results: readonly OrgResult[], o: OrgComposeOptions): Part[] {
  const t = organisationTotals(results);
  const notCovered = notCoveredText(t);
  if (o.report === 'changes' && t.newlyStale === 0 && notCovered === undefined) return [];
  const day = date(o.now, o.timezone);
  const title = o.report === 'full'
    ? `RAM key digest ${day}, ${plural(t.accounts, 'account')}${notCovered === undefined ? '' : `: ${notCovered}`}${t.stale > 0 || t.complete ? `, ${t.stale} stale` : ''}`
    : [t.newlyStale > 0 ? `${plural(t.newlyStale, 'RAM key')} turned stale` : undefined, notCovered === undefined ? undefined : `RAM keys: ${notCovered}`].filter((s) => s !== undefined).join(', ');
  const header = [
    ...(notCovered === undefined ? [] : [`⚠️ **Incomplete: ${notCovered}**, so this report cannot say that no other key is stale. They are listed below.`]),
    ...(o.mentionText === undefined ? [] : [o.mentionText]),
    // "0 stale" only when complete, as report/claims.ts says it of one account.
    `${plural(t.scanned, 'account')} scanned of ${t.accounts} · ${plural(t.keys, 'key')} · ${t.stale > 0 || t.complete ? `**${t.stale} stale**` : 'stale: none found among the keys checked'} · ${t.newlyStale} newly stale · ${t.notChecked} not checked`,
    `Stale means active and unused for more than ${plural(o.staleAfterDays, 'day')}. Checked ${dateTime(o.now, o.timezone)}.`,
    ...(o.report === 'full' && t.complete && t.stale === 0 ? ['✅ **All clear**: every account was scanned, every key checked, and no active key is stale.'] : []),
  ];
  const relevant = o.report === 'full' ? results : results.filter((r) => 'error' in r || r.summary.counts.newlyStale > 0 || !r.summary.complete);
  const lines = ordered(relevant).flatMap((r) => accountLines(r, o));
  return splitIntoParts({ title, header, lines, footer: o.keyword === undefined ? [] : [o.keyword], measure: o.measure, overflowHint: 'run the CLI with --accounts', ...(o.maxParts === undefined ? {} : { maxParts: o.maxParts }) });
}
