import { createHash } from 'node:crypto';
import type { Mentions } from '../model';
import type { Part } from '../report/split';
import type { Notifier } from './ports';

/** Where alerts go: the chat, who to mention, and the keyword its security setting wants. */
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

/**
 * Bytes a posted message takes beyond its title, text and mention lists: the chat's envelope and
 * the msgUuid. A generous allowance, so that the split never depends on one chat's exact shape
 * (the DingTalk adapter builds the envelope; its JSON keys and msgUuid take about 100 bytes).
 */
const ENVELOPE_ALLOWANCE_BYTES = 512;

/** What the report composers need to fit a message: its size, the keyword, the mention text. */
export function composeOptions(channel: Pick<AlertChannel, 'mentions' | 'keyword'>, mention: boolean) {
  return {
    measure: (part: Part) => Buffer.byteLength(JSON.stringify([part.title, part.text, mention ? channel.mentions : null])) + ENVELOPE_ALLOWANCE_BYTES,
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
    await channel.notifier.send({ title: part.title, text: part.text, mentions: mention && i === 0 ? channel.mentions : undefined, msgUuid: messageUuid(runId, i + 1) });
    sent += 1;
  }
  return sent;
}
