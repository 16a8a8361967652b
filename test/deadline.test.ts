/** The time limit: stop starting calls in time, report what was reached, and still post. */
import { DingTalkRobot } from '../functions/stale-key-detector/src/adapters/dingtalk';
import { NOT_REACHED } from '../functions/stale-key-detector/src/core/scan';
import { runDetector, type RunOptions } from '../functions/stale-key-detector/src/core/run';
import { runOptionsFor } from '../functions/stale-key-detector/src/config/run-config';
import { readSettings } from '../functions/stale-key-detector/src/config/settings';
import { silentLogger } from '../functions/stale-key-detector/src/logger';
import { DAY_MS, DEFAULT_DINGTALK, FakeAccount, productUse, startFakeCloud, type FakeCloud } from '../simulator';
import { simulatorAdapters } from '../simulator/function-wiring';

let cloud: FakeCloud;
beforeEach(async () => {
  cloud = await startFakeCloud({ account: new FakeAccount(), latencyMs: [20, 20] });
  for (let i = 0; i < 40; i += 1) {
    cloud.addUser({ userName: `user-${i}` });
    cloud.addKey(`user-${i}`, { accessKeyId: `LTAI5tDeadline${String(i).padStart(10, '0')}`, status: 'Active', createDate: Date.now() - 900 * DAY_MS, products: [productUse('Ecs', Date.now() - 200 * DAY_MS)] });
  }
});
afterEach(async () => {
  await cloud.close();
});

function deps() {
  return {
    ...simulatorAdapters(cloud),
    notifier: new DingTalkRobot({ url: new URL(cloud.dingtalkWebhookUrl), accessToken: DEFAULT_DINGTALK.accessToken, secret: DEFAULT_DINGTALK.secret }),
    logger: silentLogger,
  };
}

function options(overrides: Partial<Omit<RunOptions, 'settings'>> & { actionTrailQps?: number } = {}): RunOptions {
  const { actionTrailQps = 20, ...run } = overrides;
  const settings = readSettings({ REPORT_TIMEZONE: 'UTC', RAM_QPS: '1000', ACTIONTRAIL_QPS: String(actionTrailQps) });
  return runOptionsFor(settings, { trigger: 'manual', runId: 'deadline-test', now: Date.now(), report: 'full', dryRun: false, deadline: Number.POSITIVE_INFINITY, staleAfterDays: undefined, ...run });
}

describe('deadline', () => {
  it('turns keys not reached in time into unknown, marks the scan partial, and still posts the report', async () => {
    const started = Date.now();
    const summary = await runDetector(deps(), options({ deadline: started + 600 }));
    const elapsed = Date.now() - started;
    const reached = summary.counts.stale;
    expect(reached).toBeGreaterThan(0);
    expect(reached).toBeLessThan(40);
    expect(summary.partial).toBe(true);
    expect(summary.counts.unknown).toBe(40 - reached);
    expect(summary.unknown.every((u) => u.reason === NOT_REACHED)).toBe(true);
    // Nothing started after the deadline: the run ends about one call after it.
    expect(elapsed).toBeLessThan(600 + 1000);
    expect(cloud.dingtalk.messages).toHaveLength(1);
    const { title, text } = cloud.dingtalk.messages[0]?.body['markdown'] as { title: string; text: string };
    // A partial scan never reads as clear: the title (the chat notification) says what was not checked.
    expect(title).toContain(`${40 - reached} keys NOT CHECKED`);
    expect(text).toContain('the time limit stopped the scan before it reached them');
    expect(text).toContain(NOT_REACHED);
  });

  it('fails loudly when the deadline left no time to reach anything', async () => {
    await expect(runDetector(deps(), options({ deadline: Date.now() - 1 }))).rejects.toMatchObject({ name: 'ScanFailedError' });
    expect(cloud.dingtalk.messages).toHaveLength(1);
    expect((cloud.dingtalk.messages[0]?.body['markdown'] as { text: string }).text).toContain('scan FAILED');
  });
});

describe('pacing against the fake', () => {
  it('keeps ActionTrail calls within ACTIONTRAIL_QPS over every one-second window', async () => {
    await cloud.close();
    cloud = await startFakeCloud({ account: new FakeAccount(), latencyMs: [5, 15], recordRequests: true });
    for (let i = 0; i < 36; i += 1) {
      cloud.addUser({ userName: `user-${i}` });
      cloud.addKey(`user-${i}`, { accessKeyId: `LTAI5tPaced${String(i).padStart(13, '0')}`, status: 'Active', createDate: Date.now() - 10 * DAY_MS });
    }
    const summary = await runDetector(deps(), options({ actionTrailQps: 20, dryRun: true }));
    expect(summary.counts.keys).toBe(36);
    const arrivals = [...cloud.stats.arrivals('actiontrail:GetAccessKeyLastUsedProducts')].sort((a, b) => a - b);
    expect(arrivals).toHaveLength(36);
    let busiest = 0;
    for (const start of arrivals) busiest = Math.max(busiest, arrivals.filter((t) => t >= start && t < start + 1000).length);
    expect(busiest).toBeLessThanOrEqual(21);
    // …and it is not needlessly slow: 36 calls at 20/s span about 1.75 s.
    expect((arrivals[35] as number) - (arrivals[0] as number)).toBeLessThan(2200);
  });
});
