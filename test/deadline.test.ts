/**
 * The time limit and the pacing of a whole run, in virtual time: the real detector and the real
 * RAM, ActionTrail and DingTalk clients talk to the simulator over HTTP, but every call costs
 * a modelled latency on a virtual clock, and the HTTP itself takes no virtual time. What is
 * asserted about time (what started before the deadline, calls per second) therefore holds on
 * any machine, however busy.
 */
import { DingTalkRobot } from '../functions/stale-key-detector/src/adapters/dingtalk';
import { readSettings } from '../functions/stale-key-detector/src/config/settings';
import { runOptionsFor } from '../functions/stale-key-detector/src/config/run-config';
import { runDetector } from '../functions/stale-key-detector/src/core/run';
import { NOT_REACHED } from '../functions/stale-key-detector/src/core/scan';
import { silentLogger } from '../functions/stale-key-detector/src/logger';
import { DAY_MS, FakeAccount, productUse, startFakeCloud, type FakeCloud } from '../simulator';
import { simulatorAdapters, simulatorEnv } from '../simulator/function-wiring';
import { busiestSecond, type VirtualClock, virtualClock } from './helpers/virtual-clock';

/** Modelled time of one cloud call (ms of virtual time). */
const LATENCY_MS = 20;

let cloud: FakeCloud;
let clock: VirtualClock;
/** Virtual start time of every cloud call, by action. */
let starts: { listUsers: number[]; listAccessKeys: number[]; lookUp: number[] };

beforeEach(async () => {
  clock = virtualClock({ start: Date.now() });
  starts = { listUsers: [], listAccessKeys: [], lookUp: [] };
  // The robot's clock (signature timestamps, 20 a minute) is the run's virtual clock too.
  cloud = await startFakeCloud({ account: new FakeAccount(), now: () => clock.now(), recordRequests: true });
});
afterEach(async () => {
  await cloud.close();
});

function addUsers(count: number, prefix: string, usedDaysAgo: number | undefined): void {
  const now = clock.now();
  for (let i = 0; i < count; i += 1) {
    cloud.addUser({ userName: `user-${i}` });
    cloud.addKey(`user-${i}`, {
      accessKeyId: `LTAI5t${prefix}${String(i).padStart(18 - prefix.length, '0')}`,
      status: 'Active',
      createDate: now - 900 * DAY_MS,
      products: usedDaysAgo === undefined ? [] : [productUse('Ecs', now - usedDaysAgo * DAY_MS)],
    });
  }
}

/** The real adapters over HTTP, each call taking LATENCY_MS of virtual time; call starts recorded. */
function pacedAdapters() {
  const { ram, actionTrail } = simulatorAdapters(cloud);
  const timed = async <T>(log: number[], call: () => Promise<T>): Promise<T> => {
    log.push(clock.now());
    await clock.sleep(LATENCY_MS);
    return clock.io(call);
  };
  return {
    ram: {
      listUsersPage: (marker: string | undefined) => timed(starts.listUsers, () => ram.listUsersPage(marker)),
      listAccessKeys: (user: Parameters<typeof ram.listAccessKeys>[0]) => timed(starts.listAccessKeys, () => ram.listAccessKeys(user)),
    },
    actionTrail: {
      lastUsedProducts: (accessKeyId: string) => timed(starts.lookUp, () => actionTrail.lastUsedProducts(accessKeyId)),
    },
  };
}

function run(deadline: number, env: Record<string, string>, dryRun = false) {
  const settings = readSettings(simulatorEnv(cloud, { RAM_QPS: '1000', ACTIONTRAIL_QPS: '20', TIMEZONE: 'UTC', ...env }));
  const webhook = settings.webhook;
  if (webhook === undefined) throw new Error('simulatorEnv sets the webhook');
  const options = runOptionsFor(settings, { trigger: 'manual', runId: 'deadline-test', now: clock.now(), report: 'full', dryRun, deadline, staleAfterDays: undefined });
  return runDetector({ ...pacedAdapters(), notifier: new DingTalkRobot(webhook, { clock }), logger: silentLogger, clock }, options);
}

describe('deadline', () => {
  it('turns keys not reached in time into unknown, marks the scan partial, and still posts the report', async () => {
    addUsers(40, 'Deadline', 200);
    const deadline = clock.now() + 600;
    const summary = await run(deadline, {});
    // Nothing started after the deadline; the run ends one call after it at most.
    const allStarts = [...starts.listUsers, ...starts.listAccessKeys, ...starts.lookUp];
    expect(Math.max(...allStarts)).toBeLessThanOrEqual(deadline);
    expect(summary.durationMs).toBeLessThanOrEqual(600 + LATENCY_MS);
    // 20 look-ups a second, the first after ListUsers and ListAccessKeys (2 x 20 ms): 12 start by 600 ms.
    const reached = summary.counts.stale;
    expect(reached).toBe(starts.lookUp.length);
    expect(reached).toBeGreaterThan(0);
    expect(reached).toBeLessThan(40);
    expect(summary.partial).toBe(true);
    expect(summary.complete).toBe(false);
    expect(summary.counts.keys).toBe(40);
    expect(summary.counts.unknown).toBe(40 - reached);
    expect(summary.unknown.every((u) => u.reason === NOT_REACHED)).toBe(true);
    expect(new Set([...summary.stale, ...summary.unknown].map((k) => k.accessKeyId)).size).toBe(40);
    // The report is posted after the deadline, and a partial scan never reads as clear.
    expect(cloud.dingtalk.messages).toHaveLength(1);
    const { title, text } = cloud.dingtalk.messages[0]?.body['markdown'] as { title: string; text: string };
    expect(title).toContain(`${40 - reached} keys NOT CHECKED`);
    expect(text).toContain('the time limit stopped the scan before it reached them');
    expect(text).toContain(NOT_REACHED);
    expect(text).not.toMatch(/All clear/);
  });

  it('stops listing users at the deadline and names the users not listed', async () => {
    addUsers(1001, 'Listing', 1); // two ListUsers pages
    const deadline = clock.now() + 1000;
    const summary = await run(deadline, { RAM_QPS: '20', ACTIONTRAIL_QPS: '1000' });
    expect(Math.max(...starts.listUsers, ...starts.listAccessKeys, ...starts.lookUp)).toBeLessThanOrEqual(deadline);
    expect(starts.listUsers).toHaveLength(1);
    expect(summary.partial).toBe(true);
    expect(summary.counts.users).toBe(1000);
    // Users whose keys were listed in time were checked; the rest of page 1 and all of page 2 are named as not reached.
    expect(summary.counts.keys).toBe(starts.listAccessKeys.length);
    expect(summary.counts.keys).toBeGreaterThan(0);
    expect(summary.unlistedUsers).toHaveLength(1000 - summary.counts.keys + 1);
    expect(summary.unlistedUsers.every((u) => u.reason.startsWith(NOT_REACHED))).toBe(true);
    expect(summary.unlistedUsers).toContainEqual({ userName: '(users not yet listed)', reason: expect.stringContaining(NOT_REACHED) });
    expect(summary.notified.messages).toBeGreaterThan(0);
    expect(cloud.dingtalk.messages).toHaveLength(summary.notified.messages);
  });

  it('fails loudly when the deadline left no time to reach anything', async () => {
    addUsers(3, 'NoTime', 200);
    await expect(run(clock.now() - 1, {})).rejects.toMatchObject({ name: 'ScanFailedError' });
    expect(starts.listUsers).toEqual([]);
    expect(cloud.dingtalk.messages).toHaveLength(1);
    expect((cloud.dingtalk.messages[0]?.body['markdown'] as { text: string }).text).toContain('scan FAILED');
  });
});

describe('pacing of a run', () => {
  it('keeps ActionTrail calls within ACTIONTRAIL_QPS and RAM calls within RAM_QPS over every one-second window, and is not slower than that', async () => {
    addUsers(36, 'Paced', undefined);
    const summary = await run(Number.POSITIVE_INFINITY, { RAM_QPS: '10' }, true);
    expect(summary.counts.keys).toBe(36);
    expect(summary.complete).toBe(true);
    expect(starts.lookUp).toHaveLength(36);
    expect(busiestSecond(starts.lookUp)).toBeLessThanOrEqual(20);
    expect(busiestSecond([...starts.listUsers, ...starts.listAccessKeys])).toBeLessThanOrEqual(10);
    // 37 RAM calls at 10 a second take 3.6 s; the look-ups keep up behind them.
    expect(clock.now() - Math.min(...starts.listUsers)).toBeLessThanOrEqual(3600 + 2 * LATENCY_MS + 100);
  });

  it('slows down when the cloud throttles, and still checks every key, each once in the verdicts', async () => {
    addUsers(30, 'Throttled', 10);
    // The cloud refuses a third of the look-ups (Throttling.User), whatever the rate.
    cloud.setFaults({ throttleRate: 0.3 });
    const summary = await run(Number.POSITIVE_INFINITY, {}, true);
    expect(summary.complete).toBe(true);
    expect(summary.counts).toMatchObject({ keys: 30, ok: 30, unknown: 0 });
    expect(summary.api.throttled).toBeGreaterThan(0);
    expect(busiestSecond(starts.lookUp)).toBeLessThanOrEqual(20);
    // Every key was looked up with success at least once (the log of the simulator says which calls succeeded).
    const answered = new Set(cloud.requestLog.filter((r) => r.action === 'actiontrail:GetAccessKeyLastUsedProducts' && r.status === 200).map((r) => r.params['AccessKey']));
    expect(answered.size).toBe(30);
    expect(cloud.requestLog.some((r) => r.code === 'Throttling.User')).toBe(true);
  });
});
