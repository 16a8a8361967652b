/**
 * An organisation's run end to end (issue 12): the coordinator (a timer or manual run with
 * ACCOUNTS set) lists the directory, invokes this same handler once per member through the real
 * FC client (@alicloud/fc2 at 2023-03-30) on the simulator, whose InvokeFunction runs the real
 * handler as the worker; the workers assume the members' roles and scan them; the coordinator
 * posts one report grouped by account.
 */
import { randomUUID } from 'node:crypto';
import type { OrganisationSummary } from '../functions/stale-key-detector/src/coordinator';
import { handleInvocation } from '../functions/stale-key-detector/src/handler';
import { silentLogger } from '../functions/stale-key-detector/src/logger';
import type { Clock } from '../functions/stale-key-detector/src/pacing/clock';
import { scanDeadline } from '../functions/stale-key-detector/src/pacing/deadline';
import { DEFAULT_CREDENTIALS, FakeAccount, HOUR_MS, startFakeCloud, type FakeCloud } from '../simulator';
import { addSimulatorMembers, fcContext, organisationSummaryOf, SIMULATOR_STATE_BUCKET, simulatorMemberId, simulatorOrganisationEnv, simulatorStateEnv } from '../simulator/function-wiring';

const NOW = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
const clock = { now: () => Date.now(), sleep: async () => {} };
let cloud: FakeCloud;
let env: Record<string, string>;

/** A fresh organisation of `members` members in `cloud`, whose FC runs the real handler for every invocation: the coordinator's workers are this function. */
async function organisation(members: number, users: number): Promise<void> {
  cloud = await startFakeCloud({ account: new FakeAccount() });
  addSimulatorMembers(cloud, { count: members, users, keysPerUser: 2, now: NOW });
  env = simulatorOrganisationEnv(cloud, { RAM_QPS: '10000', ACTIONTRAIL_QPS: '10000' });
  cloud.setFcHandler(async (_name, body) => ({ result: await handleInvocation(body, fcContext({ requestId: randomUUID() }), { env, clock, logger: silentLogger }) }));
}

beforeEach(() => organisation(3, 5));
afterEach(async () => {
  await cloud.close();
});

async function coordinate(event: object, coordinatorClock: Clock = clock): Promise<OrganisationSummary> {
  return organisationSummaryOf(await handleInvocation(Buffer.from(JSON.stringify(event)), fcContext(), { env, clock: coordinatorClock, logger: silentLogger }));
}

/**
 * One account at a time (ACCOUNT_CONCURRENCY=1), and after member 2's worker answers, the
 * coordinator's clock jumps to `leftMs` before its deadline and stays there, so that how long the
 * machine takes to get to member 3 does not matter (the workers keep the real clock). Member 3's
 * worker never answers until the test ends. Returns the run's summary.
 */
async function lateWave(leftMs: number): Promise<OrganisationSummary> {
  env['ACCOUNT_CONCURRENCY'] = '1';
  let frozenAt: number | undefined;
  const started = Date.now();
  // The coordinator's deadline, as the handler sets it from FC's timeout (fcContext: 900 s).
  const deadline = scanDeadline(started, 900);
  let release = (): void => {};
  const hung = new Promise<void>((resolve) => {
    release = resolve;
  });
  cloud.setFcHandler(async (_name, body) => {
    const accountId = (JSON.parse(body.toString('utf8')) as { accountScan: { accountId: string } }).accountScan.accountId;
    if (accountId === simulatorMemberId(3)) {
      await hung;
      return { error: { errorMessage: 'ended by the test', errorType: 'Error' } };
    }
    const result = await handleInvocation(body, fcContext({ requestId: randomUUID() }), { env, clock, logger: silentLogger });
    if (accountId === simulatorMemberId(2)) frozenAt = deadline - leftMs;
    return { result };
  });
  try {
    return await coordinate({ report: 'full' }, { now: () => frozenAt ?? Date.now(), sleep: async () => {} });
  } finally {
    release();
  }
}

const posted = () => cloud.dingtalk.messages.map((m) => m.body['markdown'] as { title: string; text: string });

describe('an organisation run', () => {
  it('scans every member through one worker invocation each and posts one digest grouped by account', async () => {
    const summary = await coordinate({ report: 'full' });
    expect(summary.totals).toMatchObject({ accounts: 3, scanned: 3, notScanned: 0, keys: 30, complete: true });
    expect(summary.accounts.map((a) => a.accountId)).toEqual([1, 2, 3].map(simulatorMemberId));
    expect(cloud.fcInvocations).toHaveLength(3);
    for (const i of [1, 2, 3]) expect(cloud.statsOf(simulatorMemberId(i)).get('actiontrail:GetAccessKeyLastUsedProducts').successes).toBe(10);
    const [digest, ...rest] = posted();
    expect(rest).toHaveLength(0);
    expect(digest?.title).toMatch(/^RAM key digest .*, 3 accounts, \d+ stale$/);
    for (const i of [1, 2, 3]) expect(digest?.text).toContain(`member-0${i}`);
    expect(summary.totals.stale).toBe(summary.accounts.reduce((n, a) => n + ('summary' in a ? a.summary.counts.stale : 0), 0));
  });

  it('lists a member whose role cannot be assumed as not scanned, with the reason, and never calls the organisation clear', async () => {
    cloud.organisation.setAssumable(simulatorMemberId(2), 'ResourceDirectoryAccountAccessRole', false);
    const summary = await coordinate({ report: 'full' });
    expect(summary.totals).toMatchObject({ accounts: 3, scanned: 2, notScanned: 1, complete: false });
    const failed = summary.accounts.find((a) => a.accountId === simulatorMemberId(2));
    expect(failed && 'error' in failed ? failed.error.message : '').toMatch(/AssumeRole/);
    const [digest] = posted();
    expect(digest?.title).toMatch(/1 account NOT SCANNED/);
    expect(digest?.text).toMatch(/Incomplete: 1 account NOT SCANNED/);
    expect(digest?.text).not.toMatch(/all clear/i);
    // Redacted where each part was made: nothing secret in the summary or the message.
    const secrets = [DEFAULT_CREDENTIALS.accessKeySecret, DEFAULT_CREDENTIALS.securityToken ?? '', cloud.dingtalk.accessToken];
    for (const secret of secrets) expect(JSON.stringify(summary) + (digest?.text ?? '')).not.toContain(secret);
  });

  it("the issue's case: of 20 members, one whose role cannot be assumed is named in the digest with the reason, the 19 others complete, and the run is not called clean", async () => {
    await cloud.close();
    await organisation(20, 2);
    const refused = simulatorMemberId(7);
    cloud.organisation.setAssumable(refused, 'ResourceDirectoryAccountAccessRole', false);
    const summary = await coordinate({ report: 'full' });
    expect(summary.totals).toMatchObject({ accounts: 20, scanned: 19, notScanned: 1, complete: false });
    for (const a of summary.accounts) {
      if (a.accountId === refused) expect('error' in a && a.error.message).toMatch(/AssumeRole failed: NoPermission/);
      else expect('summary' in a && a.summary.complete).toBe(true);
    }
    const [digest, ...rest] = posted();
    expect(rest).toHaveLength(0);
    expect(digest?.title).toMatch(/, 20 accounts: 1 account NOT SCANNED, \d+ stale$/);
    // The account's entry: its name and id, the reason and the fix.
    const entry = digest?.text.split('#### ').find((e) => e.startsWith(`member-07 (\`${refused}\`)`)) ?? '';
    expect(entry).toMatch(/^member-07 \(`\d+`\): \*\*NOT SCANNED\*\*/);
    expect(entry).toMatch(/- why: STS AssumeRole failed: NoPermission/);
    expect(entry).toMatch(/- what to do: .*trust policy/);
    expect(digest?.text).not.toMatch(/all clear/i);
  });

  it('lists a member whose worker does not answer by the run\'s deadline as not scanned, and still reports the others', async () => {
    // A late wave's invocation waits only for what is left of the run (1.5 s here), not a whole run's time.
    const summary = await lateWave(1_500);
    expect(summary.totals).toMatchObject({ accounts: 3, scanned: 2, notScanned: 1, complete: false });
    const failed = summary.accounts.find((a) => a.accountId === simulatorMemberId(3));
    expect(failed && 'error' in failed ? failed.error : undefined).toEqual({ message: expect.stringMatching(/^its worker did not answer within [12] s, by the run's deadline$/), fix: expect.stringContaining('ACCOUNT_CONCURRENCY') });
    expect(cloud.fcInvocations).toHaveLength(3);
    const [digest, ...rest] = posted();
    expect(rest).toHaveLength(0);
    expect(digest?.text).toMatch(/Incomplete: 1 account NOT SCANNED/);
    expect(digest?.text).toContain('did not answer');
  });

  it('does not invoke a worker when the run\'s deadline has passed before its account\'s turn', async () => {
    const summary = await lateWave(-1_000);
    expect(summary.totals).toMatchObject({ accounts: 3, scanned: 2, notScanned: 1, complete: false });
    const failed = summary.accounts.find((a) => a.accountId === simulatorMemberId(3));
    expect(failed && 'error' in failed ? failed.error.message : '').toMatch(/^not started: the run reached its deadline/);
    expect(cloud.fcInvocations).toHaveLength(2);
  });

  it('fails with a failure alert when Resource Manager cannot list the accounts', async () => {
    cloud.failNext('ListAccounts', 1, { kind: 'error', status: 404, code: 'EntityNotExists.ResourceDirectory' });
    await expect(coordinate({ report: 'full' })).rejects.toThrow(/ListAccounts/);
    expect(posted().map((m) => m.title)).toEqual(['RAM key scan FAILED']);
    expect(cloud.fcInvocations).toHaveLength(0);
  });
});

describe('an organisation run with a state', () => {
  const T = NOW - 2 * HOUR_MS;
  const timer = (at: number) => ({ triggerTime: new Date(at).toISOString(), triggerName: 'hourly-scan', payload: '' });

  it('keeps one state per member, looks up less the next hour, and alerts a re-enabled stale key once', async () => {
    Object.assign(env, simulatorStateEnv(cloud));
    const first = await coordinate(timer(T));
    expect(first.totals.scanned).toBe(3);
    for (const i of [1, 2, 3]) expect(cloud.objects.keys(SIMULATOR_STATE_BUCKET).some((k) => k.includes(`/${simulatorMemberId(i)}/cn-hangzhou/g`))).toBe(true);

    // A stale key of member 1, disabled at the first run, is enabled again before the second.
    const member = cloud.memberAccounts().find((m) => m.accountId === simulatorMemberId(1));
    const stale = first.accounts.flatMap((a) => (a.accountId === simulatorMemberId(1) && 'summary' in a ? a.summary.stale : []))[0];
    if (member === undefined || stale === undefined) throw new Error('member 1 has no stale key to re-enable');
    const key = member.account.getKey(stale.accessKeyId);
    if (key === undefined) throw new Error('no such key');
    key.status = 'Inactive';
    await coordinate(timer(T));
    key.status = 'Active';

    const second = await coordinate(timer(T + HOUR_MS));
    const secondOf1 = second.accounts.find((a) => a.accountId === simulatorMemberId(1));
    if (secondOf1 === undefined || !('summary' in secondOf1)) throw new Error('member 1 not scanned');
    expect(secondOf1.summary.state.loaded).toBe(true);
    expect(secondOf1.summary.state.keysFromState).toBeGreaterThan(0);
    expect(secondOf1.summary.newlyStale).toEqual([stale.accessKeyId]);
    expect(posted().at(-1)?.text).toContain(stale.accessKeyId);

    // Delivered: the coordinator marked it, so the next hour is silent about it.
    const third = await coordinate(timer(T + 2 * HOUR_MS));
    expect(third.accounts.flatMap((a) => ('summary' in a ? a.summary.newlyStale : []))).not.toContain(stale.accessKeyId);
  });
});
