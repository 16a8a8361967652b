import { DateTime } from 'luxon';
import type { StaleKeySummary, StateSummary, Summary } from '../functions/stale-key-detector/src/core/summary';
import { MAX_ID_CHARS, MAX_NAME_CHARS, MAX_REASON_CHARS, terminalText } from '../functions/stale-key-detector/src/text/inert';
import { dayOf, type KeyRow, millis, noneSince, renderTable, rowFromStale, sortRows } from './table';
import { wrap } from './width';

/** The legend under a table with "none" in LAST USED: since when no use was recorded. */
function noneLegend(rows: readonly KeyRow[], timezone: string): string {
  const days = [...new Set(rows.map(noneSince).filter((ms): ms is number => ms !== undefined).sort((a, b) => a - b).map((ms) => dayOf(ms, timezone)))];
  if (days.length === 0) return '';
  return wrap(`none: no use recorded since ${days.join(', ')}, the start of ActionTrail's records.`);
}

/** How the key table is headed and which rows it holds: every stale key, or only the newly stale ones. */
function keySection(summary: Summary, rows: readonly KeyRow[] | undefined, now: number, timezone: string): string[] {
  const out: string[] = [];
  const table = (r: readonly KeyRow[]): void => {
    const sorted = sortRows(r);
    out.push(renderTable(sorted, timezone, { staleAfterDays: summary.staleAfterDays }), noneLegend(sorted, timezone));
  };
  if (rows === undefined && summary.report === 'changes') {
    // The hourly view: what turned stale since the previous scheduled run, not every stale key.
    const byId = new Map(summary.stale.map((s) => [s.accessKeyId, s]));
    const newly = summary.newlyStale.map((id) => byId.get(id));
    const known = newly.filter((s): s is StaleKeySummary => s !== undefined);
    const others = summary.newlyStale.filter((id) => !byId.has(id));
    out.push(
      summary.newlyStale.length === 0
        ? wrap(`Newly stale (0): no key turned stale since the previous scheduled run${summary.complete ? '' : ' among the keys checked'}.`)
        : `Newly stale (${summary.newlyStale.length}), since the previous scheduled run:\n`,
    );
    if (known.length > 0) table(known.map((s) => rowFromStale(s, now)));
    for (const id of others) out.push(`  ${terminalText(id, MAX_ID_CHARS)}  (not in the summary's stale list)\n`);
    const older = summary.counts.stale - known.length;
    if (older > 0) out.push(wrap(`\n${plural(older, 'other key')} ${older === 1 ? 'is' : 'are'} still stale; --report full lists every stale key.`));
    return out;
  }
  const shown = rows ?? summary.stale.map((s) => rowFromStale(s, now));
  if (shown.length > 0) table(shown);
  // Rule: claims match evidence. "No stale access keys" only when every key was checked.
  else if (summary.complete) out.push(summary.counts.keys === 0 ? 'No access keys found.\n' : 'No stale access keys.\n');
  else out.push(wrap(`No stale key among the ${plural(summary.counts.keys - summary.counts.unknown, 'key')} checked; the others could not be checked.`));
  return out;
}

/**
 * The human report of a summary: the key table (`rows`, or the summary's stale keys; for a
 * "changes" report the newly stale keys), the keys that could not be checked, and the counts.
 * `posting`: "pending" when the caller posts to DingTalk after printing (it says how that went).
 * `unsaved`: why the state was not saved, when the caller knows (scan --stale-after-days).
 */
export function renderReport(summary: Summary, options: { rows?: readonly KeyRow[]; timezone: string; dryRunHint?: string; posting?: 'pending'; unsaved?: string }): string {
  const now = millis(summary.now) ?? 0;
  const out: string[] = [];
  if (!summary.complete) out.push(wrap(`INCOMPLETE: ${incompleteText(summary)}.`), '\n');
  out.push(...keySection(summary, options.rows, now, options.timezone));
  // Always said, even when it is none: a reader must never have to infer it.
  out.push('\n', wrap(`Could not check ${plural(summary.unknown.length, 'key')} and the keys of ${plural(summary.unlistedUsers.length, 'user')}${summary.unknown.length + summary.unlistedUsers.length > 0 ? ':' : '.'}`));
  for (const u of summary.unknown) {
    out.push(wrap(`${terminalText(u.userName, MAX_NAME_CHARS)}  ${terminalText(u.accessKeyId, MAX_ID_CHARS)}  ${terminalText(u.reason, MAX_REASON_CHARS)}`, '  ', '      '));
  }
  for (const u of summary.unlistedUsers) {
    out.push(wrap(`${terminalText(u.userName, MAX_NAME_CHARS)}  (all keys)  ${terminalText(u.reason, MAX_REASON_CHARS)}`, '  ', '      '));
  }
  const c = summary.counts;
  const when = DateTime.fromISO(summary.now, { zone: 'utc' }).setZone(options.timezone).toFormat('yyyy-MM-dd HH:mm');
  out.push(
    '\n',
    wrap(
      `${plural(c.keys, 'key')} of ${plural(c.users, 'user')}: ${c.stale} stale, ${c.ok} ok, ${c.inactive} inactive, ${c.exempt} exempt, ${c.unknown} not checked` +
        `${c.unlistedUsers > 0 ? `; ${plural(c.unlistedUsers, 'user')} whose keys could not be listed` : ''}.`,
    ),
    wrap(`Stale means unused for more than ${summary.staleAfterDays} days, as of ${when} ${options.timezone}.`),
    wrap(stateText(summary.state, c.keys, options.unsaved)),
  );
  if (summary.dryRun) out.push(wrap(`Dry run: nothing was posted to DingTalk${options.dryRunHint === undefined ? '' : ` (${options.dryRunHint})`}.`));
  else if (options.posting !== 'pending') out.push(`Posted ${plural(summary.notified.messages, 'message')} to DingTalk.\n`);
  return out.join('');
}

/**
 * One line on the incremental state: where it is, how many keys were looked up and how many taken
 * from it, and whether this run saved a generation; or why there was none, or why it was not used.
 */
export function stateText(state: StateSummary, keys: number, unsaved?: string): string {
  const why = state.why === null ? undefined : terminalText(state.why, MAX_REASON_CHARS);
  if (state.where === null) return `State: none (${why ?? 'not configured'}).`;
  const where = terminalText(state.where, MAX_REASON_CHARS);
  const saved = state.savedGeneration !== null ? `saved as generation ${state.savedGeneration}` : `not saved${unsaved === undefined ? '' : ` (${terminalText(unsaved, MAX_REASON_CHARS)})`}`;
  if (!state.loaded) return `State at ${where} not used (${why ?? 'unknown'}): full scan, ${plural(state.keysLookedUp, 'key')} looked up; ${saved}.`;
  return `State at ${where}: ${state.keysLookedUp.toLocaleString('en-US')} of ${plural(keys, 'key')} looked up, ${state.keysFromState.toLocaleString('en-US')} taken from the state; ${saved}.`;
}

/** What was not checked: "3 keys and the keys of 1 user could not be checked (time limit)". */
export function incompleteText(summary: Pick<Summary, 'partial' | 'counts'>): string {
  const parts = [
    ...(summary.counts.unknown > 0 || summary.counts.unlistedUsers === 0 ? [plural(summary.counts.unknown, 'key')] : []),
    ...(summary.counts.unlistedUsers > 0 ? [`the keys of ${plural(summary.counts.unlistedUsers, 'user')}`] : []),
  ];
  return `${parts.join(' and ')} could not be checked${summary.partial ? ' before the time limit' : ''}; the result is incomplete`;
}

export function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}
