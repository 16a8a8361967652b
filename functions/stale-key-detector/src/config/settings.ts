import { IANAZone } from 'luxon';
import { MAX_STALE_AFTER_DAYS } from '../core/judge';
import { ConfigError } from '../errors/config-error';
import { THRESHOLD_WHY } from './event';
import { quoteValue } from './quote-value';
import { registerSecret } from '../redact';
import type { Webhook } from '../adapters/dingtalk';
import type { Exemption, Mentions } from '../model';
import type { LogLevel } from '../logger';
import { type Env, readBaseUrl, readBoolean, readEnum, readInteger, readList, readNumber, readString } from './env-reader';
import { parseExemptions, readExemptionsFile } from './exemptions';
import { readStateLocation, type StateLocation } from './state-location';

/** Everything the environment configures, validated. Defaults are documented in the README. */
export interface Settings {
  readonly webhook: Webhook | undefined;
  readonly staleAfterDays: number;
  readonly timezone: string;
  readonly region: string;
  readonly ramEndpoint: URL;
  /** Explicit ACTIONTRAIL_ENDPOINT; undefined means the region's public endpoint (see actionTrailEndpointFor). */
  readonly actionTrailEndpoint: URL | undefined;
  readonly ramQps: number;
  readonly actionTrailQps: number;
  readonly scheduleMinutes: number;
  readonly digestHour: number;
  readonly warnWithinDays: number;
  readonly rotateAfterDays: number;
  readonly exemptions: readonly Exemption[];
  readonly mentions: Mentions;
  readonly keyword: string | undefined;
  readonly logLevel: LogLevel;
  /** STATE_URL: where the incremental state lives; undefined for full scans. */
  readonly state: StateLocation | undefined;
}

export type { Webhook } from '../adapters/dingtalk';

export type { Mentions } from '../model';

export const DEFAULTS = {
  staleAfterDays: 90,
  timezone: 'Asia/Shanghai',
  region: 'cn-hangzhou',
  ramEndpoint: 'https://ram.aliyuncs.com',
  // Published flow control: ActionTrail GetAccessKeyLastUsedProducts 50/s, RAM ListUsers and
  // ListAccessKeys 100/s each, per account. Stay below them: other tools share the quota.
  actionTrailQps: 40,
  ramQps: 80,
  scheduleMinutes: 60,
  digestHour: 9,
  warnWithinDays: 7,
  rotateAfterDays: 0,
} as const;

/** What a failure alert needs: read first and on its own, so that a bad setting elsewhere can still be reported. */
export interface AlertSettings {
  /** Undefined when DINGTALK_WEBHOOK_URL is unset. */
  readonly webhook: Webhook | undefined;
  readonly keyword: string | undefined;
  /** None when a mention setting is itself bad (the alert names it). */
  readonly mentions: Mentions;
  /** UTC when REPORT_TIMEZONE is itself bad. */
  readonly timezone: string;
}

/**
 * The alert channel alone. Throws only when the webhook settings are unusable: then the log is the
 * only witness. A bad mention list or time zone degrades the alert instead of silencing it.
 */
export function readAlertSettings(env: Env): AlertSettings {
  const lenient = <T>(read: () => T, fallback: T): T => {
    try {
      return read();
    } catch {
      return fallback;
    }
  };
  return {
    webhook: readWebhook(env),
    keyword: readKeyword(env),
    mentions: lenient(() => readMentions(env), { atMobiles: [], atUserIds: [], isAtAll: false }),
    timezone: lenient(() => readTimezone(env), 'UTC'),
  };
}

/** The robot's keyword goes into every message verbatim: one line, short enough to leave room for the message. */
function readKeyword(env: Env): string | undefined {
  const keyword = readString(env, 'DINGTALK_KEYWORD');
  if (keyword !== undefined && (keyword.length > 100 || /[\r\n]/.test(keyword))) {
    throw new ConfigError('DINGTALK_KEYWORD', 'must be one line of at most 100 characters: the keyword set in the robot\'s security settings');
  }
  return keyword;
}

function readTimezone(env: Env): string {
  const timezone = readString(env, 'REPORT_TIMEZONE') ?? DEFAULTS.timezone;
  if (!IANAZone.isValidZone(timezone)) {
    throw new ConfigError('REPORT_TIMEZONE', `must be an IANA time zone like Asia/Shanghai or UTC, got ${quoteValue(timezone)}`);
  }
  return timezone;
}

function readMentions(env: Env): Mentions {
  return {
    atMobiles: readList(env, 'DINGTALK_AT_MOBILES', /^\+?[0-9-]{5,20}$/, 'a phone number'),
    atUserIds: readList(env, 'DINGTALK_AT_USER_IDS', /^[\w.@-]{1,64}$/, 'a DingTalk user id'),
    isAtAll: readBoolean(env, 'DINGTALK_AT_ALL', false),
  };
}

export function readSettings(env: Env, options: { cwd?: string } = {}): Settings {
  const region = readString(env, 'ALIBABA_CLOUD_REGION_ID') ?? DEFAULTS.region;
  if (!/^[a-z]+(-[a-z0-9]+)+$/.test(region)) {
    throw new ConfigError('ALIBABA_CLOUD_REGION_ID', `must be a region id like cn-hangzhou, got ${quoteValue(region)}`);
  }
  const timezone = readTimezone(env);
  const scheduleMinutes = readInteger(env, 'SCHEDULE_MINUTES', { defaultValue: DEFAULTS.scheduleMinutes, min: 1, max: 1440 });
  if (1440 % scheduleMinutes !== 0) {
    throw new ConfigError('SCHEDULE_MINUTES', `must divide a day evenly (e.g. 15, 30, 60, 120), got ${scheduleMinutes}; it must match the timer's cron`);
  }
  const keyword = readKeyword(env);
  return {
    webhook: readWebhook(env),
    staleAfterDays: readInteger(env, 'STALE_AFTER_DAYS', { defaultValue: DEFAULTS.staleAfterDays, min: 1, max: MAX_STALE_AFTER_DAYS, why: THRESHOLD_WHY }),
    timezone,
    region,
    ramEndpoint: readBaseUrl(env, 'RAM_ENDPOINT', DEFAULTS.ramEndpoint),
    actionTrailEndpoint: readString(env, 'ACTIONTRAIL_ENDPOINT') === undefined ? undefined : readBaseUrl(env, 'ACTIONTRAIL_ENDPOINT', ''),
    ramQps: readNumber(env, 'RAM_QPS', { defaultValue: DEFAULTS.ramQps, min: 1, max: 10000 }),
    actionTrailQps: readNumber(env, 'ACTIONTRAIL_QPS', { defaultValue: DEFAULTS.actionTrailQps, min: 1, max: 10000 }),
    scheduleMinutes,
    digestHour: readInteger(env, 'DIGEST_HOUR', { defaultValue: DEFAULTS.digestHour, min: 0, max: 23 }),
    warnWithinDays: readInteger(env, 'WARN_WITHIN_DAYS', { defaultValue: DEFAULTS.warnWithinDays, min: 0, max: 365 }),
    rotateAfterDays: readInteger(env, 'ROTATE_AFTER_DAYS', { defaultValue: DEFAULTS.rotateAfterDays, min: 0, max: 3650 }),
    exemptions: readAllExemptions(env, options.cwd),
    mentions: readMentions(env),
    keyword,
    logLevel: readEnum(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
    state: readStateLocation(env, options.cwd),
  };
}

function readWebhook(env: Env): Webhook | undefined {
  const raw = readString(env, 'DINGTALK_WEBHOOK_URL');
  const secret = readString(env, 'DINGTALK_SECRET');
  registerSecret(secret);
  if (secret !== undefined && !secret.startsWith('SEC')) {
    throw new ConfigError('DINGTALK_SECRET', 'must be the robot\'s signing secret, which starts with "SEC" (robot settings > Security > Additional signature)');
  }
  if (raw === undefined) {
    if (secret !== undefined) throw new ConfigError('DINGTALK_WEBHOOK_URL', 'is required when DINGTALK_SECRET is set');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('DINGTALK_WEBHOOK_URL', 'is not a URL; copy the robot\'s webhook, https://oapi.dingtalk.com/robot/send?access_token=...');
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError('DINGTALK_WEBHOOK_URL', 'must not carry user info (user:password@); copy the robot\'s webhook, https://oapi.dingtalk.com/robot/send?access_token=...');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new ConfigError('DINGTALK_WEBHOOK_URL', `must use https (http only for a loopback test server), got ${quoteValue(url.protocol)}`);
  }
  const accessToken = url.searchParams.get('access_token');
  if (accessToken === null || accessToken === '') {
    throw new ConfigError('DINGTALK_WEBHOOK_URL', 'has no access_token query parameter; copy the whole webhook from the robot\'s settings');
  }
  registerSecret(accessToken);
  return { url, accessToken, secret };
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function readAllExemptions(env: Env, cwd: string | undefined): Exemption[] {
  const inline = readString(env, 'EXEMPTIONS');
  const file = readString(env, 'EXEMPTIONS_FILE');
  return [
    ...(inline === undefined ? [] : parseExemptions(inline, 'EXEMPTIONS')),
    ...(file === undefined ? [] : readExemptionsFile(file, cwd)),
  ];
}

export function actionTrailEndpointFor(settings: Settings, region: string): URL {
  return settings.actionTrailEndpoint ?? new URL(`https://actiontrail.${region}.aliyuncs.com`);
}
