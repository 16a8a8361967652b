import type { Assessment } from '../core/assessment';
import type { Exemption, Finding } from '../model';
import { consoleLink, date, dateTime, md, plural, products, userHeading } from './format';
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

/** "idle 120 days, last used 2026-07-01: products" or "never used, created …". */
function keyLine(f: Finding, a: Assessment): string {
  const tz = a.timezone;
  const age = `key age ${plural(Math.floor((a.now - f.key.createdAt) / 86_400_000), 'day')}`;
  const head = `- \`${f.key.accessKeyId}\``;
  if (f.lastUsedAt !== undefined) {
    return `${head} idle **${plural(f.idleDays ?? 0, 'day')}**, last used ${date(f.lastUsedAt, tz)}: ${products(f.products, tz)}; ${age}`;
  }
  const never = f.key.createdAt < a.windowStart
    ? `no use recorded since ${date(a.windowStart, tz)} (ActionTrail's window), created ${date(f.key.createdAt, tz)}`
    : `never used, created ${date(f.key.createdAt, tz)}`;
  return `${head} idle **${plural(f.idleDays ?? 0, 'day')}**, ${never}; ${age}`;
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

function unknownLines(a: Assessment): ReportLine[] {
  return [
    ...a.unknown.map((f) => ({ text: `- \`${f.key.accessKeyId}\` of ${consoleLink(f.key.userName)}: ${md(f.reason ?? 'unknown')}`, keys: 1 })),
    ...a.unlisted.map((u) => ({ text: `- all keys of ${u.userName.startsWith('(') ? md(u.userName) : consoleLink(u.userName)}: ${md(u.reason)}`, keys: 1 })),
  ];
}

function exemptionText(e: Exemption): string {
  const who = [e.user === undefined ? undefined : `user ${md(e.user)}`, e.accessKeyId === undefined ? undefined : `key \`${e.accessKeyId}\``]
    .filter((s) => s !== undefined)
    .join(', ');
  return `${who}: ${md(e.reason)}${e.until === undefined ? '' : ` (until ${e.until})`}`;
}

function countsLine(a: Assessment): string {
  const unknown = a.unknown.length + a.unlisted.length;
  return [
    `${plural(a.findings.length, 'key')} of ${plural(a.users, 'user')}`,
    `**${a.stale.length} stale**`,
    `${a.warn.length} turning stale within the warning period`,
    `${unknown} unknown`,
    `${a.inactive.length} inactive`,
    `${a.exempt.length} exempt`,
  ].join(' · ');
}

function partialNote(a: Assessment): string[] {
  return a.partial ? ['**Partial scan**: the time limit stopped it before every key was checked; the unknown keys below were not reached.'] : [];
}

function footer(options: ComposeOptions): string[] {
  return options.keyword === undefined ? [] : [`<font color="#999999">${md(options.keyword)}</font>`];
}

/** The full picture: the daily digest, or a manual `report: "full"`. Always has something to say. */
export function composeDigest(a: Assessment, options: ComposeOptions & { warnWithinDays: number; rotateAfterDays: number }): Part[] {
  const tz = a.timezone;
  const title = `RAM key digest ${date(a.now, tz)}: ${a.stale.length} stale`;
  const header = [
    countsLine(a),
    `Stale means active and unused for more than ${plural(a.staleAfterDays, 'day')}. Checked ${dateTime(a.now, tz)}.`,
    ...partialNote(a),
    ...(a.stale.length === 0 ? ['✅ **All clear**: no active key is stale.'] : []),
  ];
  const warnLine = (f: Finding) => `${keyLine(f, a)}; turns stale ${date(f.staleAt ?? a.now, tz)}`;
  const lines: ReportLine[] = [
    ...section(`Stale keys (${a.stale.length})`, grouped(a.stale, (f) => keyLine(f, a))),
    ...section(`Turning stale within ${plural(options.warnWithinDays, 'day')} (${a.warn.length})`, grouped(a.warn, warnLine)),
    ...section(`Unknown: look-up failed (${a.unknown.length + a.unlisted.length})`, unknownLines(a)),
    ...section(
      `Rotation overdue: active keys older than ${plural(options.rotateAfterDays, 'day')} (${a.rotationOverdue.length})`,
      grouped(a.rotationOverdue, (f) => `- \`${f.key.accessKeyId}\` created ${date(f.key.createdAt, tz)}`),
    ),
    ...section(
      `Inactive keys, cleanup candidates (${a.inactive.length})`,
      grouped(a.inactive, (f) => `- \`${f.key.accessKeyId}\` inactive, created ${date(f.key.createdAt, tz)}`),
    ),
    ...section(
      `Exempt keys (${a.exempt.length})`,
      grouped(a.exempt, (f) => `- \`${f.key.accessKeyId}\` exempt: ${md(f.exemption?.reason ?? '')}${f.exemption?.until === undefined ? '' : ` (until ${f.exemption.until})`}`),
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
  return splitIntoParts({ title, header, lines, footer: footer(options), measure: options.measure, overflowHint: OVERFLOW_HINT, ...(options.maxParts === undefined ? {} : { maxParts: options.maxParts }) });
}

/** The hourly view: keys that turned stale since the previous run, and failed look-ups. Empty when there is nothing to say. */
export function composeChanges(a: Assessment, options: ComposeOptions & { intervalMinutes: number }): Part[] {
  const unknown = unknownLines(a);
  if (a.newlyStale.length === 0 && unknown.length === 0) return [];
  const tz = a.timezone;
  const title = `${plural(a.newlyStale.length, 'RAM key')} turned stale${unknown.length > 0 ? `, ${unknown.length} unknown` : ''}`;
  const header = [
    ...(options.mentionText === undefined ? [] : [options.mentionText]),
    `Unused for more than ${plural(a.staleAfterDays, 'day')}, crossed in the ${plural(options.intervalMinutes, 'minute')} before ${dateTime(a.now, tz)}. ${a.stale.length} stale in all.`,
    ...partialNote(a),
  ];
  const lines: ReportLine[] = [
    ...section(`Newly stale (${a.newlyStale.length})`, grouped(a.newlyStale, (f) => keyLine(f, a))),
    ...section(`Unknown: look-up failed (${unknown.length})`, unknown),
  ];
  return splitIntoParts({ title, header, lines, footer: footer(options), measure: options.measure, overflowHint: OVERFLOW_HINT, ...(options.maxParts === undefined ? {} : { maxParts: options.maxParts }) });
}

/** A failed run: never an all-clear. */
export function composeFailure(failure: { message: string; fix: string; code?: string | undefined; requestId?: string | undefined }, now: number, timezone: string, options: ComposeOptions): Part[] {
  const title = 'RAM key scan FAILED';
  const header = [
    ...(options.mentionText === undefined ? [] : [options.mentionText]),
    `The stale-key scan at ${dateTime(now, timezone)} failed, so this run cannot say which keys are stale.`,
    `**Error**: ${md(failure.message)}`,
    ...(failure.code === undefined ? [] : [`**Code**: ${md(failure.code)}`]),
    ...(failure.requestId === undefined ? [] : [`**Request id**: ${md(failure.requestId)}`]),
    `**What to do**: ${md(failure.fix)}`,
  ];
  return splitIntoParts({ title, header, lines: [], footer: footer(options), measure: options.measure, overflowHint: OVERFLOW_HINT, maxParts: 1 });
}
