import type { Assessment, Exemption, Finding } from '../model';
import { allClearLine, changesTitle, countsLine, digestTitle, incompleteLine, notCheckedText } from './claims';
import { code, consoleLink, date, dateTime, md, plural, products, userHeading } from './format';
import { idleText } from './idle';
import { type Part, type ReportLine, splitIntoParts } from './split';

export interface ComposeOptions {
  /** Serialized byte size of the message that would carry a part. */
  readonly measure: (part: Part) => number;
  readonly maxParts?: number;
  /** Appended to every part when the robot uses keyword security. */
  readonly keyword?: string | undefined;
  /** "@mobile @userId" text DingTalk needs for a mention, on alerts only. */
  readonly mentionText?: string | undefined;
}

const OVERFLOW_HINT = 'run a full report or the CLI';

/** "idle 120 d 4 h, last used 2026-07-01: products", "never used, created …" or "no use recorded since …". */
function keyLine(f: Finding, a: Assessment): string {
  const tz = a.timezone;
  const age = `key age ${plural(Math.floor((a.now - f.key.createdAt) / 86_400_000), 'day')}`;
  const idle = `idle **${idleText(a.now - (f.referenceAt ?? a.now))}**`;
  const head = `- ${code(f.key.accessKeyId)}`;
  if (f.lastUsedAt !== undefined) {
    return `${head} ${idle}, last used ${date(f.lastUsedAt, tz)}: ${products(f.products, tz)}; ${age}`;
  }
  // "Never used" only of a key younger than ActionTrail's window: of an older one, the window is all it can vouch for.
  const noUse = f.noUseSince !== undefined && f.noUseSince > f.key.createdAt
    ? `no use recorded since ${date(f.noUseSince, tz)} (ActionTrail's window), created ${date(f.key.createdAt, tz)}`
    : `never used, created ${date(f.key.createdAt, tz)}`;
  return `${head} ${idle}, ${noUse}; ${age}`;
}

/** Groups keys by user, users with the most idle key first; a user heading then its keys. */
function grouped(findings: readonly Finding[], line: (f: Finding) => string): ReportLine[] {
  const users = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = users.get(f.key.userName);
    if (list === undefined) users.set(f.key.userName, [f]);
    else list.push(f);
  }
  const out: ReportLine[] = [];
  for (const list of users.values()) {
    const first = list[0] as Finding;
    out.push({ text: `${userHeading(first)}\n${list.map(line).join('\n')}`, keys: list.length });
  }
  return out;
}

function section(title: string, lines: readonly ReportLine[]): ReportLine[] {
  return lines.length === 0 ? [] : [{ text: `#### ${title}`, keys: 0 }, ...lines];
}

function notCheckedLines(a: Assessment): ReportLine[] {
  return [
    ...a.unknown.map((f) => ({ text: `- ${code(f.key.accessKeyId)} of ${consoleLink(f.key.userName)}: ${md(f.reason ?? 'unknown', 300)}`, keys: 1 })),
    ...a.unlisted.map((u) => ({ text: `- all keys of ${u.userName.startsWith('(') ? md(u.userName) : consoleLink(u.userName)}: ${md(u.reason, 300)}`, keys: 1 })),
  ];
}

function notCheckedSection(a: Assessment): ReportLine[] {
  return section(`Not checked: ${notCheckedText(a) ?? 'none'}`, notCheckedLines(a));
}

function exemptionText(e: Exemption): string {
  const who = [e.user === undefined ? undefined : `user ${md(e.user)}`, e.accessKeyId === undefined ? undefined : `key ${code(e.accessKeyId)}`]
    .filter((s) => s !== undefined)
    .join(', ');
  return `${who}: ${md(e.reason, 300)}${e.until === undefined ? '' : ` (until ${e.until})`}`;
}

function footer(options: ComposeOptions): string[] {
  // Verbatim: the robot's keyword check looks for the exact text.
  return options.keyword === undefined ? [] : [options.keyword];
}

/** The full picture: the daily digest, or a manual `report: "full"`. Always has something to say. */
export function composeDigest(a: Assessment, options: ComposeOptions & { warnWithinDays: number; rotateAfterDays: number; intervalMinutes: number }): Part[] {
  const tz = a.timezone;
  const header = [
    ...incompleteLine(a),
    ...stateLine(a),
    ...(options.mentionText === undefined ? [] : [options.mentionText]),
    countsLine(a),
    `Stale means active and unused for more than ${plural(a.staleAfterDays, 'day')}. Checked ${dateTime(a.now, tz)}.`,
    ...allClearLine(a),
  ];
  const warnLine = (f: Finding) => `${keyLine(f, a)}; turns stale ${date(f.staleAt ?? a.now, tz)}`;
  const lines: ReportLine[] = [
    ...section(a.alertRule === 'episodes' ? `Newly stale, not alerted before (${a.newlyStale.length})` : `Turned stale in the last ${plural(options.intervalMinutes, 'minute')} (${a.newlyStale.length})`, grouped(a.newlyStale, (f) => keyLine(f, a))),
    ...section(`Stale keys (${a.stale.length})`, grouped(a.stale, (f) => keyLine(f, a))),
    ...notCheckedSection(a),
    ...section(`Turning stale within ${plural(options.warnWithinDays, 'day')} (${a.warn.length})`, grouped(a.warn, warnLine)),
    ...section(
      `Rotation overdue: active keys older than ${plural(options.rotateAfterDays, 'day')} (${a.rotationOverdue.length})`,
      grouped(a.rotationOverdue, (f) => `- ${code(f.key.accessKeyId)} created ${date(f.key.createdAt, tz)}`),
    ),
    ...section(
      `Inactive keys, cleanup candidates (${a.inactive.length})`,
      grouped(a.inactive, (f) => `- ${code(f.key.accessKeyId)} inactive, created ${date(f.key.createdAt, tz)}`),
    ),
    ...section(
      `Exempt keys (${a.exempt.length})`,
      grouped(a.exempt, (f) => `- ${code(f.key.accessKeyId)} exempt: ${md(f.exemption?.reason ?? '', 300)}${f.exemption?.until === undefined ? '' : ` (until ${f.exemption.until})`}`),
    ),
    ...section(
      `Exemptions in force (${a.exemptions.inForce.length})`,
      a.exemptions.inForce.map((e) => ({ text: `- ${exemptionText(e)}${a.exemptions.expiringSoon.includes(e) ? ' — **expires within 7 days**' : ''}`, keys: 0 })),
    ),
    ...section(
      `Exemptions that expired yesterday (${a.exemptions.justExpired.length}): their keys are judged again`,
      a.exemptions.justExpired.map((e) => ({ text: `- ${exemptionText(e)}`, keys: 0 })),
    ),
  ];
  return splitIntoParts({ title: digestTitle(a, date(a.now, tz)), header, lines, footer: footer(options), measure: options.measure, overflowHint: OVERFLOW_HINT, ...(options.maxParts === undefined ? {} : { maxParts: options.maxParts }) });
}

/** The hourly view: keys that turned stale in this run's window, and keys not checked. Empty when there is nothing to say. */
export function composeChanges(a: Assessment, options: ComposeOptions & { intervalMinutes: number }): Part[] {
  if (a.newlyStale.length === 0 && a.complete) return [];
  const tz = a.timezone;
  const header = [
    ...incompleteLine(a),
    ...stateLine(a),
    ...(options.mentionText === undefined ? [] : [options.mentionText]),
    `${a.alertRule === 'episodes' ? `Unused for more than ${plural(a.staleAfterDays, 'day')} and not alerted before (crossed, re-enabled or no longer exempt since the last alert), as of ${dateTime(a.now, tz)}.` : `Unused for more than ${plural(a.staleAfterDays, 'day')}, crossed in the ${plural(options.intervalMinutes, 'minute')} before ${dateTime(a.now, tz)}.`} ${a.complete || a.stale.length > 0 ? `${a.stale.length} stale in all.` : ''}`.trim(),
  ];
  const lines: ReportLine[] = [
    ...section(`Newly stale (${a.newlyStale.length})`, grouped(a.newlyStale, (f) => keyLine(f, a))),
    ...notCheckedSection(a),
  ];
  return splitIntoParts({ title: changesTitle(a), header, lines, footer: footer(options), measure: options.measure, overflowHint: OVERFLOW_HINT, ...(options.maxParts === undefined ? {} : { maxParts: options.maxParts }) });
}

/** Why this run scanned in full although a state is configured. */
function stateLine(a: Assessment): string[] {
  return a.stateNotice === undefined ? [] : [`ℹ️ ${md(a.stateNotice, 300)}`];
}

/** A failed run: never an all-clear. */
export function composeFailure(failure: { message: string; fix: string; code?: string | undefined; requestId?: string | undefined }, now: number, timezone: string, options: ComposeOptions): Part[] {
  const title = 'RAM key scan FAILED';
  const header = [
    ...(options.mentionText === undefined ? [] : [options.mentionText]),
    `The stale-key detector's run at ${dateTime(now, timezone)} failed, so this run cannot say which keys are stale.`,
    `**Error**: ${md(failure.message, 1000)}`,
    ...(failure.code === undefined ? [] : [`**Code**: ${md(failure.code, 100)}`]),
    ...(failure.requestId === undefined ? [] : [`**Request id**: ${md(failure.requestId, 100)}`]),
    `**What to do**: ${md(failure.fix, 500)}`,
  ];
  return splitIntoParts({ title, header, lines: [], footer: footer(options), measure: options.measure, overflowHint: OVERFLOW_HINT, maxParts: 1 });
}
