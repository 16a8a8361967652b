/**
 * Alerts people act on (hourly changes, daily digest, exemptions, warn and rotation tiers,
 * mentions, keyword), through the real handler and SDKs against the loopback fake.
 */
import { handleInvocation } from '../functions/stale-key-detector/src/handler';
import { createLogger } from '../functions/stale-key-detector/src/logger';
import type { Clock } from '../functions/stale-key-detector/src/pacing/clock';
import type { Summary } from '../functions/stale-key-detector/src/core/summary';
import { DAY_MS, HOUR_MS, FakeAccount, productUse, startFakeCloud, type FakeCloud } from '../simulator';
import { fcContext, simulatorEnv, accountSummaryOf } from '../simulator/function-wiring';

const fastClock: Clock = { now: () => Date.now(), sleep: async () => {} };
/** Limits far above what a test sends, so the rate limiter never has to wait on the fast clock. */
const UNPACED = { RAM_QPS: '10000', ACTIONTRAIL_QPS: '10000' };
// Midnight UTC yesterday (so every run of the day is in the past and within the 48 hours a timer event may lag): 01:00 UTC is 09:00 in Asia/Shanghai, the default digest hour.
const D = Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS;
const timer = (at: number) => Buffer.from(JSON.stringify({ triggerTime: new Date(at).toISOString(), triggerName: 'hourly-scan', payload: '' }));

let cloud: FakeCloud;
beforeEach(async () => {
  cloud = await startFakeCloud({ account: new FakeAccount() });
});
afterEach(async () => {
  await cloud.close();
});

function invoke(event: Buffer | string, env: Record<string, string> = {}): Promise<Summary> {
  return handleInvocation(typeof event === 'string' ? Buffer.from(event) : event, fcContext(), {
    env: simulatorEnv(cloud, { ...UNPACED, ...env }),
    clock: fastClock,
    logger: createLogger({ sink: () => {} }),
  }).then(accountSummaryOf);
}

function key(userName: string, accessKeyId: string, lastUsed: number | undefined, createDate = D - 800 * DAY_MS): void {
  if (cloud.account.getUser(userName) === undefined) cloud.addUser({ userName, displayName: userName.toUpperCase() });
  cloud.addKey(userName, { accessKeyId, status: 'Active', createDate, products: lastUsed === undefined ? [] : [productUse('Ecs', lastUsed), productUse('Oss', lastUsed - 5 * DAY_MS)] });
}

const texts = (): string[] => cloud.dingtalk.messages.map((m) => (m.body['markdown'] as { text: string }).text);

describe('a simulated day of hourly timer runs', () => {
  it('posts each crossing key once, in the run right after it crosses; the digest holds all; other runs are silent', async () => {
    // Keys that turn stale (last use + 90 days) at h:30 on day D, for these hours:
    const crossings: Record<string, number> = { LTAI5tCross03h000000000: 3, LTAI5tCross07hA00000000: 7, LTAI5tCross07hB00000000: 7, LTAI5tCross15h000000000: 15, LTAI5tCross22h000000000: 22 };
    for (const [id, h] of Object.entries(crossings)) key(`user-${h}`, id, D + h * HOUR_MS + 30 * 60_000 - 90 * DAY_MS);
    key('old-stale', 'LTAI5tLongStale00000000', D - 300 * DAY_MS);
    key('busy', 'LTAI5tFreshKey000000000', D - 1 * DAY_MS);
    // Crossing exactly on a run's trigger time: not stale at that run (not *more* than 90 days), posted by the next one.
    key('exact', 'LTAI5tCrossExact12h0000', D + 12 * HOUR_MS - 90 * DAY_MS);

    const posted = new Map<string, number[]>();
    const digestRuns: number[] = [];
    let digestStale: string[] = [];
    for (let k = 1; k <= 24; k += 1) {
      const before = cloud.dingtalk.messages.length;
      const summary = await invoke(timer(D + k * HOUR_MS));
      const newTexts = texts().slice(before);
      if (summary.report === 'full') {
        digestRuns.push(k);
        digestStale = summary.stale.map((x) => x.accessKeyId);
        continue;
      }
      expect(summary.notified.messages).toBe(newTexts.length);
      for (const id of summary.newlyStale) posted.set(id, [...(posted.get(id) ?? []), k]);
      for (const id of [...Object.keys(crossings), 'LTAI5tCrossExact12h0000', 'LTAI5tLongStale00000000', 'LTAI5tFreshKey000000000']) {
        if (newTexts.join('\n').includes(id)) expect(summary.newlyStale).toContain(id);
      }
      if (summary.newlyStale.length === 0) expect(newTexts).toEqual([]);
    }
    expect(digestRuns).toEqual([1]);
    expect(Object.fromEntries(posted)).toEqual({
      LTAI5tCross03h000000000: [4],
      LTAI5tCross07hA00000000: [8],
      LTAI5tCross07hB00000000: [8],
      LTAI5tCrossExact12h0000: [13],
      LTAI5tCross15h000000000: [16],
      LTAI5tCross22h000000000: [23],
    });
    // Six hourly posts in all: runs 4, 8, 13, 16, 23 (run 8 posts both of its keys in one message) + the digest.
    expect(cloud.dingtalk.messages).toHaveLength(6);
    // The digest (01:00 UTC = 09:00 Shanghai) holds every key stale at its time; the keys about to cross are in its warn tier.
    expect(digestStale).toEqual(['LTAI5tLongStale00000000']);
    const digest = texts()[0] ?? '';
    expect(digest).toContain('LTAI5tLongStale00000000');
    expect(digest).toMatch(/Turning stale within 7 days \(6\)[\s\S]*LTAI5tCross03h000000000/);
  });

  it('the digest is posted even when nothing is stale: the daily sign of life', async () => {
    key('busy', 'LTAI5tFreshKey000000000', D);
    const summary = await invoke(timer(D + 1 * HOUR_MS));
    expect(summary.report).toBe('full');
    expect(texts()).toHaveLength(1);
    expect(texts()[0]).toContain('All clear');
    // …while an hourly run with nothing new stays silent.
    await invoke(timer(D + 2 * HOUR_MS));
    expect(texts()).toHaveLength(1);
  });

  it('an hourly run posts failed look-ups even when nothing turned stale', async () => {
    key('busy', 'LTAI5tFreshKey000000000', D);
    key('flaky', 'LTAI5tFlaky000000000000', D);
    cloud.failKey('LTAI5tFlaky000000000000', { kind: 'error', status: 500, code: 'InternalError' });
    const summary = await invoke(timer(D + 5 * HOUR_MS));
    expect(summary.report).toBe('changes');
    expect(texts()).toHaveLength(1);
    expect(texts()[0]).toContain('LTAI5tFlaky000000000000');
    expect(texts()[0]).toContain('InternalError');
  });
});

describe('digest tiers', () => {
  const now = D + 1 * HOUR_MS; // a digest run, 09:00 in Shanghai on day D
  it('lists keys turning stale within WARN_WITHIN_DAYS with the day they turn', async () => {
    key('soon', 'LTAI5tWarnIn3Days000000', now - 87 * DAY_MS);
    key('later', 'LTAI5tWarnIn20Days00000', now - 70 * DAY_MS);
    const summary = await invoke(timer(now));
    expect(summary.counts.warn).toBe(1);
    const text = texts()[0] ?? '';
    expect(text).toMatch(/Turning stale within 7 days \(1\)/);
    expect(text).toMatch(/LTAI5tWarnIn3Days000000.*turns stale \d{4}-\d{2}-\d{2}/);
    expect(text).not.toContain('LTAI5tWarnIn20Days00000');
  });

  it('lists active keys older than ROTATE_AFTER_DAYS as rotation overdue, used or not', async () => {
    key('ci', 'LTAI5tOldButBusy0000000', now - DAY_MS, now - 400 * DAY_MS);
    key('new', 'LTAI5tYoungKey000000000', now - DAY_MS, now - 30 * DAY_MS);
    const off = await invoke(timer(now));
    expect(off.counts.rotationOverdue).toBe(0);
    expect(texts()[0]).not.toContain('Rotation overdue');
    const on = await invoke('{"report":"full"}', { ROTATE_AFTER_DAYS: '365' });
    expect(on.counts.rotationOverdue).toBe(1);
    expect(texts()[1]).toMatch(/Rotation overdue: active keys older than 365 days \(1\)[\s\S]*LTAI5tOldButBusy0000000/);
  });

  it('never alerts an exempt key, lists exemptions with reasons, and calls out an expired one once', async () => {
    key('break-glass', 'LTAI5tBreakGlass0000000', now - 500 * DAY_MS);
    key('vendor', 'LTAI5tVendorKey00000000', now - 300 * DAY_MS);
    key('lapsed', 'LTAI5tLapsedKey00000000', now - 300 * DAY_MS);
    const exemptions = JSON.stringify([
      { user: 'break-glass', reason: 'emergency access, sealed' },
      { accessKeyId: 'LTAI5tVendorKey00000000', reason: 'vendor sync, rotates yearly', until: '2099-12-31' },
      { user: 'lapsed', reason: 'migration window', until: new Date(D - DAY_MS).toISOString().slice(0, 10) },
    ]);
    // The hourly run after the vendor key's crossing would alert it, were it not exempt.
    const digest = await invoke(timer(now), { EXEMPTIONS: exemptions });
    expect(digest.counts).toMatchObject({ exempt: 2, stale: 1 });
    expect(digest.stale.map((s) => s.accessKeyId)).toEqual(['LTAI5tLapsedKey00000000']);
    const text = texts()[0] ?? '';
    expect(text).toContain('emergency access, sealed');
    expect(text).toContain('vendor sync, rotates yearly (until 2099-12-31)');
    expect(text).toMatch(/Exemptions that expired yesterday \(1\)[\s\S]*migration window/);
    // The next day's digest no longer calls it out.
    await invoke(timer(now + DAY_MS), { EXEMPTIONS: exemptions });
    expect(texts()[1]).not.toContain('expired yesterday');
  });
});

describe('hourly alert presentation', () => {
  it('mentions people with the at field and @mobile in the text, and carries the keyword', async () => {
    key('alice', 'LTAI5tAliceCross0000000', D + 3 * HOUR_MS + 60_000 - 90 * DAY_MS);
    await invoke(timer(D + 4 * HOUR_MS), { DINGTALK_AT_MOBILES: '13800000000', DINGTALK_AT_USER_IDS: 'sec-oncall', DINGTALK_KEYWORD: 'RAM-audit' });
    const [message] = cloud.dingtalk.messages;
    expect(message?.body['at']).toEqual({ atMobiles: ['13800000000'], atUserIds: ['sec-oncall'], isAtAll: false });
    expect(texts()[0]).toContain('@13800000000 @sec-oncall');
    expect(texts()[0]).toContain('RAM-audit');
    expect(texts()[0]).toMatch(/\[alice\]\(https:\/\/ram\.console\.aliyun\.com\/users\/alice\)/);
    expect(texts()[0]).toContain('Elastic Compute Service (Ecs');
    expect(texts()[0]).toMatch(/key age 800 days/);
  });

  it('is refused by a keyword robot when the keyword is missing, and accepted with it', async () => {
    await cloud.close();
    cloud = await startFakeCloud({ account: new FakeAccount(), dingtalk: { accessToken: 'kw-robot-token', keywords: ['RAM-audit'] } });
    key('alice', 'LTAI5tAliceStale0000000', D - 200 * DAY_MS);
    const env = { DINGTALK_WEBHOOK_URL: cloud.dingtalkWebhookUrl, DINGTALK_SECRET: '' };
    await expect(invoke('{}', env)).rejects.toMatchObject({ errcode: 310000 });
    await invoke('{}', { ...env, DINGTALK_KEYWORD: 'RAM-audit' });
    expect(cloud.dingtalk.messages).toHaveLength(1);
  });

  it('groups keys by user, most idle first', async () => {
    key('zed', 'LTAI5tZedIdle100000000', D - 100 * DAY_MS);
    key('amy', 'LTAI5tAmyIdle300000000', D - 300 * DAY_MS);
    key('zed', 'LTAI5tZedIdle500000000', D - 500 * DAY_MS);
    await invoke('{}');
    const text = texts()[0] ?? '';
    expect(text.indexOf('users/zed')).toBeLessThan(text.indexOf('users/amy'));
    expect(text.indexOf('LTAI5tZedIdle500000000')).toBeLessThan(text.indexOf('LTAI5tZedIdle100000000'));
    expect(text.match(/users\/zed/g)).toHaveLength(1);
  });

  it('never sends more than 20 messages and counts what did not fit', async () => {
    // 700 users with RAM's longest names, two keys each, four products a key: more than 20 messages hold.
    const keys = 1400;
    for (let u = 0; u < keys / 2; u += 1) {
      const userName = `bulk-user-${u}-`.padEnd(64, 'x');
      cloud.addUser({ userName, displayName: userName.toUpperCase() });
      for (let k = 0; k < 2; k += 1) {
        const i = 2 * u + k;
        const products = ['Ecs', 'Oss', 'Rds', 'Sls'].map((service, j) => productUse(service, D - (100 + (i % 250) + j) * DAY_MS));
        cloud.addKey(userName, { accessKeyId: `LTAI5tBulk${String(i).padStart(14, '0')}`, status: 'Active', createDate: D - 800 * DAY_MS, products });
      }
    }
    const summary = await invoke('{}');
    expect(summary.counts.stale).toBe(keys);
    expect(cloud.dingtalk.messages).toHaveLength(20);
    expect(cloud.dingtalk.attempts.every((a) => a.errcode === 0)).toBe(true);
    const all = texts().join('\n');
    const shown = new Set(all.match(/LTAI5tBulk\d{14}/g)).size;
    expect(shown).toBeLessThan(keys);
    expect(texts()[19]).toMatch(new RegExp(`… and ${keys - shown} more: run a full report or the CLI`));
    expect(texts()[0]).toContain(`**${keys} stale**`);
  });
});
