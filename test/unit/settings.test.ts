import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSettings } from '../../functions/stale-key-detector/src/config/settings';
import { buildRunConfig } from '../../functions/stale-key-detector/src/config/run-config';
import { parseEvent } from '../../functions/stale-key-detector/src/config/event';
import { isDigestRun } from '../../functions/stale-key-detector/src/core/schedule';
import { configFailure } from '../helpers/config-failure';

const WEBHOOK = 'https://oapi.dingtalk.com/robot/send?access_token=abcdef123456';

const failure = configFailure;

describe('readSettings', () => {
  it('has documented defaults', () => {
    const s = readSettings({});
    expect(s).toMatchObject({
      webhook: undefined,
      staleAfterDays: 90,
      timezone: 'Asia/Shanghai',
      region: 'cn-hangzhou',
      ramQps: 80,
      actionTrailQps: 40,
      scheduleMinutes: 60,
      digestHour: 9,
      warnWithinDays: 7,
      rotateAfterDays: 0,
      exemptions: [],
      keyword: undefined,
      mentions: { atMobiles: [], atUserIds: [], isAtAll: false },
    });
    expect(s.ramEndpoint.href).toBe('https://ram.aliyuncs.com/');
    expect(s.actionTrailEndpoint).toBeUndefined();
  });

  it('treats empty strings as unset, as Serverless Devs renders absent optional variables', () => {
    expect(readSettings({ STALE_AFTER_DAYS: '', DINGTALK_SECRET: '', REPORT_TIMEZONE: ' ' }).staleAfterDays).toBe(90);
  });

  it('reads every variable', () => {
    const s = readSettings({
      DINGTALK_WEBHOOK_URL: WEBHOOK,
      DINGTALK_SECRET: 'SECsecretvalue',
      STALE_AFTER_DAYS: '30',
      REPORT_TIMEZONE: 'UTC',
      RAM_ENDPOINT: 'http://127.0.0.1:9999',
      ACTIONTRAIL_ENDPOINT: 'https://actiontrail-vpc.cn-shanghai.aliyuncs.com',
      ALIBABA_CLOUD_REGION_ID: 'cn-shanghai',
      RAM_QPS: '50',
      ACTIONTRAIL_QPS: '20.5',
      SCHEDULE_MINUTES: '30',
      DIGEST_HOUR: '8',
      WARN_WITHIN_DAYS: '14',
      ROTATE_AFTER_DAYS: '365',
      DINGTALK_KEYWORD: 'RAM',
      DINGTALK_AT_MOBILES: '13800000000, 13900000000',
      DINGTALK_AT_USER_IDS: 'manager01',
      DINGTALK_AT_ALL: 'true',
      EXEMPTIONS: '[{"user":"ci","reason":"rotated by vault"}]',
      LOG_LEVEL: 'debug',
    });
    expect(s.webhook?.accessToken).toBe('abcdef123456');
    expect(s).toMatchObject({ staleAfterDays: 30, timezone: 'UTC', region: 'cn-shanghai', ramQps: 50, actionTrailQps: 20.5, scheduleMinutes: 30, digestHour: 8, warnWithinDays: 14, rotateAfterDays: 365, keyword: 'RAM', logLevel: 'debug' });
    expect(s.mentions).toEqual({ atMobiles: ['13800000000', '13900000000'], atUserIds: ['manager01'], isAtAll: true });
    expect(s.exemptions).toEqual([{ user: 'ci', reason: 'rotated by vault' }]);
    expect(s.ramEndpoint.host).toBe('127.0.0.1:9999');
    expect(s.actionTrailEndpoint?.host).toBe('actiontrail-vpc.cn-shanghai.aliyuncs.com');
  });

  it.each([
    [{ STALE_AFTER_DAYS: 'ninety' }, 'STALE_AFTER_DAYS', 'whole number'],
    [{ STALE_AFTER_DAYS: '0' }, 'STALE_AFTER_DAYS', 'from 1 to 365'],
    [{ STALE_AFTER_DAYS: '12.5' }, 'STALE_AFTER_DAYS', 'whole number'],
    [{ REPORT_TIMEZONE: 'Mars/Olympus' }, 'REPORT_TIMEZONE', 'IANA'],
    [{ RAM_ENDPOINT: 'ram.aliyuncs.com' }, 'RAM_ENDPOINT', 'base URL'],
    [{ RAM_ENDPOINT: 'https://ram.aliyuncs.com/v1' }, 'RAM_ENDPOINT', 'no path'],
    [{ ACTIONTRAIL_ENDPOINT: 'ftp://x' }, 'ACTIONTRAIL_ENDPOINT', 'http or https'],
    [{ ALIBABA_CLOUD_REGION_ID: 'Hangzhou' }, 'ALIBABA_CLOUD_REGION_ID', 'cn-hangzhou'],
    [{ RAM_QPS: '0' }, 'RAM_QPS', 'from 1'],
    [{ ACTIONTRAIL_QPS: 'fast' }, 'ACTIONTRAIL_QPS', 'number'],
    [{ SCHEDULE_MINUTES: '7' }, 'SCHEDULE_MINUTES', 'divide a day'],
    [{ DIGEST_HOUR: '24' }, 'DIGEST_HOUR', 'from 0 to 23'],
    [{ WARN_WITHIN_DAYS: '-1' }, 'WARN_WITHIN_DAYS', 'from 0'],
    [{ ROTATE_AFTER_DAYS: 'x' }, 'ROTATE_AFTER_DAYS', 'whole number'],
    [{ DINGTALK_AT_ALL: 'yes' }, 'DINGTALK_AT_ALL', 'true or false'],
    [{ DINGTALK_AT_MOBILES: '138abc' }, 'DINGTALK_AT_MOBILES', 'phone number'],
    [{ DINGTALK_AT_USER_IDS: 'a b' }, 'DINGTALK_AT_USER_IDS', 'user id'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', 'debug, info, warn, error'],
    [{ DINGTALK_WEBHOOK_URL: 'not a url' }, 'DINGTALK_WEBHOOK_URL', 'not a URL'],
    [{ DINGTALK_WEBHOOK_URL: 'http://oapi.dingtalk.com/robot/send?access_token=x' }, 'DINGTALK_WEBHOOK_URL', 'https'],
    [{ DINGTALK_WEBHOOK_URL: 'https://oapi.dingtalk.com/robot/send' }, 'DINGTALK_WEBHOOK_URL', 'access_token'],
    [{ DINGTALK_WEBHOOK_URL: WEBHOOK, DINGTALK_SECRET: 'abcdefgh' }, 'DINGTALK_SECRET', 'starts with "SEC"'],
    [{ DINGTALK_SECRET: 'SECabcdefgh' }, 'DINGTALK_WEBHOOK_URL', 'required when DINGTALK_SECRET'],
    [{ EXEMPTIONS: '{' }, 'EXEMPTIONS', 'valid JSON'],
    [{ EXEMPTIONS: '{}' }, 'EXEMPTIONS', 'JSON array'],
    [{ EXEMPTIONS: '[{"user":"a"}]' }, 'EXEMPTIONS[0].reason', 'required'],
    [{ EXEMPTIONS: '[{"reason":"r"}]' }, 'EXEMPTIONS[0]', '"user" or an "accessKeyId"'],
    [{ EXEMPTIONS: '[{"user":"a","reason":"r"},{"user":"b","reason":"r","until":"31/12/2026"}]' }, 'EXEMPTIONS[1].until', 'YYYY-MM-DD'],
    [{ EXEMPTIONS: '[{"user":"a","reason":"r","expires":"2026-01-01"}]' }, 'EXEMPTIONS[0].expires', 'allowed: user, accessKeyId, reason, until'],
    [{ EXEMPTIONS_FILE: 'does-not-exist.json' }, 'EXEMPTIONS_FILE', 'cannot read'],
  ])('rejects %j naming %s', (env, field, hint) => {
    const error = failure(() => readSettings(env));
    expect(error.field).toBe(field);
    expect(error.message).toContain(hint);
  });

  it('reads EXEMPTIONS_FILE relative to the working directory and names a bad entry with the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skd-'));
    writeFileSync(join(dir, 'exemptions.json'), JSON.stringify([{ accessKeyId: 'LTAI1', reason: 'vendor integration', until: '2027-01-31' }]));
    expect(readSettings({ EXEMPTIONS_FILE: 'exemptions.json' }, { cwd: dir }).exemptions).toEqual([{ accessKeyId: 'LTAI1', reason: 'vendor integration', until: '2027-01-31' }]);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify([{ user: 'x', reason: '' }]));
    expect(failure(() => readSettings({ EXEMPTIONS_FILE: 'bad.json' }, { cwd: dir })).field).toBe('EXEMPTIONS_FILE (bad.json)[0].reason');
  });

  it('never puts the webhook token or signing secret in an error', () => {
    const error = failure(() => readSettings({ DINGTALK_WEBHOOK_URL: 'http://example.com/robot/send?access_token=tok3n-value', DINGTALK_SECRET: 'SECvery-secret' }));
    expect(error.message).not.toContain('tok3n-value');
    expect(error.message).not.toContain('SECvery-secret');
  });
});

describe('buildRunConfig', () => {
  const ctx = { requestId: 'req-1' };
  it('requires the webhook unless the run is dry', () => {
    expect(failure(() => buildRunConfig(parseEvent('', Date.now()), {}, ctx, Date.now())).field).toBe('DINGTALK_WEBHOOK_URL');
    expect(buildRunConfig(parseEvent('{"dryRun":true}', Date.now()), {}, ctx, Date.now()).options.dryRun).toBe(true);
  });

  it('uses the trigger time as the clock of a timer run and the event threshold over the env', () => {
    const timer = buildRunConfig(parseEvent('{"triggerTime":"2026-11-25T02:00:00Z","triggerName":"hourly"}', Date.UTC(2026, 10, 25, 2, 7)), { DINGTALK_WEBHOOK_URL: WEBHOOK }, ctx, Date.UTC(2026, 10, 25, 2, 7));
    expect(timer.options.now).toBe(Date.UTC(2026, 10, 25, 2));
    expect(timer.options.report).toBe('changes');
    expect(timer.options.runId).toBe(`timer:hourly:${Date.UTC(2026, 10, 25, 2)}`);
    const manual = buildRunConfig(parseEvent('{"staleAfterDays":7}', 5), { DINGTALK_WEBHOOK_URL: WEBHOOK, STALE_AFTER_DAYS: '30' }, ctx, 5);
    expect(manual.options).toMatchObject({ now: 5, settings: { staleAfterDays: 7 }, report: 'full', trigger: 'manual', runId: 'manual:req-1' });
  });

  it('makes the run at DIGEST_HOUR local time the digest', () => {
    const schedule = { timezone: 'Asia/Shanghai', digestHour: 9, intervalMinutes: 60 };
    // The run whose window (t - 60 min, t] holds 09:00 Shanghai (01:00 UTC): the 01:00 UTC run.
    expect(isDigestRun(Date.UTC(2026, 10, 25, 1, 0), schedule)).toBe(true);
    expect(isDigestRun(Date.UTC(2026, 10, 25, 2, 0), schedule)).toBe(false);
    expect(isDigestRun(Date.UTC(2026, 10, 25, 0, 0), schedule)).toBe(false);
  });
});
