/**
 * The function end to end: the real handler, the real RAM and ActionTrail SDKs and the real
 * DingTalk client, over HTTP, against the loopback fake that checks signatures as the cloud does.
 */
import { handleInvocation, type FcContext } from '../functions/stale-key-detector/src/handler';
import { createLogger } from '../functions/stale-key-detector/src/logger';
import type { Clock } from '../functions/stale-key-detector/src/pacing/clock';
import type { Summary } from '../functions/stale-key-detector/src/core/summary';
import { DEFAULT_CONCURRENCY } from '../functions/stale-key-detector/src/core/run';
import { DEFAULT_RETRY_POLICY } from '../functions/stale-key-detector/src/pacing/retry';
import { DAY_MS, DEFAULT_CREDENTIALS, DEFAULT_DINGTALK, FakeAccount, productUse, startFakeCloud, type FakeCloud } from '../simulator';
import { fcContext, simulatorEnv, accountSummaryOf } from '../simulator/function-wiring';

/** Real time, instant back-off: retries happen without waiting (pacing has its own tests). */
const fastClock: Clock = { now: () => Date.now(), sleep: async () => {} };
/** Limits far above what a test sends, so the rate limiter never has to wait on the fast clock. */
const UNPACED = { RAM_QPS: '10000', ACTIONTRAIL_QPS: '10000' };
const HOUR = 3_600_000;
// A timer run on the hour, a little in the past, so that ActionTrail's 400-day window is real time.
const T = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
const timerEvent = (at = T) => Buffer.from(JSON.stringify({ triggerTime: new Date(at).toISOString(), triggerName: 'hourly-scan', payload: '' }));

let cloud: FakeCloud;
let logs: string[];

async function invoke(event: Buffer | string, env: Record<string, string> = {}, context: FcContext = fcContext()): Promise<Summary> {
  return handleInvocation(typeof event === 'string' ? Buffer.from(event) : event, context, {
    env: simulatorEnv(cloud, { ...UNPACED, ...env }),
    clock: fastClock,
    logger: createLogger({ level: 'debug', sink: (line) => logs.push(line) }),
  }).then(accountSummaryOf);
}

function addKey(userName: string, accessKeyId: string, opts: { createdDaysAgo?: number; usedDaysAgo?: number[]; status?: 'Active' | 'Inactive'; at?: number } = {}): void {
  const at = opts.at ?? T;
  if (cloud.account.getUser(userName) === undefined) cloud.addUser({ userName, displayName: `${userName} display` });
  const services = ['Ecs', 'Oss', 'Rds', 'Sls'];
  cloud.addKey(userName, {
    accessKeyId,
    status: opts.status ?? 'Active',
    createDate: at - (opts.createdDaysAgo ?? 1000) * DAY_MS,
    products: (opts.usedDaysAgo ?? []).map((d, i) => productUse(services[i % services.length] as string, at - d * DAY_MS)),
  });
}

beforeEach(async () => {
  logs = [];
  cloud = await startFakeCloud({ account: new FakeAccount(), recordRequests: true });
});
afterEach(async () => {
  await cloud.close();
});

const markdownOf = (i: number): string => (cloud.dingtalk.messages[i]?.body['markdown'] as { text: string } | undefined)?.text ?? '';

/**
 * The simulator's log of one action. Counts of requests are not asserted exactly: over real
 * sockets a retry after a timeout or a reset is legitimate; what must hold is asserted instead.
 */
const logOf = (action: string) => cloud.requestLog.filter((r) => r.action === action);
/** Keys the simulator answered a look-up for with success. */
const lookedUp = (): Set<string | undefined> => new Set(logOf('actiontrail:GetAccessKeyLastUsedProducts').filter((r) => r.status === 200).map((r) => r.params['AccessKey']));
const ids = (list: readonly { accessKeyId: string }[]): string[] => list.map((k) => k.accessKeyId);

describe('scan and judge', () => {
  it('pages through more than one ListUsers page and checks every key, each once', async () => {
    const n = 1050;
    const keyId = (i: number): string => `LTAI5tPage${String(i).padStart(14, '0')}`;
    for (let i = 0; i < n; i += 1) addKey(`user-${String(i).padStart(4, '0')}`, keyId(i), { usedDaysAgo: [i % 200] });
    const summary = await invoke(timerEvent());
    expect(summary.counts).toMatchObject({ users: n, keys: n, unknown: 0, unlistedUsers: 0 });
    expect(summary.complete).toBe(true);
    // ListUsers followed every page: the first (1000 a page) and the one its Marker named.
    const pages = logOf('ram:ListUsers').filter((r) => r.status === 200);
    expect(pages[0]?.params).toEqual({ MaxItems: '1000' });
    expect(new Set(pages.map((r) => r.params['Marker'])).size).toBe(2);
    expect(pages.at(-1)?.params['Marker']).toBeTruthy();
    // Every user's keys were listed and every key looked up with success.
    expect(new Set(logOf('ram:ListAccessKeys').filter((r) => r.status === 200).map((r) => r.params['UserName'])).size).toBe(n);
    expect(lookedUp()).toEqual(new Set(Array.from({ length: n }, (_, i) => keyId(i))));
    // used 91..199 days ago: stale; 0..90: ok; no key twice in the verdicts.
    const expected = Array.from({ length: n }, (_, i) => i).filter((i) => i % 200 > 90).map(keyId);
    expect(ids(summary.stale).sort()).toEqual(expected);
    expect(summary.counts.ok).toBe(n - expected.length);
  });

  it('judges the threshold on the trigger time: 89 and 90 days ok, 91 stale', async () => {
    addKey('u89', 'LTAI5tBoundary89000000', { usedDaysAgo: [89] });
    addKey('u90', 'LTAI5tBoundary90000000', { usedDaysAgo: [90] });
    addKey('u91', 'LTAI5tBoundary91000000', { usedDaysAgo: [91] });
    const summary = await invoke(timerEvent());
    expect(summary.now).toBe(new Date(T).toISOString());
    expect(summary.stale.map((s) => s.accessKeyId)).toEqual(['LTAI5tBoundary91000000']);
    expect(summary.stale[0]).toMatchObject({ idleDays: 91, lastUsed: new Date(T - 91 * DAY_MS).toISOString() });
  });

  it('counts never-used keys from creation, reports inactive keys apart, and reads products in any order', async () => {
    addKey('fresh', 'LTAI5tNeverUsedFresh000', { createdDaysAgo: 10 });
    addKey('old', 'LTAI5tNeverUsedOld00000', { createdDaysAgo: 300 });
    addKey('gone', 'LTAI5tInactive000000000', { status: 'Inactive', createdDaysAgo: 900 });
    addKey('busy', 'LTAI5tManyProducts00000', { usedDaysAgo: [300, 2, 150, 40] });
    const summary = await invoke('{"dryRun":true}');
    expect(summary.counts).toMatchObject({ keys: 4, stale: 1, inactive: 1, ok: 2, unknown: 0 });
    expect(summary.stale[0]).toMatchObject({ accessKeyId: 'LTAI5tNeverUsedOld00000', lastUsed: null, idleDays: 300, products: [] });
    // The fake answers products unordered; the summary lists them newest first.
    expect(cloud.dingtalk.messages).toHaveLength(0);
  });
});

describe('failing look-ups', () => {
  it('retries throttled, 5xx, non-JSON and code-less answers until the look-up succeeds', async () => {
    addKey('alice', 'LTAI5tRetriedKey0000000', { usedDaysAgo: [120] });
    cloud.failNext('GetAccessKeyLastUsedProducts', 2, { kind: 'error', status: 400, code: 'Throttling.User' });
    cloud.failNext('GetAccessKeyLastUsedProducts', 1, { kind: 'non-json', status: 502 });
    cloud.failNext('GetAccessKeyLastUsedProducts', 1, { kind: 'no-code-5xx', status: 500 });
    cloud.failNext('GetAccessKeyLastUsedProducts', 1, { kind: 'error', status: 503, code: 'ServiceUnavailable' });
    const summary = await invoke('{"dryRun":true}');
    expect(summary.counts).toMatchObject({ stale: 1, unknown: 0 });
    const log = logOf('actiontrail:GetAccessKeyLastUsedProducts');
    expect(log.slice(0, 5).map((r) => [r.status, r.code])).toEqual([[400, 'Throttling.User'], [400, 'Throttling.User'], [502, undefined], [500, undefined], [503, 'ServiceUnavailable']]);
    expect(log.at(-1)?.status).toBe(200);
    expect(summary.api.retries).toBeGreaterThanOrEqual(5);
    expect(summary.api.throttled).toBeGreaterThanOrEqual(2);
  });

  it('reports a key whose look-up keeps failing as unknown, never stale, and says why', async () => {
    addKey('alice', 'LTAI5tAlwaysFailing0000', { usedDaysAgo: [400], createdDaysAgo: 2000 });
    addKey('bob', 'LTAI5tBobStale000000000', { usedDaysAgo: [200] });
    cloud.failKey('LTAI5tAlwaysFailing0000', { kind: 'error', status: 503, code: 'ServiceUnavailable' });
    const summary = await invoke('{"report":"full"}');
    expect(summary.counts).toMatchObject({ stale: 1, unknown: 1 });
    expect(summary.stale.map((s) => s.accessKeyId)).toEqual(['LTAI5tBobStale000000000']);
    expect(summary.unknown).toEqual([{ accessKeyId: 'LTAI5tAlwaysFailing0000', userName: 'alice', reason: expect.stringContaining('ServiceUnavailable') }]);
    const text = markdownOf(0);
    expect(text).toContain('Not checked: 1 key');
    expect(text).toContain('LTAI5tAlwaysFailing0000');
    expect(text.indexOf('LTAI5tAlwaysFailing0000')).toBeGreaterThan(text.indexOf('Not checked'));
  });

  it('fails fast on NoPermission, naming the missing action, and posts a failure alert instead of a report', async () => {
    cloud.addCredential({ ...DEFAULT_CREDENTIALS, accessKeyId: 'STS.limitedRole', allowedActions: ['ram:ListUsers', 'ram:ListAccessKeys'] });
    for (let i = 0; i < 600; i += 1) addKey(`u${i}`, `LTAI5tNoPerm${String(i).padStart(12, '0')}`, { usedDaysAgo: [1] });
    const context = fcContext({ credentials: { accessKeyId: 'STS.limitedRole', accessKeySecret: DEFAULT_CREDENTIALS.accessKeySecret, securityToken: DEFAULT_CREDENTIALS.securityToken ?? '' } });
    await expect(invoke('', {}, context)).rejects.toThrow(/NoPermission/);
    expect(cloud.stats.get('actiontrail:GetAccessKeyLastUsedProducts').requests).toBeLessThanOrEqual(DEFAULT_CONCURRENCY * 2); // the calls already in flight, not all 600
    expect(cloud.dingtalk.messages).toHaveLength(1);
    const text = markdownOf(0);
    expect(text).toContain('scan FAILED');
    expect(text).toContain('actiontrail:GetAccessKeyLastUsedProducts');
    expect(text).toMatch(/Request id/);
    expect(text).not.toMatch(/All clear/);
  });

  it('rejects the run and posts no all-clear when RAM ListUsers keeps failing', async () => {
    addKey('alice', 'LTAI5tAlice000000000000', { usedDaysAgo: [1] });
    cloud.failNext('ListUsers', 100, { kind: 'error', status: 500, code: 'InternalError' });
    await expect(invoke('{"report":"full"}')).rejects.toThrow(/ListUsers failed/);
    // Retried, then given up within the policy's attempts; nothing past ListUsers was called.
    const attempts = logOf('ram:ListUsers').length;
    expect(attempts).toBeGreaterThan(1);
    expect(attempts).toBeLessThanOrEqual(DEFAULT_RETRY_POLICY.maxAttempts);
    expect(logOf('ram:ListAccessKeys')).toHaveLength(0);
    expect(cloud.dingtalk.messages).toHaveLength(1);
    expect(markdownOf(0)).toContain('scan FAILED');
    expect(markdownOf(0)).toContain('InternalError');
    expect(markdownOf(0)).not.toMatch(/All clear|digest/i);
  });

  it('fails without retrying when the credentials are wrong', async () => {
    addKey('alice', 'LTAI5tAlice000000000000', { usedDaysAgo: [1] });
    const context = fcContext({ credentials: { accessKeyId: DEFAULT_CREDENTIALS.accessKeyId, accessKeySecret: 'wrong-secret-value', securityToken: DEFAULT_CREDENTIALS.securityToken ?? '' } });
    await expect(invoke('{"dryRun":true}', {}, context)).rejects.toThrow(/SignatureDoesNotMatch/);
    // (That SignatureDoesNotMatch is never retried is pinned in virtual time by the pacing tests.)
    expect(logOf('ram:ListUsers').length).toBeGreaterThan(0);
    expect(cloud.requestLog.every((r) => r.action === 'ram:ListUsers' && r.code === 'SignatureDoesNotMatch')).toBe(true);
  });
});

describe('DingTalk', () => {
  it('signs each post; the robot accepts it and shows a markdown report with a msgUuid', async () => {
    addKey('alice', 'LTAI5tAliceStale0000000', { usedDaysAgo: [100] });
    const summary = await invoke('{"report":"full"}');
    expect(summary.notified.messages).toBe(1);
    const [message] = cloud.dingtalk.messages;
    expect(message?.query['sign']).toBeTruthy();
    expect(message?.body['msgtype']).toBe('markdown');
    expect(String(message?.body['msgUuid'])).toMatch(/^[0-9a-f]{24}-1$/);
    expect(markdownOf(0)).toContain('LTAI5tAliceStale0000000');
    expect(markdownOf(0)).toContain('https://ram.console.aliyun.com/users/alice');
  });

  it('rejects the run when the robot refuses the signature', async () => {
    addKey('alice', 'LTAI5tAliceStale0000000', { usedDaysAgo: [100] });
    await expect(invoke('{}', { DINGTALK_SECRET: 'SECnot-the-robot-secret' })).rejects.toMatchObject({ name: 'DingTalkError', errcode: 310000 });
    expect(cloud.dingtalk.messages).toHaveLength(0);
  });

  it('retries "system busy" with the same msgUuid, stops at "too fast" and falls back to the failure alert', async () => {
    addKey('alice', 'LTAI5tAliceStale0000000', { usedDaysAgo: [100] });
    const uuid = (a: { body: string } | undefined): unknown => JSON.parse(a?.body ?? '{}').msgUuid;
    cloud.dingtalk.failNext(1, -1, 'system busy');
    await invoke('{}');
    const first = cloud.dingtalk.attempts.slice();
    expect(first[0]?.errcode).toBe(-1);
    expect(first.at(-1)?.errcode).toBe(0);
    expect(new Set(first.map(uuid))).toEqual(new Set([uuid(first[0])]));
    expect(cloud.dingtalk.messages).toHaveLength(1);

    cloud.dingtalk.failNext(1, 130101, 'send too fast');
    await expect(invoke('{}')).rejects.toMatchObject({ errcode: 130101 });
    const second = cloud.dingtalk.attempts.slice(first.length);
    expect(second[0]?.errcode).toBe(130101);
    // The report is not sent again after "too fast"; the failure alert (another msgUuid) says why.
    expect(second.filter((a) => uuid(a) === uuid(second[0]))).toHaveLength(1);
    expect(JSON.parse(second.at(-1)?.body ?? '{}').markdown.text).toContain('the report could not be posted');
    expect(uuid(second.at(-1))).not.toBe(uuid(second[0]));
  });

  it('splits a long report into numbered parts under 20,000 bytes without losing a key', async () => {
    for (let i = 0; i < 400; i += 1) addKey(`stale-user-${i}`, `LTAI5tSplit${String(i).padStart(13, '0')}`, { usedDaysAgo: [100 + i, 300, 500] });
    const summary = await invoke('{"report":"full"}');
    expect(summary.counts.stale).toBe(400);
    const messages = cloud.dingtalk.messages;
    expect(messages.length).toBeGreaterThan(1);
    expect(summary.notified.messages).toBe(messages.length);
    for (const [i, m] of messages.entries()) {
      expect(Buffer.byteLength(JSON.stringify(m.body))).toBeLessThan(20_000);
      expect((m.body['markdown'] as { title: string }).title).toContain(`(${i + 1}/${messages.length})`);
    }
    const all = messages.map((_, i) => markdownOf(i)).join('\n');
    for (let i = 0; i < 400; i += 1) expect(all).toContain(`LTAI5tSplit${String(i).padStart(13, '0')}`);
  });

  it('posts a short all-clear for a manual full report with nothing stale', async () => {
    addKey('alice', 'LTAI5tAliceFresh0000000', { usedDaysAgo: [1] });
    await invoke('');
    expect(cloud.dingtalk.messages).toHaveLength(1);
    expect(markdownOf(0)).toContain('All clear');
    expect(Buffer.byteLength(markdownOf(0))).toBeLessThan(1000);
  });

  it('a dry run posts nothing and needs no webhook', async () => {
    addKey('alice', 'LTAI5tAliceStale0000000', { usedDaysAgo: [100] });
    const summary = await handleInvocation(Buffer.from('{"dryRun":true}'), fcContext(), {
      env: { ...UNPACED, RAM_ENDPOINT: cloud.endpoint, ACTIONTRAIL_ENDPOINT: cloud.endpoint },
      clock: fastClock,
      logger: createLogger({ sink: () => {} }),
    });
    expect(summary).toMatchObject({ dryRun: true, notified: { messages: 0 }, counts: { stale: 1 } });
    expect(cloud.dingtalk.attempts).toHaveLength(0);
  });
});

describe('bad input', () => {
  it.each([
    ['{"dryRun":"yes"}', 'event.dryRun'],
    ['{"report":"weekly"}', 'event.report'],
    ['{"staleAfterDays":-3}', 'event.staleAfterDays'],
    ['{"verbose":true}', 'event.verbose'],
    ['{oops', 'event'],
  ])('fails %s naming %s, and posts nothing', async (event, field) => {
    addKey('alice', 'LTAI5tAliceStale0000000', { usedDaysAgo: [100] });
    await expect(invoke(event)).rejects.toMatchObject({ name: 'ConfigError', field });
    expect(cloud.dingtalk.attempts).toHaveLength(0);
    expect(cloud.stats.totals().requests).toBe(0);
  });

  it('fails on a bad environment variable naming it, with a failure alert once the webhook is usable', async () => {
    await expect(invoke('{}', { STALE_AFTER_DAYS: 'soon' })).rejects.toMatchObject({ field: 'STALE_AFTER_DAYS' });
    expect(cloud.dingtalk.messages).toHaveLength(1);
    expect(markdownOf(0)).toContain('STALE_AFTER_DAYS');
    expect(cloud.stats.get('ram:ListUsers').requests).toBe(0);
    await expect(invoke('{}', { DINGTALK_WEBHOOK_URL: '' })).rejects.toMatchObject({ field: 'DINGTALK_WEBHOOK_URL' });
    expect(cloud.dingtalk.attempts).toHaveLength(1);
  });
});

describe('secrets', () => {
  it('never reach a log line, an error, the summary or a message', async () => {
    addKey('alice', 'LTAI5tAliceStale0000000', { usedDaysAgo: [100] });
    addKey('bob', 'LTAI5tBobFailing0000000', { usedDaysAgo: [1] });
    cloud.failKey('LTAI5tBobFailing0000000', { kind: 'error', status: 400, code: 'InvalidParameter', message: `echo ${DEFAULT_CREDENTIALS.securityToken} ${DEFAULT_CREDENTIALS.accessKeySecret}` });
    const outputs: string[] = [];
    outputs.push(JSON.stringify(await invoke('{}')));
    const badSecret = fcContext({ credentials: { accessKeyId: DEFAULT_CREDENTIALS.accessKeyId, accessKeySecret: 'another-wrong-secret', securityToken: DEFAULT_CREDENTIALS.securityToken ?? '' } });
    await invoke('{}', {}, badSecret).catch((e: Error) => outputs.push(e.message, String(e.stack)));
    await invoke('{}', { DINGTALK_SECRET: 'SECwrong-signing-secret' }).catch((e: Error) => outputs.push(e.message));
    outputs.push(...logs, ...cloud.dingtalk.attempts.map((a) => a.body));
    const everything = outputs.join('\n');
    expect(logs.length).toBeGreaterThan(5);
    for (const secret of [
      DEFAULT_CREDENTIALS.accessKeySecret,
      DEFAULT_CREDENTIALS.securityToken ?? 'unset',
      'another-wrong-secret',
      DEFAULT_DINGTALK.accessToken,
      DEFAULT_DINGTALK.secret ?? 'unset',
      'SECwrong-signing-secret',
    ]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).toContain('InvalidParameter');
  });
});
