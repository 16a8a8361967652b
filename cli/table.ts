import { DateTime } from 'luxon';
import type { StaleKeySummary, Summary } from '../functions/stale-key-detector/src/core/summary';
import type { Finding, Verdict } from '../functions/stale-key-detector/src/model';
import { idleText } from '../functions/stale-key-detector/src/report/idle';
import { MAX_ID_CHARS, MAX_NAME_CHARS, MAX_REASON_CHARS, terminalText } from '../functions/stale-key-detector/src/text/inert';

/** One line of the key table. Times are epoch ms. */
export interface KeyRow {
  readonly userName: string;
  readonly displayName: string | undefined;
  readonly accessKeyId: string;
  readonly verdict: Verdict;
  /** Milliseconds since the reference time (see core/judge); undefined when not known. */
  readonly idleMs: number | undefined;
  /** undefined: ActionTrail has no record. */
  readonly lastUsed: number | undefined;
  /** With no record: since when (creation, or the start of ActionTrail's window for an older key). */
  readonly noUseSince: number | undefined;
  readonly createdAt: number;
  /** Service codes, most recent first. */
  readonly products: readonly string[];
}

export const COLUMNS = ['USER', 'ACCESS KEY', 'STATUS', 'IDLE', 'LAST USED', 'PRODUCTS'] as const;
const MAX_USER_WIDTH = 36;
const MAX_PRODUCTS_WIDTH = 40;
/** Display order: what needs action first. */
const VERDICT_ORDER: Readonly<Record<Verdict, number>> = { stale: 0, unknown: 1, ok: 2, exempt: 3, inactive: 4 };

const millis = (iso: string | null): number | undefined => {
  const ms = iso === null ? Number.NaN : DateTime.fromISO(iso, { zone: 'utc' }).toMillis();
  return Number.isFinite(ms) ? ms : undefined;
};

/** A row from the summary's stale key, judged at `now` (the summary's epoch ms). */
export function rowFromStale(s: StaleKeySummary, now: number): KeyRow {
  const lastUsed = millis(s.lastUsed);
  const noUseSince = millis(s.noUseSince);
  const createdAt = millis(s.createDate) ?? 0;
  // The reference time as the judge took it: max(last use, CreateDate), or noUseSince.
  const reference = lastUsed === undefined ? noUseSince : Math.max(lastUsed, createdAt);
  return {
    userName: s.userName,
    displayName: s.displayName ?? undefined,
    accessKeyId: s.accessKeyId,
    verdict: 'stale',
    idleMs: reference === undefined ? undefined : now - reference,
    lastUsed,
    noUseSince,
    createdAt,
    products: s.products.map((p) => p.service),
  };
}

export function rowFromFinding(f: Finding, now: number): KeyRow {
  return {
    userName: f.key.userName,
    displayName: f.key.displayName,
    accessKeyId: f.key.accessKeyId,
    verdict: f.verdict,
    idleMs: f.referenceAt === undefined ? undefined : now - f.referenceAt,
    lastUsed: f.lastUsedAt,
    noUseSince: f.noUseSince,
    createdAt: f.key.createdAt,
    products: f.products.map((p) => p.serviceName),
  };
}

/** LAST USED: the day, "never" for a key younger than ActionTrail's window, else "none since <day>". */
function lastUsedCell(r: KeyRow, timezone: string): string {
  const day = (ms: number): string => DateTime.fromMillis(ms, { zone: timezone }).toISODate() ?? '-';
  if (r.lastUsed !== undefined) return day(r.lastUsed);
  if (r.noUseSince !== undefined && r.noUseSince > r.createdAt) return `none since ${day(r.noUseSince)}`;
  return r.noUseSince === undefined ? '-' : 'never';
}

/** Stale first, then by verdict; within one, the longest idle first. */
export function sortRows(rows: readonly KeyRow[]): KeyRow[] {
  return [...rows].sort(
    (a, b) =>
      VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict] ||
      (b.idleMs ?? -1) - (a.idleMs ?? -1) ||
      a.userName.localeCompare(b.userName) ||
      a.accessKeyId.localeCompare(b.accessKeyId),
  );
}

/** The USER cell: the name, and the display name when it says something more. */
function userCell(r: KeyRow): string {
  const name = terminalText(r.userName, MAX_NAME_CHARS);
  const display = r.displayName === undefined ? '' : terminalText(r.displayName, MAX_NAME_CHARS);
  return display !== '' && display !== name ? `${name} (${display})` : name;
}

/**
 * An aligned plain-text table (no colours), CJK names counted as two columns wide. Every cell from
 * the cloud goes through terminalText first (no escape sequences, controls or line breaks), and is
 * measured after that.
 */
export function renderTable(rows: readonly KeyRow[], timezone: string): string {
  const cells = rows.map((r) => [
    truncate(userCell(r), MAX_USER_WIDTH),
    terminalText(r.accessKeyId, MAX_ID_CHARS),
    r.verdict,
    r.idleMs === undefined ? '-' : idleText(r.idleMs),
    lastUsedCell(r, timezone),
    truncate(r.products.length === 0 ? '-' : r.products.map((p) => terminalText(p, MAX_NAME_CHARS)).join(', '), MAX_PRODUCTS_WIDTH),
  ]);
  const all = [[...COLUMNS], ...cells];
  const widths = COLUMNS.map((_, i) => Math.max(...all.map((row) => displayWidth(row[i] ?? ''))));
  const rightAligned = new Set([3]);
  return all
    .map((row) =>
      row
        .map((cell, i) => {
          const pad = ' '.repeat((widths[i] ?? 0) - displayWidth(cell));
          if (i === row.length - 1) return rightAligned.has(i) ? pad + cell : cell;
          return rightAligned.has(i) ? pad + cell : cell + pad;
        })
        .join('  '),
    )
    .join('\n')
    .concat('\n');
}

/**
 * The human report of a summary: the key table (`rows`, or the summary's stale keys), the keys
 * that could not be checked, and the counts.
 */
export function renderReport(summary: Summary, options: { rows?: readonly KeyRow[]; timezone: string; dryRunHint?: string }): string {
  const now = millis(summary.now) ?? 0;
  const rows = sortRows(options.rows ?? summary.stale.map((s) => rowFromStale(s, now)));
  const out: string[] = [];
  // Rule: claims match evidence. "No stale access keys" only when every key was checked.
  if (!summary.complete) out.push(`INCOMPLETE: ${incompleteText(summary)}.\n\n`);
  if (rows.length > 0) out.push(renderTable(rows, options.timezone));
  else if (summary.complete) out.push(summary.counts.keys === 0 ? 'No access keys found.\n' : 'No stale access keys.\n');
  else out.push(`No stale key among the ${plural(summary.counts.keys - summary.counts.unknown, 'key')} checked; the others could not be checked.\n`);
  // Always said, even when it is none: a reader must never have to infer it.
  out.push(`\nCould not check ${plural(summary.unknown.length, 'key')} and the keys of ${plural(summary.unlistedUsers.length, 'user')}${summary.unknown.length + summary.unlistedUsers.length > 0 ? ':' : '.'}\n`);
  for (const u of summary.unknown) {
    out.push(`  ${terminalText(u.userName, MAX_NAME_CHARS)}  ${terminalText(u.accessKeyId, MAX_ID_CHARS)}  ${terminalText(u.reason, MAX_REASON_CHARS)}\n`);
  }
  for (const u of summary.unlistedUsers) {
    out.push(`  ${terminalText(u.userName, MAX_NAME_CHARS)}  (all keys)  ${terminalText(u.reason, MAX_REASON_CHARS)}\n`);
  }
  const c = summary.counts;
  const when = DateTime.fromISO(summary.now, { zone: 'utc' }).setZone(options.timezone).toFormat('yyyy-MM-dd HH:mm');
  out.push(
    `\n${plural(c.keys, 'key')} of ${plural(c.users, 'user')}: ${c.stale} stale, ${c.ok} ok, ${c.inactive} inactive, ${c.exempt} exempt, ${c.unknown} not checked` +
      `${c.unlistedUsers > 0 ? `; ${plural(c.unlistedUsers, 'user')} whose keys could not be listed` : ''}.\n` +
      `Stale means unused for more than ${summary.staleAfterDays} days, as of ${when} ${options.timezone}.\n`,
  );
  if (summary.dryRun) out.push(`Dry run: nothing was posted to DingTalk${options.dryRunHint === undefined ? '' : ` (${options.dryRunHint})`}.\n`);
  else out.push(`Posted ${plural(summary.notified.messages, 'message')} to DingTalk.\n`);
  return out.join('');
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

/**
 * Terminal columns of a string: East Asian wide and fullwidth characters take two; what
 * terminalText removes (controls, format characters) and combining marks take none.
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch.codePointAt(0) ?? 0);
  return width;
}

const ZERO_WIDTH = /^[\p{Cc}\p{Cf}\p{Mn}\p{Me}\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufe00-\ufe0f\ufeff]$/u;

function charWidth(cp: number): number {
  if (ZERO_WIDTH.test(String.fromCodePoint(cp))) return 0;
  const wide =
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd);
  return wide ? 2 : 1;
}

/** At most `maxWidth` columns, ending with "…" when cut. `text` is already terminal-safe. */
function truncate(text: string, maxWidth: number): string {
  if (displayWidth(text) <= maxWidth) return text;
  let out = '';
  let width = 0;
  for (const ch of text) {
    const w = charWidth(ch.codePointAt(0) ?? 0);
    if (width + w > maxWidth - 1) break;
    out += ch;
    width += w;
  }
  return `${out}…`;
}
