import type { Assessment } from '../model';
import { plural } from './format';

/**
 * Rule: claims match evidence, in this one place. "All clear", "0 stale" and the like are said only
 * of a complete assessment; otherwise the title and the first line say how many keys and users
 * could not be checked.
 */

/** "3 keys and 1 user", or undefined when every key was judged. */
export function notCheckedText(a: Assessment): string | undefined {
  if (a.complete) return undefined;
  const parts = [
    ...(a.unknown.length > 0 || a.unlisted.length === 0 ? [plural(a.unknown.length, 'key')] : []),
    ...(a.unlisted.length > 0 ? [plural(a.unlisted.length, 'user')] : []),
  ];
  return parts.join(' and ');
}

/** The stale count as a title may say it: "0 stale" only when complete. */
function staleInTitle(a: Assessment): string | undefined {
  return a.stale.length > 0 || a.complete ? `${a.stale.length} stale` : undefined;
}

/** The digest's title: what a chat notification shows. */
export function digestTitle(a: Assessment, day: string): string {
  const notChecked = notCheckedText(a);
  if (notChecked === undefined) return `RAM key digest ${day}: ${staleInTitle(a)}`;
  return [`RAM key digest ${day}: ${notChecked} NOT CHECKED`, staleInTitle(a)].filter((s) => s !== undefined).join(', ');
}

/** The hourly alert's title. */
export function changesTitle(a: Assessment): string {
  const notChecked = notCheckedText(a);
  const crossed = a.newlyStale.length > 0 ? `${plural(a.newlyStale.length, 'RAM key')} turned stale` : undefined;
  if (notChecked === undefined) return crossed ?? 'RAM keys: nothing turned stale';
  return [crossed, `RAM keys: ${notChecked} NOT CHECKED`].filter((s) => s !== undefined).join(', ');
}

/** The first line of a report that is incomplete, or none. */
export function incompleteLine(a: Assessment): string[] {
  const notChecked = notCheckedText(a);
  if (notChecked === undefined) return [];
  const why = a.partial ? 'the time limit stopped the scan before it reached them' : 'their look-up or key list failed';
  return [`⚠️ **Incomplete: ${notChecked} could not be checked** (${why}), so this report cannot say that no other key is stale. They are listed under "Not checked".`];
}

/** The counts line: each verdict counted as the summary counts it (they add up to the keys). */
export function countsLine(a: Assessment): string {
  const ok = a.findings.filter((f) => f.verdict === 'ok').length;
  const stale = a.stale.length > 0 || a.complete ? `**${a.stale.length} stale**` : 'stale: none found among the keys checked';
  return [
    `${plural(a.findings.length, 'key')} of ${plural(a.users, 'user')}`,
    stale,
    `${ok} ok (${a.warn.length} turning stale within the warning period)`,
    `${a.inactive.length} inactive`,
    `${a.exempt.length} exempt`,
    `${a.unknown.length} not checked`,
    ...(a.unlisted.length > 0 ? [`**${plural(a.unlisted.length, 'user')} whose keys could not be listed**`] : []),
  ].join(' · ');
}

/** The all-clear line, for a complete assessment with nothing stale only. */
export function allClearLine(a: Assessment): string[] {
  return a.complete && a.stale.length === 0 ? ['✅ **All clear**: every key was checked and no active key is stale.'] : [];
}
