import { createHmac } from 'node:crypto';
import type { ChatMessage, Notifier } from '../core/ports';
import { DingTalkError } from '../errors/dingtalk-error';
import { type Clock, systemClock } from '../pacing/clock';
import { describeError, redact, registerSecret } from '../redact';

/** A robot's webhook, as plain values. */
export interface Webhook {
  /** The full robot URL, access_token included: a secret, never logged. */
  readonly url: URL;
  readonly accessToken: string;
  /** The signing secret ("SEC..."); undefined when the robot does not sign. */
  readonly secret: string | undefined;
}

/** The robot's markdown message envelope: built here, the only place that knows DingTalk's shape. */
export interface MarkdownMessage {
  readonly msgtype: 'markdown';
  readonly markdown: { readonly title: string; readonly text: string };
  readonly at?: { readonly atMobiles?: readonly string[]; readonly atUserIds?: readonly string[]; readonly isAtAll?: boolean };
  /** Idempotency key: DingTalk shows a message with a msgUuid it has seen only once. */
  readonly msgUuid: string;
}

/** The envelope for a chat message; the text, redacted, is the last point before text leaves the process. */
export function markdownMessage(message: ChatMessage): MarkdownMessage {
  const m = message.mentions;
  const at = m === undefined ? {} : { at: { atMobiles: m.atMobiles, atUserIds: m.atUserIds, isAtAll: m.isAtAll } };
  return { msgtype: 'markdown', markdown: { title: redact(message.title), text: redact(message.text) }, ...at, msgUuid: message.msgUuid };
}

/** DingTalk errcodes, from the robot's documentation. */
export const ERRCODE = {
  ok: 0,
  busy: -1,
  securityCheckFailed: 310000,
  tooFast: 130101,
  tooFastAlt: 410100,
  tooLong: 460101,
} as const;

const ATTEMPTS = 3;

/** `sign` for a signed robot: base64 HMAC-SHA256 (key = secret) of `${timestamp}\n${secret}`. */
export function signature(timestamp: number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
}

/** Posts to a DingTalk custom robot; retries only what DingTalk says is temporary (-1, network, HTTP 5xx). */
export class DingTalkRobot implements Notifier {
  constructor(
    private readonly webhook: Webhook,
    private readonly options: { clock?: Clock; timeoutMs?: number } = {},
  ) {
    registerSecret(webhook.accessToken);
    registerSecret(webhook.secret);
  }

  async send(message: ChatMessage): Promise<void> {
    const clock = this.options.clock ?? systemClock;
    const safe = markdownMessage(message);
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.post(safe, clock);
        return;
      } catch (error) {
        const retryable = error instanceof DingTalkError ? error.errcode === ERRCODE.busy || error.errcode === undefined : false;
        if (!retryable || attempt >= ATTEMPTS) throw error;
        await clock.sleep(500 * 2 ** (attempt - 1) * (0.5 + Math.random()));
      }
    }
  }

  private async post(message: MarkdownMessage, clock: Clock): Promise<void> {
    const url = new URL(this.webhook.url);
    if (this.webhook.secret !== undefined) {
      const timestamp = clock.now();
      url.searchParams.set('timestamp', String(timestamp));
      url.searchParams.set('sign', signature(timestamp, this.webhook.secret));
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw failure(undefined, `DingTalk could not be reached: ${describeError(error)}`);
    }
    const body = await response.text();
    if (!response.ok) throw failure(response.status >= 500 ? undefined : response.status, `DingTalk answered HTTP ${response.status}`);
    let answer: { errcode?: unknown; errmsg?: unknown };
    try {
      answer = JSON.parse(body) as { errcode?: unknown; errmsg?: unknown };
    } catch {
      throw failure(undefined, 'DingTalk answered with something other than JSON');
    }
    const errcode = typeof answer.errcode === 'number' ? answer.errcode : Number(answer.errcode);
    if (errcode === ERRCODE.ok) return;
    // errmsg on its own first, so that a cut in it does not take the advice after it.
    const errmsg = redact(String(answer.errmsg ?? ''));
    throw failure(Number.isFinite(errcode) ? errcode : undefined, `DingTalk refused the message: errcode ${String(answer.errcode)} (${errmsg}); ${adviceFor(errcode)}`);
  }
}

/** Every DingTalkError is made here, redacted: its text may quote the request URL (access_token, timestamp, sign) or DingTalk's answer. */
function failure(errcode: number | undefined, message: string): DingTalkError {
  return new DingTalkError(errcode, redact(message));
}

function adviceFor(errcode: number): string {
  switch (errcode) {
    case ERRCODE.securityCheckFailed:
      return 'check DINGTALK_SECRET (signing), DINGTALK_KEYWORD (keyword security) and the robot\'s IP allow-list';
    case ERRCODE.tooFast:
    case ERRCODE.tooFastAlt:
      return 'the robot took more than 20 messages in a minute and is blocked for 10 minutes';
    case ERRCODE.tooLong:
      return 'the message was over 20,000 bytes (a bug: messages are split below that)';
    case 300005:
    case 400101:
      return 'the access_token in DINGTALK_WEBHOOK_URL does not exist: copy the webhook again';
    case 400102:
      return 'the robot is stopped: enable it in the group settings';
    case ERRCODE.busy:
      return 'DingTalk was busy; retried and gave up';
    default:
      return 'see DingTalk\'s robot error codes';
  }
}
