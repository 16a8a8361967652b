/**
 * The incremental state through the real handler: the real ali-oss client keeps it in the
 * simulator's OSS, which checks its signature and STS token. The rules themselves (equal verdicts,
 * every episode once, overlapping runs) are proved over generated accounts in
 * test/incremental.property.test.ts.
 */
import { handleInvocation } from '../functions/stale-key-detector/src/handler';
import { createLogger } from '../functions/stale-key-detector/src/logger';
import type { Summary } from '../functions/stale-key-detector/src/core/summary';
import { DEFAULT_CREDENTIALS, DEMO_KEY_IDS, demoAccount, HOUR_MS, startFakeCloud, type FakeCloud } from '../simulator';
import { fcContext, SIMULATOR_ACCOUNT_ID, SIMULATOR_STATE_BUCKET, simulatorEnv, simulatorStateEnv, accountSummaryOf } from '../simulator/function-wiring';

/** Two hours ago, on the hour: the runs at T and T + 1 h are both timer runs FC could send now. */
const T = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 2 * HOUR_MS;
const timer = (at: number) => JSON.stringify({ triggerTime: new Date(at).toISOString(), triggerName: 'hourly-scan', payload: '' });
const FOLDER = `stale-key-detector/${SIMULATOR_ACCOUNT_ID}/cn-hangzhou/`;

let cloud: FakeCloud;
let logs: string[];
beforeEach(async () => {
  logs = [];
  cloud = await startFakeCloud({ account: demoAccount(T) });
});
afterEach(async () => {
  await cloud.close();
});

function invoke(event: string, env: Record<string, string> = simulatorStateEnv(cloud)): Promise<Summary> {
  return handleInvocation(Buffer.from(event), fcContext(), {
    env: simulatorEnv(cloud, { RAM_QPS: '10000', ACTIONTRAIL_QPS: '10000', REPORT_TIMEZONE: 'UTC', DIGEST_HOUR: String((new Date(T).getUTCHours() + 12) % 24), ...env }),
    clock: { now: () => Date.now(), sleep: async () => {} },
    logger: createLogger({ level: 'debug', sink: (line) => logs.push(line) }),
  }).then(accountSummaryOf);
}

const verdicts = (s: Summary) => ({ counts: { ...s.counts, newlyStale: 0 }, stale: s.stale.map((k) => k.accessKeyId).sort(), unknown: s.unknown.map((k) => k.accessKeyId).sort() });
const stateObjects = (): string[] => cloud.objects.keys(SIMULATOR_STATE_BUCKET).sort();

describe('the state in OSS', () => {
  it('lets the next hourly run look up only what can have changed, with the verdicts of a full scan', async () => {
    const first = await invoke(timer(T));
    expect(first.state).toMatchObject({ where: `oss://${SIMULATOR_STATE_BUCKET}/stale-key-detector/`, loaded: false, keysFromState: 0, savedGeneration: 1 });
    expect(first.state.why).toMatch(/no state/);
    // Without a state, the window rule: the two keys that crossed in the hour before T.
    expect([...first.newlyStale].sort()).toEqual([DEMO_KEY_IDS.backupCrossed, DEMO_KEY_IDS.zhaoMinCrossed].sort());
    expect(stateObjects()).toEqual([`${FOLDER}g000000001.json.br`, `${FOLDER}head.json`]);

    const posted = cloud.dingtalk.messages.length;
    const second = await invoke(timer(T + HOUR_MS));
    expect(second.state).toMatchObject({ loaded: true, why: null, savedGeneration: 2 });
    expect(second.state.keysLookedUp + second.state.keysFromState).toBe(second.counts.keys);
    expect(second.state.keysFromState).toBeGreaterThan(0);
    // The crossings were delivered by the first run: nothing new to say, nothing posted.
    expect(second.newlyStale).toEqual([]);
    expect(cloud.dingtalk.messages).toHaveLength(posted);

    const full = await invoke(timer(T + HOUR_MS), {});
    expect(full.state).toMatchObject({ where: null, loaded: false, keysFromState: 0 });
    expect(full.state.keysLookedUp).toBe(full.counts.keys);
    expect(verdicts(second)).toEqual(verdicts(full));
  });

  it('signs every state request with the role\'s STS token and keeps every secret out of the stored state', async () => {
    await invoke(timer(T));
    expect(cloud.ossRequests.length).toBeGreaterThan(0);
    for (const r of cloud.ossRequests) {
      expect(r.headers['x-oss-security-token']).toBe(DEFAULT_CREDENTIALS.securityToken);
      expect(r.status).toBeLessThan(500);
    }
    const { brotliDecompressSync } = await import('node:zlib');
    const stored = brotliDecompressSync(cloud.objects.get(SIMULATOR_STATE_BUCKET, `${FOLDER}g000000001.json.br`) ?? Buffer.alloc(0)).toString('utf8');
    expect(stored).toContain(DEMO_KEY_IDS.zhaoMinCrossed);
    for (const secret of [DEFAULT_CREDENTIALS.accessKeySecret, DEFAULT_CREDENTIALS.securityToken ?? '']) {
      expect(stored).not.toContain(secret);
      expect(logs.join('\n')).not.toContain(secret);
    }
  });

  it('alerts a re-enabled stale key once, though the window rule never would', async () => {
    cloud.account.getKey(DEMO_KEY_IDS.exEmployee)!.status = 'Inactive';
    await invoke(timer(T));
    cloud.account.getKey(DEMO_KEY_IDS.exEmployee)!.status = 'Active';
    const second = await invoke(timer(T + HOUR_MS));
    expect(second.newlyStale).toEqual([DEMO_KEY_IDS.exEmployee]);
    const alert = cloud.dingtalk.messages.at(-1)?.body['markdown'] as { title: string; text: string };
    expect(alert.text).toContain('not alerted before');
    const third = await invoke(timer(T + 2 * HOUR_MS));
    expect(third.newlyStale).toEqual([]);
    // The stateless window rule is silent about it in every one of these runs.
    expect((await invoke(timer(T + HOUR_MS), {})).newlyStale).not.toContain(DEMO_KEY_IDS.exEmployee);
  });

  it('scans in full when the state is corrupt, says so in the report, and writes a fresh state', async () => {
    await invoke(timer(T));
    cloud.objects.put(SIMULATOR_STATE_BUCKET, `${FOLDER}g000000001.json.br`, 'not brotli at all');
    const second = await invoke(JSON.stringify({ report: 'full' }));
    expect(second.state).toMatchObject({ loaded: false, keysFromState: 0, savedGeneration: 2 });
    expect(second.state.why).toMatch(/^corrupt: /);
    const digest = cloud.dingtalk.messages.at(-1)?.body['markdown'] as { text: string };
    expect(digest.text).toContain('Full scan: the state could not be used (corrupt');
    // Window rule, no flood: the old stale keys are not alerted as new.
    expect(second.newlyStale).toEqual([]);
    const third = await invoke(JSON.stringify({ report: 'changes' }));
    expect(third.state).toMatchObject({ loaded: true, savedGeneration: 3 });
    expect(third.newlyStale).toEqual([]);
  });

  it('never writes the state on a dry run or a run under another threshold', async () => {
    await invoke(timer(T));
    const before = stateObjects().map((k) => cloud.objects.get(SIMULATOR_STATE_BUCKET, k)?.toString('base64'));
    const dry = await invoke(JSON.stringify({ dryRun: true }));
    const lowered = await invoke(JSON.stringify({ staleAfterDays: 30 }));
    expect([dry.state.savedGeneration, lowered.state.savedGeneration]).toEqual([null, null]);
    expect([dry.state.loaded, lowered.state.loaded]).toEqual([true, true]);
    expect(stateObjects().map((k) => cloud.objects.get(SIMULATOR_STATE_BUCKET, k)?.toString('base64'))).toEqual(before);
  });

  it('posts a failure alert and fails the run when the state cannot be saved', async () => {
    const error = await invoke(timer(T), { STATE_URL: 'oss://no-such-bucket/x', STATE_OSS_ENDPOINT: cloud.endpoint }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/state could not be saved/);
    const titles = cloud.dingtalk.messages.map((m) => (m.body['markdown'] as { title: string }).title);
    expect(titles.at(-1)).toBe('RAM key scan FAILED');
    // The report itself was posted first: the crossings were not held back by the state.
    expect(titles.some((t) => /turned stale/.test(t))).toBe(true);
  });
});
