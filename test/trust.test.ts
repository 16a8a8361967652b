/**
 * One example per case of the trust issue ("never a false all-clear, never silent"), through the
 * real handler, the real SDKs and the loopback simulator. The rules themselves are proved over
 * generated input in test/unit/*.property.test.ts.
 */
import { handleInvocation } from '../functions/stale-key-detector/src/handler';
import { createLogger } from '../functions/stale-key-detector/src/logger';
import type { Clock } from '../functions/stale-key-detector/src/pacing/clock';
import type { Summary } from '../functions/stale-key-detector/src/core/summary';
import { DAY_MS, DEFAULT_CREDENTIALS, FakeAccount, HOUR_MS, productUse, startFakeCloud, type FakeCloud } from '../simulator';
import { marked } from './helpers/marked';
import { fcContext, simulatorEnv, accountSummaryOf } from '../simulator/function-wiring';
import { rejectionOf } from './helpers/clouds';

const fastClock: Clock = { now: () => Date.now(), sleep: async () => {} };
const UNPACED = { RAM_QPS: '10000', ACTIONTRAIL_QPS: '10000' };
/** A timer run on the hour, an hour ago; with the default Asia/Shanghai 09:00 digest it is hourly unless told otherwise. */
const T = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS;
const timer = (at = T, extra: Record<string, unknown> = {}) => JSON.stringify({ triggerTime: new Date(at).toISOString(), triggerName: 'hourly-scan', payload: '', ...extra });
/** Settings that make the run at T the digest: a daily schedule. */
const DIGEST = { SCHEDULE_MINUTES: '1440' };

let cloud: FakeCloud;
let logs: string[];
beforeEach(async () => {
  logs = [];
  cloud = await startFakeCloud({ account: new FakeAccount() });
});
afterEach(async () => {
  await cloud.close();
});

function invoke(event: string, env: Record<string, string> = {}): Promise<Summary> {
  return handleInvocation(Buffer.from(event), fcContext(), {
    env: simulatorEnv(cloud, { ...UNPACED, ...env }),
    clock: fastClock,
    logger: createLogger({ level: 'debug', sink: (line) => logs.push(line) }),
  }).then(accountSummaryOf);
}

const rejection = (run: Promise<unknown>): Promise<Error> => rejectionOf(run) as Promise<Error>;

function addKey(userName: string, accessKeyId: string, opts: { createdDaysAgo?: number; usedDaysAgo?: number; displayName?: string } = {}): void {
  if (cloud.account.getUser(userName) === undefined) cloud.addUser({ userName, displayName: opts.displayName ?? userName });
  cloud.addKey(userName, {
    accessKeyId,
    status: 'Active',
    createDate: T - (opts.createdDaysAgo ?? 1000) * DAY_MS,
    products: opts.usedDaysAgo === undefined ? [] : [productUse('Ecs', T - opts.usedDaysAgo * DAY_MS)],
  });
}

const titles = (): string[] => cloud.dingtalk.messages.map((m) => (m.body['markdown'] as { title: string }).title);
const texts = (): string[] => cloud.dingtalk.messages.map((m) => (m.body['markdown'] as { text: string }).text);
const ALL_CLEAR = /all clear|\b0 stale/i;

describe('claims match evidence', () => {
  it('never calls a digest clear when the stale keys could not be looked up', async () => {
    addKey('alice', 'LTAI5tStaleButFailing01', { usedDaysAgo: 200 });
    addKey('bob', 'LTAI5tStaleButFailing02', { usedDaysAgo: 300 });
    addKey('carol', 'LTAI5tFreshAndChecked01', { usedDaysAgo: 1 });
    for (const id of ['LTAI5tStaleButFailing01', 'LTAI5tStaleButFailing02']) cloud.failKey(id, { kind: 'error', status: 400, code: 'InvalidParameter' });
    const summary = await invoke(timer(), DIGEST);
    expect(summary).toMatchObject({ report: 'full', complete: false, counts: { keys: 3, stale: 0, ok: 1, unknown: 2 } });
    expect(titles()[0]).toContain('2 keys NOT CHECKED');
    expect(titles()[0]).not.toMatch(ALL_CLEAR);
    expect(texts()[0]).not.toMatch(ALL_CLEAR);
    expect(texts()[0]?.split('\n\n')[1]).toContain('2 keys could not be checked');
  });

  it('counts a user whose key list failed, names it, and never adds up keys it could not see', async () => {
    addKey('alice', 'LTAI5tListedAndOk000001', { usedDaysAgo: 1 });
    cloud.addUser({ userName: 'unlistable' });
    cloud.failUser('unlistable', { kind: 'error', status: 400, code: 'InvalidParameter' });
    const summary = await invoke(timer(), DIGEST);
    expect(summary.complete).toBe(false);
    expect(summary.counts).toMatchObject({ users: 2, unlistedUsers: 1, keys: 1, ok: 1, unknown: 0 });
    expect(summary.counts.keys).toBe(summary.counts.stale + summary.counts.ok + summary.counts.inactive + summary.counts.exempt + summary.counts.unknown);
    expect(summary.unlistedUsers.map((u) => u.userName)).toEqual(['unlistable']);
    expect(titles()[0]).toContain('1 user NOT CHECKED');
    expect(texts()[0]).toContain('unlistable');
  });
});

describe('never silent', () => {
  it('posts a failure alert naming a mistyped setting on a timer run, then fails', async () => {
    const error = await rejection(invoke(timer(), { STALE_AFTER_DAYS: 'ninety' }));
    expect(error.message).toContain('STALE_AFTER_DAYS');
    expect(titles()).toEqual(['RAM key scan FAILED']);
    expect(texts()[0]).toContain('STALE_AFTER_DAYS');
  });

  it('refuses a threshold beyond what ActionTrail can vouch for, saying why, with an alert', async () => {
    const error = await rejection(invoke(timer(), { STALE_AFTER_DAYS: '500' }));
    expect(error.message).toMatch(/STALE_AFTER_DAYS.*365.*ActionTrail keeps about 400 days/);
    expect(texts()[0]).toContain('STALE_AFTER_DAYS');
  });

  it('answers a bad event to the invoker alone: a timer event asking for a dry run, or dated 2000, posts nothing', async () => {
    addKey('alice', 'LTAI5tWouldBeStale00001', { usedDaysAgo: 200 });
    expect((await rejection(invoke(timer(T, { dryRun: true })))).message).toContain('event.dryRun');
    expect((await rejection(invoke(timer(Date.UTC(2000, 0, 1))))).message).toContain('event.triggerTime');
    expect(cloud.dingtalk.attempts).toHaveLength(0);
  });

  it('leaves only the log when the webhook itself is unusable', async () => {
    const error = await rejection(invoke(timer(), { DINGTALK_WEBHOOK_URL: 'https://user:pw@oapi.dingtalk.com/robot/send?access_token=abc', STALE_AFTER_DAYS: 'x' }));
    expect(error.message).toContain('DINGTALK_WEBHOOK_URL');
    expect(error.message).not.toContain('pw@');
    expect(cloud.dingtalk.attempts).toHaveLength(0);
    expect(logs.some((l) => l.includes('run failed'))).toBe(true);
  });

  it('still reports when the cloud sends a 21,000-character error message', async () => {
    addKey('alice', 'LTAI5tHugeError00000001', { usedDaysAgo: 200 });
    addKey('bob', 'LTAI5tCheckedFine000001', { usedDaysAgo: 1 });
    cloud.failKey('LTAI5tHugeError00000001', { kind: 'error', status: 400, code: 'InvalidParameter', message: 'x'.repeat(21_000) });
    const summary = await invoke(timer(), DIGEST);
    expect(summary.complete).toBe(false);
    expect(cloud.dingtalk.messages.length).toBeGreaterThan(0);
    for (const m of cloud.dingtalk.attempts) expect(Buffer.byteLength(m.body)).toBeLessThan(20_000);
  });
});

describe('every crossing alerted', () => {
  it('alerts, with the mentions, a key that turned stale in the digest run\'s own window', async () => {
    cloud.addUser({ userName: 'crosser' });
    cloud.addKey('crosser', { accessKeyId: 'LTAI5tCrossesInDigest01', status: 'Active', createDate: T - 500 * DAY_MS, products: [productUse('Ecs', T - 90 * DAY_MS - 30 * 60_000)] });
    const summary = await invoke(timer(), { ...DIGEST, DINGTALK_AT_MOBILES: '13800000000' });
    expect(summary.report).toBe('full');
    expect(summary.newlyStale).toEqual(['LTAI5tCrossesInDigest01']);
    const first = cloud.dingtalk.messages[0]?.body as { at?: { atMobiles?: string[] }; markdown: { text: string } };
    expect(first.at?.atMobiles).toEqual(['13800000000']);
    expect(first.markdown.text).toContain('@13800000000');
    expect(first.markdown.text).toMatch(/Turned stale in the last 1440 minutes \(1\)/);
  });
});

describe('every crossing alerted (the default hourly schedule)', () => {
  it('mentions a key that crossed in the hour before the 09:00 Shanghai digest, in the digest', async () => {
    // The latest 01:00 UTC run in the past: 09:00 in Asia/Shanghai, the default digest hour.
    const today = Math.floor(Date.now() / DAY_MS) * DAY_MS + HOUR_MS;
    const digestRun = today <= Date.now() ? today : today - DAY_MS;
    cloud.addUser({ userName: 'crosser' });
    cloud.addKey('crosser', { accessKeyId: 'LTAI5tCrossesBeforeNine', status: 'Active', createDate: digestRun - 500 * DAY_MS, products: [productUse('Ecs', digestRun - 90 * DAY_MS - 30 * 60_000)] });
    const summary = await invoke(timer(digestRun), { DINGTALK_AT_USER_IDS: 'secops' });
    expect(summary).toMatchObject({ report: 'full', newlyStale: ['LTAI5tCrossesBeforeNine'] });
    const first = cloud.dingtalk.messages[0]?.body as { at?: { atUserIds?: string[] }; markdown: { text: string } };
    expect(first.at?.atUserIds).toEqual(['secops']);
    expect(first.markdown.text).toMatch(/Turned stale in the last 60 minutes \(1\)[\s\S]*LTAI5tCrossesBeforeNine/);
  });
});

describe('hostile text is inert', () => {
  it('passes the keyword verbatim, so a keyword robot accepts it', async () => {
    await cloud.close();
    cloud = await startFakeCloud({ account: new FakeAccount(), dingtalk: { accessToken: 'kw-token', keywords: ['[sec_alert]'] } });
    addKey('alice', 'LTAI5tKeywordCheck00001', { usedDaysAgo: 200 });
    const summary = await invoke(timer(), { ...DIGEST, DINGTALK_KEYWORD: '[sec_alert]', DINGTALK_SECRET: '' });
    expect(summary.notified.messages).toBe(1);
    expect(texts()[0]).toContain('[sec_alert]');
  });

  it('renders a display name with line breaks, markdown and a link as plain text', async () => {
    addKey('mallory', 'LTAI5tHostileName000001', { usedDaysAgo: 200, displayName: 'x\n# Heading\n- item\n[click](https://evil.example)\n@all' });
    addKey('plain', 'LTAI5tPlainName00000001', { usedDaysAgo: 200, displayName: 'Plain Name' });
    await invoke(timer(), DIGEST);
    const tokens = marked.lexer(texts()[0] ?? '');
    const kinds = tokens.map((t) => t.type);
    expect(kinds.filter((k) => k === 'list')).toHaveLength(2); // the two stale keys' lines, one list per user
    expect(kinds).not.toContain('html');
    const html = marked.parse(texts()[0] ?? '') as string;
    expect(html).not.toContain('evil.example"');
    expect((html.match(/<a /g) ?? []).length).toBe(2); // the two console links, nothing else
    expect(html).not.toMatch(/<h[1-6]>Heading/);
  });
});

describe('secrets in every form', () => {
  it('keeps the STS token out of logs, the error and the failure alert when ActionTrail echoes its string to sign', async () => {
    addKey('alice', 'LTAI5tSignatureEcho0001', { usedDaysAgo: 200 });
    const token = DEFAULT_CREDENTIALS.securityToken ?? '';
    const twice = encodeURIComponent(encodeURIComponent(token));
    cloud.failNext('actiontrail:GetAccessKeyLastUsedProducts', 100, {
      kind: 'error',
      status: 400,
      code: 'SignatureDoesNotMatch',
      message: `Specified signature does not match our calculation. server string to sign is:POST&%2F&AccessKey%3DLTAI5tSignatureEcho0001%26SecurityToken%3D${twice}`,
    });
    const error = await rejection(invoke(timer(), DIGEST));
    const everything = [error.message, ...logs, ...texts()].join('\n');
    expect(texts()).toHaveLength(1);
    for (const form of [token, encodeURIComponent(token), twice]) expect(everything).not.toContain(form);
    expect(everything).not.toMatch(/string to sign is:POST/);
    expect(texts()[0]).toContain('SignatureDoesNotMatch');
  });
});

describe('only evidence that can be true', () => {
  const products = (usedAt: number) => ({ kind: 'body' as const, status: 200, body: { Products: [{ ServiceName: 'Ecs', ServiceNameEn: 'ECS', Source: 'ManagementEvent', UsedTimestamp: usedAt }] } });

  it('turns impossible answers into unknown keys, never stale or ok', async () => {
    addKey('seconds', 'LTAI5tUsedInSeconds0001');
    addKey('future', 'LTAI5tUsedIn2040000001');
    addKey('http500', 'LTAI5tHttp500Products01');
    addKey('fine', 'LTAI5tJudgedNormally001', { usedDaysAgo: 1 });
    cloud.failKey('LTAI5tUsedInSeconds0001', products(Math.floor((T - 200 * DAY_MS) / 1000)));
    cloud.failKey('LTAI5tUsedIn2040000001', products(Date.UTC(2040, 0, 1)));
    cloud.failKey('LTAI5tHttp500Products01', { kind: 'body', status: 500, body: { Products: [] } });
    const summary = await invoke(timer(), { ...DIGEST, RAM_QPS: '10000' });
    expect(summary.counts).toMatchObject({ keys: 4, ok: 1, stale: 0, unknown: 3 });
    expect(summary.unknown.map((u) => u.accessKeyId).sort()).toEqual(['LTAI5tHttp500Products01', 'LTAI5tUsedIn2040000001', 'LTAI5tUsedInSeconds0001']);
  });

  it('never makes a key idle longer than it exists, and says "never used" only of keys younger than the window', async () => {
    addKey('young', 'LTAI5tCreatedFiveDays01', { createdDaysAgo: 5 });
    cloud.failKey('LTAI5tCreatedFiveDays01', products(T - 200 * DAY_MS));
    addKey('old', 'LTAI5tOldNoRecord000001', { createdDaysAgo: 900 });
    addKey('new', 'LTAI5tNeverUsedYoung001', { createdDaysAgo: 120 });
    const summary = await invoke(timer(), DIGEST);
    expect(summary.stale.map((s) => s.accessKeyId).sort()).toEqual(['LTAI5tNeverUsedYoung001', 'LTAI5tOldNoRecord000001']);
    const old = summary.stale.find((s) => s.accessKeyId === 'LTAI5tOldNoRecord000001');
    // ActionTrail's 400 days, rounded up to a UTC midnight: never more than it can vouch for.
    expect(old).toMatchObject({ lastUsed: null, noUseSince: new Date(Math.ceil((T - 400 * DAY_MS) / DAY_MS) * DAY_MS).toISOString() });
    const text = texts()[0] ?? '';
    expect(text).toMatch(/LTAI5tOldNoRecord000001.* no use recorded since/);
    expect(text).toMatch(/LTAI5tNeverUsedYoung001.* never used/);
    expect(text).not.toMatch(/LTAI5tOldNoRecord000001[^\n]*never used/);
  });

  it('shows idle time that cannot contradict the threshold', async () => {
    cloud.addUser({ userName: 'just' });
    cloud.addKey('just', { accessKeyId: 'LTAI5tJustOverNinety01', status: 'Active', createDate: T - 500 * DAY_MS, products: [productUse('Ecs', T - 90 * DAY_MS - 4 * HOUR_MS)] });
    await invoke(timer(), DIGEST);
    expect(texts()[0]).toContain('idle **90 d 4 h**');
  });
});
