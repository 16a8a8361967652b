import { DateTime } from 'luxon';
import type { Finding, ProductUse } from '../model';
import { markdownText, MAX_ID_CHARS, MAX_NAME_CHARS, MAX_REASON_CHARS, wellFormed } from '../text/inert';

/**
 * Text we did not write, made inert for DingTalk markdown: one line, no markdown or HTML structure,
 * no mentions or autolinks, at most `maxChars` code points ("…" when cut). See text/inert.ts.
 */
export function md(text: string, maxChars: number = MAX_REASON_CHARS): string {
  return markdownText(text, maxChars);
}

/** An id (access key id, request id) as a code span; markdownText maps backticks, so it cannot close early. */
export function code(text: string): string {
  const inner = markdownText(text, MAX_ID_CHARS);
  return `\`${inner === '' ? '(empty)' : inner}\``;
}

export function date(ms: number, timezone: string): string {
  return DateTime.fromMillis(ms, { zone: timezone }).toFormat('yyyy-MM-dd');
}

export function dateTime(ms: number, timezone: string): string {
  return DateTime.fromMillis(ms, { zone: timezone }).toFormat('yyyy-MM-dd HH:mm ZZZZ');
}

const CONSOLE_USERS = 'https://ram.console.aliyun.com/users';

/**
 * A URL path segment: encodeURIComponent, plus the characters it leaves alone that markdown or a
 * linkifier could read as the end of the link or as syntax: ( ) ! * '.
 */
export function urlSegment(text: string): string {
  return encodeURIComponent(wellFormed(text)).replace(/[()!*']/g, (ch) => `%${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase()}`);
}

/**
 * Exactly one link, to the user's page in the RAM console, whatever the name. The link text is
 * inert; the path is percent-encoded so nothing in it can end the link early. A name longer than
 * RAM allows (64 characters) cannot be a real user's, so it links to the user list instead of
 * carrying an unbounded URL.
 */
export function consoleLink(userName: string): string {
  const text = markdownText(userName, MAX_NAME_CHARS);
  const url = Array.from(userName).length > MAX_NAME_CHARS ? CONSOLE_USERS : `${CONSOLE_USERS}/${urlSegment(userName)}`;
  return `[${text === '' ? '(no name)' : text}](${url})`;
}

export function userHeading(finding: Finding): string {
  const name = md(finding.key.userName, MAX_NAME_CHARS);
  const display = finding.key.displayName === undefined ? '' : md(finding.key.displayName, MAX_NAME_CHARS);
  return `**${consoleLink(finding.key.userName)}**${display !== '' && display !== name ? ` (${display})` : ''}`;
}

export function products(list: readonly ProductUse[], timezone: string, max = 4): string {
  const shown = list
    .slice(0, max)
    .map((p) => `${md(p.serviceNameEn, MAX_NAME_CHARS)} (${md(p.serviceName, MAX_NAME_CHARS)}, ${date(p.usedAt, timezone)})`);
  return list.length > max ? `${shown.join(', ')} and ${list.length - max} more` : shown.join(', ');
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
