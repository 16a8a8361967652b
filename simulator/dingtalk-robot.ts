/**
 * A DingTalk custom group robot (`POST /robot/send?access_token=..[&timestamp=..&sign=..]`).
 * Always HTTP 200 with `{"errcode","errmsg"}`; checks token, signature, keywords, size, message
 * shape, msgUuid de-duplication and the 20-messages-a-minute limit with its 10-minute block.
 */
import { createHmac } from 'node:crypto';
import { MINUTE_MS, HOUR_MS } from './dates';
import { SlidingWindow } from './rate-window';
import type { DingtalkOptions } from './types';

export const DINGTALK_MAX_BODY_BYTES = 20_000;
export const DINGTALK_MESSAGES_PER_MINUTE = 20;
export const DINGTALK_BLOCK_MS = 10 * MINUTE_MS;

export interface DingtalkAnswer {
  readonly errcode: number;
  readonly errmsg: string;
}

/** A message the robot accepted and showed in the group. */
export interface DingtalkMessage {
  /** The parsed JSON body. */
  readonly body: Readonly<Record<string, unknown>>;
  readonly query: Readonly<Record<string, string>>;
  readonly msgtype: string;
  /** Every text of the message (content / title / text), for easy assertions. */
  readonly text: string;
  /** The robot's clock (the `now` option) when it arrived. */
  readonly receivedAt: number;
}

export interface DingtalkAttempt {
  readonly query: Readonly<Record<string, string>>;
  readonly body: string;
  readonly receivedAt: number;
  readonly errcode: number;
  readonly errmsg: string;
}

/** sign = base64(HMAC-SHA256(key = secret, `${timestamp}\n${secret}`)) (URL-encode it in the query). */
export function dingtalkSign(secret: string, timestamp: number | string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
}

const answer = (errcode: number, errmsg: string): DingtalkAnswer => ({ errcode, errmsg });
const OK = answer(0, 'ok');
const MISSING_JSON = (detail: string): DingtalkAnswer => answer(40035, `缺少参数 json (missing param: ${detail})`);
const TOO_FAST = answer(130101, 'send too fast, exceed 20 times per minute');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** The message's texts, or an error answer when a required field is missing. */
function messageText(msg: Record<string, unknown>): { msgtype: string; text: string } | DingtalkAnswer {
  const msgtype = msg['msgtype'];
  if (!nonEmptyString(msgtype)) return MISSING_JSON('msgtype');
  const part = msg[msgtype];
  if (!isRecord(part)) return MISSING_JSON(msgtype);
  const fields = (...names: string[]): string | DingtalkAnswer => {
    const values: string[] = [];
    for (const name of names) {
      const v = part[name];
      if (!nonEmptyString(v)) return MISSING_JSON(`${msgtype}.${name}`);
      values.push(v);
    }
    return values.join('\n');
  };
  let text: string | DingtalkAnswer;
  switch (msgtype) {
    case 'text':
      text = fields('content');
      break;
    case 'markdown':
      text = fields('title', 'text');
      break;
    default:
      // link, actionCard and feedCard exist too; the detector sends markdown only.
      return answer(40035, `不支持的消息类型 (msgtype ${msgtype} is not simulated)`);
  }
  return typeof text === 'string' ? { msgtype, text } : text;
}

export class DingtalkRobot {
  readonly messages: DingtalkMessage[] = [];
  readonly attempts: DingtalkAttempt[] = [];
  private readonly config: DingtalkOptions;
  private readonly window = new SlidingWindow(DINGTALK_MESSAGES_PER_MINUTE, MINUTE_MS);
  private blockedUntilMs: number | undefined;
  private readonly seenUuids = new Set<string>();
  private readonly scripted: DingtalkAnswer[] = [];

  constructor(
    options: DingtalkOptions,
    private readonly now: () => number,
  ) {
    this.config = { ...options };
  }

  get accessToken(): string {
    return this.config.accessToken;
  }

  /** End of the current 130101 block (robot clock), if blocked. */
  get blockedUntil(): number | undefined {
    return this.blockedUntilMs !== undefined && this.blockedUntilMs > this.now() ? this.blockedUntilMs : undefined;
  }

  /** The next `count` sends answer `errcode` / `errmsg` (e.g. -1 "system busy"). */
  failNext(count: number, errcode: number, errmsg: string): void {
    for (let i = 0; i < count; i += 1) this.scripted.push(answer(errcode, errmsg));
  }

  /** Forgets messages, attempts, scripted faults, the rate window, the block and the msgUuids. */
  reset(): void {
    this.messages.length = 0;
    this.attempts.length = 0;
    this.scripted.length = 0;
    this.window.reset();
    this.blockedUntilMs = undefined;
    this.seenUuids.clear();
  }

  /** @internal Handles one HTTP request. */
  handle(method: string, query: ReadonlyMap<string, string>, body: Buffer): DingtalkAnswer {
    const at = this.now();
    const queryRecord = Object.fromEntries(query);
    const result = this.decide(method, query, queryRecord, body, at);
    this.attempts.push({ query: queryRecord, body: body.toString('utf8'), receivedAt: at, ...result });
    return result;
  }

  private decide(
    method: string,
    query: ReadonlyMap<string, string>,
    queryRecord: Record<string, string>,
    body: Buffer,
    at: number,
  ): DingtalkAnswer {
    const scripted = this.scripted.shift();
    if (scripted) return scripted;
    if (method !== 'POST') return answer(43002, '需要POST请求 (must be POST)');
    if (query.get('access_token') !== this.config.accessToken) return answer(300005, 'token is not exist');
    if (this.blockedUntilMs !== undefined && at < this.blockedUntilMs) return TOO_FAST;
    const secret = this.config.secret;
    if (secret !== undefined && secret !== '') {
      const timestamp = query.get('timestamp') ?? '';
      if (!/^\d{1,16}$/.test(timestamp) || Math.abs(at - Number(timestamp)) > HOUR_MS) {
        return answer(310000, 'invalid timestamp');
      }
      if (query.get('sign') !== dingtalkSign(secret, timestamp)) return answer(310000, 'sign not match');
    }
    if (body.length > DINGTALK_MAX_BODY_BYTES) return answer(460101, 'message too long');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return MISSING_JSON('body is not JSON');
    }
    if (!isRecord(parsed)) return MISSING_JSON('body is not a JSON object');
    const content = messageText(parsed);
    if ('errcode' in content) return content;
    const keywords = this.config.keywords ?? [];
    if (keywords.length > 0 && !keywords.some((k) => content.text.includes(k))) {
      return answer(310000, 'keywords not in content');
    }
    const uuid = parsed['msgUuid'];
    if (typeof uuid === 'string' && uuid !== '' && this.seenUuids.has(uuid)) return OK;
    if (!this.window.tryAcquire(at)) {
      this.blockedUntilMs = at + DINGTALK_BLOCK_MS;
      return TOO_FAST;
    }
    if (typeof uuid === 'string' && uuid !== '') this.seenUuids.add(uuid);
    this.messages.push({ body: parsed, query: queryRecord, msgtype: content.msgtype, text: content.text, receivedAt: at });
    return OK;
  }
}
