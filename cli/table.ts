import { DateTime } from 'luxon';
import type { StaleKeySummary } from '../functions/stale-key-detector/src/core/summary';
import type { Finding, Verdict } from '../functions/stale-key-detector/src/model';
import { idleText } from '../functions/stale-key-detector/src/report/idle';
import { MAX_ID_CHARS, MAX_NAME_CHARS, terminalText } from '../functions/stale-key-detector/src/text/inert';
import { displayWidth, TERMINAL_WIDTH, truncate } from './width';

export { displayWidth } from './width';

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

/**
 * The 80-column rule. The table, the usage texts and every other line the CLI prints fit a
 * terminal of TERMINAL_WIDTH columns (CJK characters counted as two):
 *
 * - ACCESS KEY (the full id), STATUS, IDLE and LAST USED are never shortened. IDLE is in whole
 *   days ("200 d"), with the hours only when the day count equals the threshold ("90 d 4 h"), so
 *   that a stale key never reads as idle exactly the threshold. LAST USED is a day, "never" (no
 *   use since the key was created) or "none" (no use since ActionTrail's records start, a date
 *   the legend under the table gives).
 * - USER and PRODUCTS share what is left. USER takes at most USER_MAX_WIDTH columns, fewer when
 *   PRODUCTS would otherwise get less than PRODUCTS_MIN_WIDTH: the display name is left out when
 *   it does not fit, and a user name that does not fit is cut with "…". PRODUCTS (most recent
 *   first) gets the rest, cut after a whole product with "… +N" for the N not shown.
 * - A line is wider than 80 columns only when an access key id is much longer than RAM's
 *   24 characters (USER and PRODUCTS never go below USER_MIN_WIDTH and PRODUCTS_MIN_WIDTH).
 * - Prose (counts, what could not be checked and why) is wrapped at 80 columns.
 */
const USER_MAX_WIDTH = 16;
const USER_MIN_WIDTH = 8;
const PRODUCTS_MIN_WIDTH = 10;
const GAP = '  ';
/** Display order: what needs action first. */
const VERDICT_ORDER: Readonly<Record<Verdict, number>> = { stale: 0, unknown: 1, ok: 2, exempt: 3, inactive: 4 };

const DAY_MS = 86_400_000;

export const millis = (iso: string | null): number | undefined => {
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

export const dayOf = (ms: number, timezone: string): string => DateTime.fromMillis(ms, { zone: timezone }).toISODate() ?? '-';

/** No use recorded since ActionTrail's records start (the key is older than them). */
export const noneSince = (r: KeyRow): number | undefined => (r.lastUsed === undefined && r.noUseSince !== undefined && r.noUseSince > r.createdAt ? r.noUseSince : undefined);

/** LAST USED: the day, "never" for a key younger than ActionTrail's window, else "none" (see the legend). */
function lastUsedCell(r: KeyRow, timezone: string): string {
  if (r.lastUsed !== undefined) return dayOf(r.lastUsed, timezone);
  if (noneSince(r) !== undefined) return 'none';
  return r.noUseSince === undefined ? '-' : 'never';
}

/** IDLE: whole days; with the hours (idleText) when the days equal the threshold, or when no threshold is given. */
function idleCell(r: KeyRow, staleAfterDays: number | undefined): string {
  if (r.idleMs === undefined) return '-';
  if (staleAfterDays === undefined) return idleText(r.idleMs);
  const days = r.idleMs > 0 ? Math.floor(r.idleMs / DAY_MS) : 0;
  return days === staleAfterDays ? idleText(r.idleMs) : `${days} d`;
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

/** The USER cell in at most `width` columns: "name (display)", else the name, cut with "…" when it does not fit. */
function userCell(r: KeyRow, width: number): string {
  const name = terminalText(r.userName, MAX_NAME_CHARS);
  const display = r.displayName === undefined ? '' : terminalText(r.displayName, MAX_NAME_CHARS);
  const full = display !== '' && display !== name ? `${name} (${display})` : name;
  if (displayWidth(full) <= width) return full;
  return truncate(name, width);
}

/** The PRODUCTS cell in at most `width` columns: whole products, then "… +N" for the N left out. */
export function productsCell(products: readonly string[], width: number): string {
  const names = products.map((p) => terminalText(p, MAX_NAME_CHARS)).filter((p) => p !== '');
  if (names.length === 0) return '-';
  const all = names.join(', ');
  if (displayWidth(all) <= width) return all;
  for (let shown = names.length - 1; shown >= 1; shown -= 1) {
    const cell = `${names.slice(0, shown).join(', ')} … +${names.length - shown}`;
    if (displayWidth(cell) <= width) return cell;
  }
  // Not even the first product fits whole: cut it.
  const rest = names.length > 1 ? ` +${names.length - 1}` : '';
  return `${truncate(names[0] ?? '', Math.max(2, width - displayWidth(rest)))}${rest}`;
}

/**
 * An aligned plain-text table (no colours) within `width` columns by the 80-column rule above,
 * CJK names counted as two columns wide. Every cell from the cloud goes through terminalText
 * first (no escape sequences, controls or line breaks), and is measured after that.
 */
export function renderTable(rows: readonly KeyRow[], timezone: string, options: { staleAfterDays?: number; width?: number } = {}): string {
  const fixed = rows.map((r) => [terminalText(r.accessKeyId, MAX_ID_CHARS), r.verdict, idleCell(r, options.staleAfterDays), lastUsedCell(r, timezone)]);
  // ACCESS KEY, STATUS, IDLE, LAST USED: columns 1 to 4, never shortened.
  const fixedWidths = fixed.reduce((widths, f) => widths.map((w, i) => Math.max(w, displayWidth(f[i] ?? ''))), COLUMNS.slice(1, 5).map(displayWidth));
  const naturalUser = Math.max(displayWidth(COLUMNS[0]), ...rows.map((r) => displayWidth(userCell(r, Number.POSITIVE_INFINITY))));
  const naturalProducts = Math.max(displayWidth(COLUMNS[5]), ...rows.map((r) => displayWidth(productsCell(r.products, Number.POSITIVE_INFINITY))));
  const left = (options.width ?? TERMINAL_WIDTH) - fixedWidths.reduce((sum, w) => sum + w, 0) - GAP.length * (COLUMNS.length - 1);
  const userWidth = Math.max(USER_MIN_WIDTH, Math.min(naturalUser, USER_MAX_WIDTH, left - Math.min(naturalProducts, PRODUCTS_MIN_WIDTH)));
  const productsWidth = Math.max(PRODUCTS_MIN_WIDTH, Math.min(naturalProducts, left - userWidth));
  const cells = rows.map((r, i) => [userCell(r, userWidth), ...(fixed[i] ?? []), productsCell(r.products, productsWidth)]);
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
        .join(GAP),
    )
    .join('\n')
    .concat('\n');
}
