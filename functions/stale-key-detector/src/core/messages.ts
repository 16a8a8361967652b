import { createHash } from 'node:crypto';
import type { MarkdownMessage, Notifier } from '../adapters/dingtalk';
import type { Mentions } from '../model';
import type { Part } from '../report/split';

/** Where alerts go: the robot, who to mention, and the keyword its security setting wants. */
export interface AlertChannel {
  readonly notifier: Notifier;
  readonly mentions: Mentions;
  readonly keyword: string | undefined;
}

export function mentionText(mentions: Mentions): string | undefined {
  const names = [...mentions.atMobiles, ...mentions.atUserIds].map((m) => `@${m}`);
  if (mentions.isAtAll) names.push('@all');
  return names.length === 0 ? undefined : names.join(' ');
}

export function toMessage(part: Part, msgUuid: string, mentions: Mentions | undefined): MarkdownMessage {
  const at = mentions === undefined ? undefined : { atMobiles: mentions.atMobiles, atUserIds: mentions.atUserIds, isAtAll: mentions.isAtAll };
  return { msgtype: 'markdown', markdown: { title: part.title, text: part.text }, ...(at === undefined ? {} : { at }), msgUuid };
}

/** What the report composers need to fit a message: its serialized size, the keyword, the mention text. */
export function composeOptions(channel: Pick<AlertChannel, 'mentions' | 'keyword'>, mention: boolean) {
  return {
    measure: (part: Part) => Buffer.byteLength(JSON.stringify(toMessage(part, `${'x'.repeat(24)}-99`, mention ? channel.mentions : undefined))),
    keyword: channel.keyword,
    mentionText: mention ? mentionText(channel.mentions) : undefined,
  };
}

/** msgUuid for part n of a run: stable for the same run, so a retried post is not shown twice. */
export function messageUuid(runId: string, part: number): string {
  return `${createHash('sha256').update(runId).digest('hex').slice(0, 24)}-${part}`;
}

/** Posts the parts in order, the mentions on the first only when asked; resolves to the number sent. */
export async function sendParts(channel: AlertChannel, runId: string, parts: readonly Part[], mention: boolean): Promise<number> {
  let sent = 0;
  for (const [i, part] of parts.entries()) {
    await channel.notifier.send(toMessage(part, messageUuid(runId, i + 1), mention && i === 0 ? channel.mentions : undefined));
    sent += 1;
  }
  return sent;
}
