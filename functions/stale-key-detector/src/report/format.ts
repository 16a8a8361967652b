import { DateTime } from 'luxon';
import type { Finding, ProductUse } from '../model';

/** Escapes the characters DingTalk's markdown would interpret in names we did not write. */
export function md(text: string): string {
  return text.replace(/([\\`*_[\]<>#|])/g, '\\$1');
}

export function date(ms: number, timezone: string): string {
  return DateTime.fromMillis(ms, { zone: timezone }).toFormat('yyyy-MM-dd');
}

export function dateTime(ms: number, timezone: string): string {
  return DateTime.fromMillis(ms, { zone: timezone }).toFormat('yyyy-MM-dd HH:mm ZZZZ');
}

export function consoleLink(userName: string): string {
  return `[${md(userName)}](https://ram.console.aliyun.com/users/${encodeURIComponent(userName)})`;
}

export function userHeading(finding: Finding): string {
  const display = finding.key.displayName;
  return `**${consoleLink(finding.key.userName)}**${display !== undefined && display !== finding.key.userName ? ` (${md(display)})` : ''}`;
}

export function products(list: readonly ProductUse[], timezone: string, max = 4): string {
  const shown = list.slice(0, max).map((p) => `${md(p.serviceNameEn)} (${md(p.serviceName)}, ${date(p.usedAt, timezone)})`);
  return list.length > max ? `${shown.join(', ')} and ${list.length - max} more` : shown.join(', ');
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
