import { DateTime } from 'luxon';
import type { StaleKeySummary, Summary } from '../core/summary';
import type { Finding, Verdict } from '../model';
import { MAX_ID_CHARS, MAX_NAME_CHARS, MAX_REASON_CHARS, terminalText } from '../text/inert';

/** One line of the key table. Times are epoch ms. */
export interface KeyRow {
  readonly userName: string;
  readonly displayName: string | undefined;
  readonly accessKeyId: string;
  readonly verdict: Verdict;
  /** Days since the last use (or the creation when never used); undefined when not known. */
  readonly idleDays: number | undefined;
  /** undefined: ActionTrail has no record. */
  readonly lastUsed: number | undefined;
  /** Service codes, most recent first. */
  readonly products: readonly string[];
}

export const COLUMNS = ['USER', 'ACCESS KEY', 'STATUS', 'IDLE DAYS', 'LAST USED', 'PRODUCTS'] as const;
const MAX_USER_WIDTH = 36;
const MAX_PRODUCTS_WIDTH = 40;
/** Display order: what needs action first. */
const VERDICT_ORDER: Readonly<Record<Verdict, number>> = { stale: 0, unknown: 1, ok: 2, exempt: 3, inactive: 4 };

export function rowFromStale(s: StaleKeySummary): KeyRow {
  const lastUsed = s.lastUsed === null ? undefined : DateTime.fromISO(s.lastUsed, { zone: 'utc' }).toMillis();
  return {
    userName: s.userName,
    displayName: s.displayName ?? undefined,
    accessKeyId: s.accessKeyId,
    verdict: 'stale',
    idleDays: s.idleDays,
    lastUsed: Number.isFinite(lastUsed) ? lastUsed : undefined,
    products: s.products.map((p) => p.service),
  };
}

export function rowFromFinding(f: Finding): KeyRow {
  return {
    userName: f.key.userName,
    displayName: f.key.displayName,
    accessKeyId: f.key.accessKeyId,
    verdict: f.verdict,
    idleDays: f.idleDays,
    lastUsed: f.lastUsedAt,
    products: f.products.map((p) => p.serviceName),
  };
}

/** Stale first, then by verdict; within one, the longest idle first. */
export function sortRows(rows: readonly KeyRow[]): KeyRow[] {
  return [...rows].sort(
    (a, b) =>
      VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict] ||
      (b.idleDays ?? -1) - (a.idleDays ?? -1) ||
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
    r.idleDays === undefined ? '-' : String(r.idleDays),
    r.lastUsed === undefined ? 'never' : DateTime.fromMillis(r.lastUsed, { zone: timezone }).toISODate() ?? '-',
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
  const rows = sortRows(options.rows ?? summary.stale.map(rowFromStale));
  const out: string[] = [];
  if (rows.length > 0) out.push(renderTable(rows, options.timezone));
  else out.push(summary.counts.keys === 0 ? 'No access keys found.\n' : 'No stale access keys.\n');
  if (summary.unknown.length > 0) {
    out.push(`\nCould not check ${plural(summary.unknown.length, 'key')}:\n`);
    for (const u of summary.unknown) {
      const id = u.accessKeyId === null ? '(key list)' : terminalText(u.accessKeyId, MAX_ID_CHARS);
      out.push(`  ${terminalText(u.userName, MAX_NAME_CHARS)}  ${id}  ${terminalText(u.reason, MAX_REASON_CHARS)}\n`);
    }
  }
  const c = summary.counts;
  const when = DateTime.fromISO(summary.now, { zone: 'utc' }).setZone(options.timezone).toFormat('yyyy-MM-dd HH:mm');
  out.push(
    `\n${plural(c.keys, 'key')} of ${plural(c.users, 'user')}: ${c.stale} stale, ${c.ok} ok, ${c.inactive} inactive, ${c.exempt} exempt, ${c.unknown} unknown.\n` +
      `Stale means unused for more than ${summary.staleAfterDays} days, as of ${when} ${options.timezone}.\n`,
  );
  if (summary.partial) out.push('Warning: the scan stopped at its time limit before checking every key; the result is incomplete.\n');
  if (summary.dryRun) out.push(`Dry run: nothing was posted to DingTalk${options.dryRunHint === undefined ? '' : ` (${options.dryRunHint})`}.\n`);
  else out.push(`Posted ${plural(summary.notified.messages, 'message')} to DingTalk.\n`);
  return out.join('');
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
