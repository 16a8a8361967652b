/**
 * `scan --accounts` end to end: main() with the real SDKs (Resource Manager ListAccounts and STS
 * AssumeRole on openapi-core, RAM, ActionTrail, GetCallerIdentity) over HTTP against the loopback
 * fake cloud and its organisation, which checks every signature and answers each member only to
 * its own STS keys. Quotas are asserted with the fake's per-account counters, not with timing.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OrganisationJson } from '../cli/accounts-report';
import { sessionNameFor } from '../cli/accounts-scan';
import { displayWidth } from '../cli/table';
import type { Summary } from '../functions/stale-key-detector/src/core/summary';
import type { Clock } from '../functions/stale-key-detector/src/pacing/clock';
import { clearSecretsForTests } from '../functions/stale-key-detector/src/redact';
import { buildAccount, DAY_MS, DEFAULT_CREDENTIALS, DEFAULT_DINGTALK, DEFAULT_MEMBER_ROLE, productUse, startFakeCloud, type FakeCloud, type FakeCloudOptions, type OrgAccount } from '../simulator';
import { addSimulatorMembers, SIMULATOR_ACCOUNT_ID, SIMULATOR_STATE_BUCKET, simulatorMemberId, simulatorStateEnv } from '../simulator/function-wiring';
import type { FakeCredential } from '../simulator/types';
import { type CliRun, cliEnv, runCli } from './helpers/cli-env';

/** Real time, instant back-off. */
const fastClock: Clock = { now: () => Date.now(), sleep: async () => {} };
const LOOKUP = 'actiontrail:GetAccessKeyLastUsedProducts';

let cloud: FakeCloud;
let home: string;
let members: OrgAccount[];

async function start(options: FakeCloudOptions = {}, count = 4): Promise<void> {
  cloud = await startFakeCloud(options);
  members = addSimulatorMembers(cloud, { count, users: 3, keysPerUser: 2, now: Date.now() });
}
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'skd-cli-accounts-'));
});
afterEach(async () => {
  await cloud.close();
  rmSync(home, { recursive: true, force: true });
});
afterAll(() => clearSecretsForTests());

type Run = CliRun;

const testEnv = (extra: Record<string, string | undefined> = {}): Record<string, string | undefined> => cliEnv(cloud, home, { RESOURCE_MANAGER_ENDPOINT: cloud.endpoint, ...extra });

const cli = (argv: string[], env: Record<string, string | undefined> = testEnv()): Promise<Run> => runCli(argv, env, home, fastClock);

async function jsonScan(argv: string[], env?: Record<string, string | undefined>): Promise<{ run: Run; org: OrganisationJson }> {
  const run = await cli(['scan', '--json', '--accounts', ...argv], env);
  return { run, org: JSON.parse(run.stdout) as OrganisationJson };
}

const ids = (org: OrganisationJson): string[] => org.accounts.map((a) => a.accountId);
const summaryOf = (org: OrganisationJson, accountId: string): Summary => {
  const entry = org.accounts.find((a) => a.accountId === accountId);
  if (entry === undefined || !('summary' in entry)) throw new Error(`no summary for ${accountId}`);
  return entry.summary;
};
/** The keys of a member, as the fake holds them. */
const keysOf = (member: OrgAccount): number => member.account.users.reduce((n, u) => n + u.keys.length, 0);
/** What a scanned account's exit code would be on its own. */
const expectedCode = (summaries: readonly Summary[]): number => (summaries.some((s) => !s.complete) ? 2 : summaries.some((s) => s.counts.stale > 0) ? 1 : 0);
/** The STS sessions AssumeRole issued (the fake's key store), whose secrets must never be printed. */
const sessions = (): FakeCredential[] => (cloud as unknown as { credentialStore: { list(): FakeCredential[] } }).credentialStore.list().filter((c) => c.accessKeyId.startsWith('STS.N'));

describe('scan --accounts resource-directory', () => {
  it('scans every member Resource Manager lists, each in its own account, and reports each', async () => {
    await start();
    const { run, org } = await jsonScan(['resource-directory']);
    expect(ids(org)).toEqual(members.map((m) => m.accountId));
    expect(org.accounts.map((a) => a.displayName)).toEqual(['member-01', 'member-02', 'member-03', 'member-04']);
    expect([org.scanned, org.notScanned, org.complete]).toEqual([4, 0, true]);
    const summaries = members.map((m) => summaryOf(org, m.accountId));
    for (const [i, member] of members.entries()) {
      const s = summaries[i] as Summary;
      expect([s.complete, s.dryRun, s.trigger, s.counts.keys]).toEqual([true, true, 'cli', keysOf(member)]);
      // Each member's RAM and ActionTrail answered that member's keys, to its own session.
      expect(cloud.statsOf(member.accountId).get(LOOKUP).requests).toBe(keysOf(member));
      expect(cloud.statsOf(member.accountId).get('ram:ListUsers').requests).toBe(1);
    }
    // The operator's own account listed and assumed, and scanned nothing of its own.
    const mgmt = cloud.statsOf(SIMULATOR_ACCOUNT_ID);
    expect([mgmt.get('resourcemanager:ListAccounts').requests, mgmt.get('sts:AssumeRole').successes, mgmt.get('ram:ListUsers').requests, mgmt.get(LOOKUP).requests]).toEqual([1, 4, 0, 0]);
    expect(run.code).toBe(expectedCode(summaries));
    expect(run.stderr).toBe('');
    // One state per member, in the member's own scope.
    const stateRoot = join(home, 'xdg-state', 'stale-key-detector');
    expect(readdirSync(stateRoot).sort()).toEqual(members.map((m) => m.accountId));
    for (const s of summaries) expect(s.state.savedGeneration).toBe(1);
    // Every session is named after the run.
    expect(sessions().map((c) => c.sessionName)).toEqual(Array(4).fill(sessions()[0]?.sessionName));
    expect(sessions()[0]?.sessionName).toMatch(/^skd-cli-\d{8}T\d{4}Z-[0-9a-f]{6}$/);
  });

  it('prints each account\'s report under its heading and the organisation\'s line, within 80 columns, no secret', async () => {
    await start();
    const run = await cli(['scan', '--accounts', 'resource-directory', '--all']);
    for (const member of members) expect(run.stdout).toContain(`=== Account ${member.displayName} (${member.accountId}) ===`);
    const headings = [...run.stdout.matchAll(/^=== Account .* \((\d+)\) ===$/gm)].map((m) => m[1]);
    expect(headings).toEqual(members.map((m) => m.accountId));
    expect(run.stdout).toContain('=== Organisation ===\n\n4 accounts scanned, 0 not scanned.\n');
    expect(run.stdout).toMatch(/every account was scanned and every key checked\.\n$/);
    for (const line of run.stdout.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(80);
    const printed = run.stdout + run.stderr;
    expect(sessions()).toHaveLength(4);
    for (const secret of [DEFAULT_CREDENTIALS.accessKeySecret, DEFAULT_CREDENTIALS.securityToken ?? '', ...sessions().flatMap((c) => [c.accessKeySecret, c.securityToken ?? ''])]) {
      expect(secret.length).toBeGreaterThan(10);
      expect(printed).not.toContain(secret);
    }
  });

  it('one member whose role cannot be assumed is not scanned, with the reason and the fix; the others complete; exit 2, never an all-clear', async () => {
    await start({}, 5);
    const broken = members[2] as OrgAccount;
    cloud.organisation.setAssumable(broken.accountId, DEFAULT_MEMBER_ROLE, false);
    const { run, org } = await jsonScan(['resource-directory']);
    expect(run.code).toBe(2);
    expect([org.scanned, org.notScanned, org.complete]).toEqual([4, 1, false]);
    expect(ids(org)).toEqual(members.map((m) => m.accountId));
    const failed = org.accounts[2];
    expect(failed).toEqual({ accountId: broken.accountId, displayName: 'member-03', error: { message: expect.stringContaining('STS AssumeRole failed: NoPermission'), fix: expect.stringMatching(/trust policy.*these credentials.*sts:AssumeRole/), code: 'NoPermission' } });
    for (const member of members.filter((m) => m !== broken)) expect(summaryOf(org, member.accountId).complete).toBe(true);
    expect(cloud.statsOf(broken.accountId).get('ram:ListUsers').requests).toBe(0);
    expect(run.stderr).toBe('error: 1 of 5 accounts not scanned; the organisation\'s result is incomplete\n');

    const table = await cli(['scan', '--accounts', 'resource-directory']);
    expect(table.code).toBe(2);
    expect(table.stdout).toContain(`=== Account member-03 (${broken.accountId}) ===\n\nNOT SCANNED: STS AssumeRole failed: NoPermission`);
    const tail = table.stdout.slice(table.stdout.indexOf('=== Organisation ==='));
    expect(tail).toMatch(/^=== Organisation ===\n\n4 accounts scanned, 1 not scanned:\n {2}member-03 \(1000000000000003\): STS AssumeRole failed: NoPermission/);
    expect(tail).toMatch(/\n {4}fix: these credentials may not assume the role/);
    expect(tail).toContain('INCOMPLETE: 1 account not scanned;');
    expect(tail).not.toMatch(/No stale access keys in any|every key checked/);
  });

  it('a member whose keys could not all be checked makes the organisation incomplete too', async () => {
    await start({}, 2);
    const key = (members[1] as OrgAccount).account.users[0]?.keys[0]?.accessKeyId as string;
    cloud.failKey(key, { kind: 'error', status: 400, code: 'InvalidParameter' });
    const { run, org } = await jsonScan(['resource-directory']);
    expect([run.code, org.scanned, org.notScanned, org.complete]).toEqual([2, 2, 0, false]);
    expect(summaryOf(org, (members[1] as OrgAccount).accountId).counts.unknown).toBe(1);
    expect(run.stderr).toBe('error: keys of 1 account not checked; the organisation\'s result is incomplete\n');
  });

  it('scans the management account with the operator\'s own credentials when ListAccounts lists it', async () => {
    await start({ account: buildAccount({ users: 2, keysPerUser: 1, now: Date.now(), seed: 9 }) }, 2);
    cloud.organisation.listManagementAccount = true;
    const { run, org } = await jsonScan(['resource-directory']);
    expect(ids(org)).toEqual([SIMULATOR_ACCOUNT_ID, ...members.map((m) => m.accountId)]);
    expect([org.scanned, org.notScanned, org.complete]).toEqual([3, 0, true]);
    expect(summaryOf(org, SIMULATOR_ACCOUNT_ID).counts.keys).toBe(2);
    expect(cloud.statsOf(SIMULATOR_ACCOUNT_ID).get('sts:AssumeRole').requests).toBe(2);
    expect(run.stderr).toBe('');
  });

  it('narrows with ACCOUNTS_INCLUDE and ACCOUNTS_EXCLUDE; an included id nobody lists is not scanned', async () => {
    await start();
    const [a, b, c] = members.map((m) => m.accountId) as [string, string, string];
    const included = await jsonScan(['resource-directory'], testEnv({ ACCOUNTS_INCLUDE: `${c},${a}` }));
    expect(ids(included.org)).toEqual([a, c]);
    const excluded = await jsonScan(['resource-directory'], testEnv({ ACCOUNTS_EXCLUDE: b }));
    expect(ids(excluded.org)).toEqual(members.map((m) => m.accountId).filter((id) => id !== b));
    expect(cloud.statsOf(b).get('ram:ListUsers').requests).toBe(0);
    const missing = await jsonScan(['resource-directory'], testEnv({ ACCOUNTS_INCLUDE: `${a},1999999999999999` }));
    expect(missing.run.code).toBe(2);
    expect(missing.org.accounts[1]).toEqual({ accountId: '1999999999999999', displayName: '1999999999999999', error: { message: 'ACCOUNTS_INCLUDE names it, but Resource Manager ListAccounts does not list it', fix: expect.stringContaining('ACCOUNTS_INCLUDE') } });
    const none = await cli(['scan', '--accounts', 'resource-directory'], testEnv({ ACCOUNTS_EXCLUDE: members.map((m) => m.accountId).join(',') }));
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: no account to scan: Resource Manager ListAccounts lists 4, and ACCOUNTS_INCLUDE and ACCOUNTS_EXCLUDE leave none\nfix: /);
  });

  it('uses each account\'s own quota side by side: the organisation makes more look-ups in one (frozen) second than one account may', async () => {
    // The fake's rate windows never move: each account may make exactly 6 look-ups in all.
    await start({ now: () => 7_000_000, qps: { [LOOKUP]: 6 } }, 3);
    const { run, org } = await jsonScan(['resource-directory', '--account-concurrency', '3']);
    expect([run.code === 2, org.complete]).toEqual([false, true]);
    for (const member of members) expect(cloud.statsOf(member.accountId).get(LOOKUP)).toMatchObject({ requests: 6, successes: 6, throttled: 0 });
    expect(cloud.stats.get(LOOKUP)).toMatchObject({ successes: 18, throttled: 0 });
  });

  it('--account-concurrency bounds the accounts in flight: one at a time, each role assumed after the previous account\'s look-ups; three at once, every role before any look-up', async () => {
    await start({ recordRequests: true }, 3);
    const order = (): string[] => cloud.requestLog.map((e) => e.action).filter((a) => a === 'sts:AssumeRole' || a === LOOKUP).map((a) => (a === LOOKUP ? 'L' : 'A'));
    const one = await jsonScan(['resource-directory', '--account-concurrency', '1', '--no-state']);
    expect(one.org.complete).toBe(true);
    const perAccount = members.map((m) => 'A' + 'L'.repeat(keysOf(m)));
    expect(order().join('')).toBe(perAccount.join(''));
    cloud.requestLog.length = 0;
    await jsonScan(['resource-directory', '--account-concurrency', '3', '--no-state']);
    expect(order().slice(0, 3)).toEqual(['A', 'A', 'A']);
  });
});

describe('scan --accounts with a JSON list', () => {
  it('scans the accounts listed, with their own roles and names, without Resource Manager', async () => {
    await start();
    const reader = cloud.addMemberAccount({ accountId: simulatorMemberId(9), displayName: 'ignored', account: buildAccount({ users: 1, keysPerUser: 1, now: Date.now(), seed: 5 }), roles: [{ name: 'StaleKeyReader', allowedActions: ['ram:ListUsers', 'ram:ListAccessKeys', LOOKUP, 'sts:GetCallerIdentity'] }] });
    const list = [{ accountId: reader.accountId, roleArn: `acs:ram::${reader.accountId}:role/StaleKeyReader`, displayName: 'prod' }, { accountId: (members[1] as OrgAccount).accountId }];
    const { run, org } = await jsonScan([JSON.stringify(list)]);
    expect(org.accounts.map((a) => [a.accountId, a.displayName, 'summary' in a])).toEqual([
      [reader.accountId, 'prod', true],
      [(members[1] as OrgAccount).accountId, (members[1] as OrgAccount).accountId, true],
    ]);
    expect(summaryOf(org, reader.accountId).counts.keys).toBe(1);
    expect(cloud.stats.get('resourcemanager:ListAccounts').requests).toBe(0);
    expect(run.code).toBe(expectedCode([summaryOf(org, reader.accountId), summaryOf(org, (members[1] as OrgAccount).accountId)]));

    // ACCOUNT_ROLE_NAME for those without a roleArn: a role the member lacks is not scanned, with the fix.
    const other = await jsonScan([JSON.stringify([{ accountId: (members[0] as OrgAccount).accountId }])], testEnv({ ACCOUNT_ROLE_NAME: 'StaleKeyReader' }));
    expect(other.run.code).toBe(2);
    expect(other.org.accounts[0]).toMatchObject({ error: { code: 'EntityNotExist.Role', fix: expect.stringContaining('create the role there') } });
  });
});

describe('scan --accounts keeps a state per account', () => {
  it('in OSS, with the operator\'s credentials (a read-only member role needs no grant on it), one scope per account; the next scan loads each', async () => {
    await start({}, 1);
    const reader = cloud.addMemberAccount({ accountId: simulatorMemberId(9), displayName: 'reader', account: buildAccount({ users: 2, keysPerUser: 2, now: Date.now(), seed: 3 }), roles: [{ name: 'StaleKeyReader', allowedActions: ['ram:ListUsers', 'ram:ListAccessKeys', LOOKUP] }] });
    const list = JSON.stringify([{ accountId: reader.accountId, roleArn: `acs:ram::${reader.accountId}:role/StaleKeyReader` }, { accountId: (members[0] as OrgAccount).accountId }]);
    const env = testEnv(simulatorStateEnv(cloud, 'org'));
    const first = await jsonScan([list], env);
    expect(first.org.complete).toBe(true);
    for (const a of first.org.accounts) expect('summary' in a && a.summary.state).toMatchObject({ where: `oss://${SIMULATOR_STATE_BUCKET}/org/`, loaded: false, savedGeneration: 1 });
    const second = await jsonScan([list], env);
    for (const a of second.org.accounts) expect('summary' in a && a.summary.state).toMatchObject({ loaded: true, why: null, savedGeneration: 2 });
    // Each account's state lies in its own scope (a foreign scope would not load).
    expect(cloud.statsOf(reader.accountId).get('oss:PutObject').requests).toBe(0);
  });
});

describe('scan --accounts --notify', () => {
  beforeEach(() => start({}, 3));
  const notifyEnv = (): Record<string, string | undefined> => testEnv({ DINGTALK_WEBHOOK_URL: cloud.dingtalkWebhookUrl, DINGTALK_SECRET: DEFAULT_DINGTALK.secret });
  const newlyStale = (org: OrganisationJson): string[] => org.accounts.flatMap((a) => ('summary' in a ? a.summary.newlyStale : []));
  const posted = () => cloud.dingtalk.messages.map((m) => m.body['markdown'] as { title: string; text: string });
  /** After a first scan kept the states: a key of member-01, unused for 200 days, appears: a new stale episode. */
  async function newStaleKey(): Promise<string> {
    await jsonScan(['resource-directory'], notifyEnv());
    const member = members[0] as OrgAccount;
    const accessKeyId = 'LTAI5tNewlyStaleKey00001';
    member.account.addKey(member.account.users[0]?.userName ?? '', { accessKeyId, status: 'Active', createDate: Date.now() - 400 * DAY_MS, products: [productUse('Ecs', Date.now() - 200 * DAY_MS)] });
    return accessKeyId;
  }

  it('posts one digest grouped by account after the reports, and marks what it alerted delivered in each account\'s state', async () => {
    const key = await newStaleKey();
    const run = await cli(['scan', '--accounts', 'resource-directory', '--notify'], notifyEnv());
    expect(run.stdout).toMatch(/=== Account member-01 \(\d+\) ===[\s\S]*\nPosted 1 message to DingTalk\.\n$/);
    const [digest, ...rest] = posted();
    expect(rest).toHaveLength(0);
    expect(digest?.title).toMatch(/^RAM key digest .*, 3 accounts, \d+ stale$/);
    for (const m of members) expect(digest?.text).toContain(`${m.displayName} (\`${m.accountId}\`)`);
    expect(digest?.text).toContain(key);
    // Delivered: the next scan has no episode left to tell, though keys are still stale.
    const next = await jsonScan(['resource-directory'], notifyEnv());
    expect(summaryOf(next.org, (members[0] as OrgAccount).accountId).counts.stale).toBeGreaterThan(0);
    expect(newlyStale(next.org)).toEqual([]);
  });

  it('--json posts first, so that notified.messages is what DingTalk took; without --notify nothing is posted or marked', async () => {
    const key = await newStaleKey();
    const quiet = await jsonScan(['resource-directory'], notifyEnv());
    expect(quiet.org).not.toHaveProperty('notified');
    expect(newlyStale(quiet.org)).toEqual([key]);
    expect(cloud.dingtalk.messages).toHaveLength(0);
    const { run, org } = await jsonScan(['resource-directory', '--notify'], notifyEnv());
    expect(org.notified).toEqual({ messages: cloud.dingtalk.messages.length });
    expect(newlyStale(org)).toEqual([key]);
    expect(run.code).toBe(expectedCode(org.accounts.flatMap((a) => ('summary' in a ? [a.summary] : []))));
  });

  it('a DingTalk refusal is said after the reports, the failure alert goes out, exit 2, and nothing is marked delivered', async () => {
    const key = await newStaleKey();
    cloud.dingtalk.failNext(1, 310000, 'keywords not in content');
    const run = await cli(['scan', '--accounts', 'resource-directory', '--notify'], notifyEnv());
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('=== Account member-03');
    expect(run.stdout).not.toContain('Posted');
    expect(run.stderr).toMatch(/^error: the organisation's report could not be posted to DingTalk: DingTalk refused the message: errcode 310000/);
    expect(posted().map((m) => m.text)).toEqual([expect.stringContaining('could not be posted')]);
    const next = await jsonScan(['resource-directory'], notifyEnv());
    expect(newlyStale(next.org)).toEqual([key]);
  });
});

describe('scan --accounts refuses', () => {
  beforeEach(() => start({}, 1));

  it.each([
    [['--account-concurrency', '3'], /^error: --account-concurrency: applies to --accounts only/],
    [['--accounts', 'everything'], /^error: --accounts: must be resource-directory/],
    [['--accounts', '[{"accountId": 1000000000000001}]'], /^error: --accounts\[0\]\.accountId: must be a string of digits: quote it/],
    [['--accounts', '[{"accountId": "1", "roleArn": "acs:ram::2:role/R"}]'], /^error: --accounts\[0\]\.roleArn: is a role of account 2, not of 1/],
    [['--accounts', ''], /^error: --accounts: needs resource-directory or a JSON list/],
    [['--accounts', 'resource-directory', '--account-concurrency', '0'], /^error: --account-concurrency: must be from 1 to 100/],
    [['--accounts', 'resource-directory', '--state', '/proc/no-such/dir'], /^error: --state: cannot keep the state in \/proc\/no-such\/dir/],
  ])('scan %j', async (argv, message) => {
    const run = await cli(['scan', ...argv], testEnv({ DINGTALK_WEBHOOK_URL: cloud.dingtalkWebhookUrl }));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(cloud.stats.get('sts:AssumeRole').requests + cloud.stats.get('resourcemanager:ListAccounts').requests).toBe(0);
  });

  it('a companion variable\'s error names it', async () => {
    const run = await cli(['scan', '--accounts', 'resource-directory'], testEnv({ ACCOUNTS_INCLUDE: 'prod' }));
    expect([run.code, run.stderr]).toEqual([2, 'error: ACCOUNTS_INCLUDE: "prod" is not an account id (digits); give a comma-separated list\n']);
  });

  it('fails the whole scan, with the fix, when Resource Manager does not list (a member\'s credentials)', async () => {
    cloud.addCredential({ accessKeyId: 'LTAImemberUser000001', accessKeySecret: 'member-user-secret-value', accountId: (members[0] as OrgAccount).accountId });
    const run = await cli(['scan', '--accounts', 'resource-directory'], testEnv({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAImemberUser000001', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'member-user-secret-value', ALIBABA_CLOUD_SECURITY_TOKEN: undefined }));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: ResourceManager ListAccounts failed: EntityNotExists\.ResourceDirectory[^\n]*\nfix: [^\n]*use credentials of the management account/);
  });

  it('ignores ACCOUNTS in the environment: that is the function\'s, and a plain scan stays one account\'s', async () => {
    const run = await cli(['scan', '--json', '--no-state'], testEnv({ ACCOUNTS: 'resource-directory', ACCOUNTS_INCLUDE: 'not checked here' }));
    expect(run.stderr).toBe('');
    expect((JSON.parse(run.stdout) as Summary).trigger).toBe('cli');
    expect(cloud.stats.get('sts:AssumeRole').requests).toBe(0);
  });
});

describe('sessionNameFor', () => {
  it('is a valid RoleSessionName naming the run', () => {
    expect(sessionNameFor(Date.UTC(2026, 11, 1, 9, 5, 59), 'cli:1a2b3c4d-0000-4000-8000-000000000000')).toBe('skd-cli-20261201T0905Z-1a2b3c');
    expect(sessionNameFor(Date.now(), 'cli:ffffffff')).toMatch(/^[\w.@-]{2,32}$/);
  });
});
