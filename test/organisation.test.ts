/**
 * An organisation on the simulator, through the real SDK clients over HTTP: Resource Manager
 * ListAccounts (@alicloud/resourcemanager20200331) and STS AssumeRole (@alicloud/sts20150401), both
 * on openapi-core and ACS3-signed, through the adapters (adapters/resource-manager.ts,
 * adapters/assume-role.ts); the assumed credentials then drive the real RAM and ActionTrail
 * adapters and GetCallerIdentity, which must answer from the member and only from it. Quotas are
 * per account: asserted with the simulator's per-account counters on a frozen clock, not timing.
 */
import * as $ResourceManager from '@alicloud/resourcemanager20200331';
import { ActionTrailAdapter, createActionTrailClient } from '../functions/stale-key-detector/src/adapters/actiontrail';
import {
  AssumeRoleAdapter,
  assumeRoleProblem,
  createStsClient,
  memberRoleArn,
  parseRoleArn,
  type AssumedRoleCredentials,
} from '../functions/stale-key-detector/src/adapters/assume-role';
import { getCallerIdentity } from '../functions/stale-key-detector/src/adapters/caller-identity';
import type { CloudCredentials } from '../functions/stale-key-detector/src/adapters/credentials';
import { createRamClient, RamAdapter } from '../functions/stale-key-detector/src/adapters/ram';
import { createResourceManagerClient, LIST_ACCOUNTS_PAGE_SIZE, ResourceManagerAdapter } from '../functions/stale-key-detector/src/adapters/resource-manager';
import { toCloudApiError } from '../functions/stale-key-detector/src/adapters/sdk-error';
import { DEFAULT_TIMEOUTS } from '../functions/stale-key-detector/src/adapters/timeouts';
import { cloudFix, dispositionOf } from '../functions/stale-key-detector/src/errors/error-codes';
import { clearSecretsForTests, redact } from '../functions/stale-key-detector/src/redact';
import { buildAccount, DEFAULT_MEMBER_ROLE, FakeAccount, productUse, type FakeCloud, type OrgAccount } from '../simulator';
import { addSimulatorMembers, SIMULATOR_ACCOUNT_ID, simulatorCredentials, simulatorMemberId } from '../simulator/function-wiring';
import { cloudApiRejection, cloudsClosedAfterEach } from './helpers/clouds';

const start = cloudsClosedAfterEach();
afterAll(() => clearSecretsForTests());

const endpoint = (cloud: FakeCloud): URL => new URL(cloud.endpoint);
const resourceManager = (cloud: FakeCloud, creds: CloudCredentials = simulatorCredentials) => new ResourceManagerAdapter(createResourceManagerClient(creds, endpoint(cloud), DEFAULT_TIMEOUTS));
const sts = (cloud: FakeCloud, creds: CloudCredentials = simulatorCredentials) => new AssumeRoleAdapter(createStsClient(creds, endpoint(cloud), DEFAULT_TIMEOUTS));
const ram = (cloud: FakeCloud, creds: CloudCredentials) => new RamAdapter(createRamClient(creds, endpoint(cloud), DEFAULT_TIMEOUTS));
const trail = (cloud: FakeCloud, creds: CloudCredentials) => new ActionTrailAdapter(createActionTrailClient(creds, endpoint(cloud)), DEFAULT_TIMEOUTS);

const rejection = cloudApiRejection;

/** Assumes the Resource Directory's role in a member, with the management account's (the function's) credentials. */
const assume = (cloud: FakeCloud, accountId: string, sessionName = 'stale-key-detector'): Promise<AssumedRoleCredentials> =>
  sts(cloud).assumeRole({ roleArn: memberRoleArn(accountId), sessionName });

/** A small member: its own users, one key each, with a use ActionTrail knows. */
function memberAccount(prefix: string, now: number): FakeAccount {
  const account = new FakeAccount();
  for (const name of ['ops', 'ci']) {
    account.addUser({ userName: `${prefix}-${name}` });
    account.addKey(`${prefix}-${name}`, { accessKeyId: `LTAI${prefix}${name}Key0000`, products: [productUse('Ecs', now - 86_400_000)] });
  }
  return account;
}

describe('Resource Manager ListAccounts', () => {
  it('pages with PageNumber and PageSize (default 10, at most 100) and TotalCount, through the SDK as sent', async () => {
    const cloud = await start();
    addSimulatorMembers(cloud, { count: 23, users: 0, keysPerUser: 0, now: Date.now() });
    const client = createResourceManagerClient(simulatorCredentials, endpoint(cloud), DEFAULT_TIMEOUTS);
    const pages = [];
    for (const pageNumber of [1, 2, 3, 4]) pages.push((await client.listAccounts(new $ResourceManager.ListAccountsRequest({ pageNumber, pageSize: 10 }))).body);
    expect(pages.map((p) => [p?.pageNumber, p?.pageSize, p?.totalCount, p?.accounts?.account?.length])).toEqual([
      [1, 10, 23, 10],
      [2, 10, 23, 10],
      [3, 10, 23, 3],
      [4, 10, 23, 0],
    ]);
    const ids = pages.flatMap((p) => p?.accounts?.account?.map((a) => a.accountId) ?? []);
    expect(ids).toEqual(Array.from({ length: 23 }, (_, i) => simulatorMemberId(i + 1)));
    expect(pages[0]?.accounts?.account?.[0]).toMatchObject({ accountId: simulatorMemberId(1), displayName: 'member-01', status: 'CreateSuccess', type: 'ResourceAccount', joinMethod: 'created' });
    expect((await client.listAccounts(new $ResourceManager.ListAccountsRequest({}))).body?.pageSize).toBe(10);
    const tooBig = await rejection(client.listAccounts(new $ResourceManager.ListAccountsRequest({ pageSize: 101 })).catch((e: unknown) => Promise.reject(toCloudApiError(e, 'ResourceManager', 'ListAccounts'))));
    expect([tooBig.code, tooBig.statusCode]).toEqual(['InvalidParameter.PageSize', 400]);
  });

  it('the adapter lists every member, 100 a page, in as many calls as TotalCount needs', async () => {
    const cloud = await start();
    addSimulatorMembers(cloud, { count: 230, users: 0, keysPerUser: 0, now: Date.now() });
    const adapter = resourceManager(cloud);
    const first = await adapter.listAccountsPage(1);
    expect([first.accounts.length, first.totalCount, first.pageNumber, first.pageSize]).toEqual([LIST_ACCOUNTS_PAGE_SIZE, 230, 1, 100]);
    expect(first.accounts[0]).toEqual({ accountId: simulatorMemberId(1), displayName: 'member-01', status: 'CreateSuccess', type: 'ResourceAccount' });
    const all = await adapter.listAllAccounts();
    expect(all.map((a) => a.accountId)).toEqual(Array.from({ length: 230 }, (_, i) => simulatorMemberId(i + 1)));
    expect(cloud.stats.get('resourcemanager:ListAccounts').requests).toBe(1 + 3);
  });

  it('answers a delegated administrator; lists the management account too when the directory does', async () => {
    const cloud = await start();
    const admin = cloud.addMemberAccount({
      accountId: simulatorMemberId(7),
      displayName: 'security',
      account: new FakeAccount(),
      delegatedAdministrator: true,
      credentials: [{ accessKeyId: 'LTAIdelegatedAdmin01', accessKeySecret: 'delegated-admin-secret' }],
    });
    const asAdmin = resourceManager(cloud, { accessKeyId: 'LTAIdelegatedAdmin01', accessKeySecret: 'delegated-admin-secret', securityToken: undefined });
    expect((await asAdmin.listAllAccounts()).map((a) => a.accountId)).toEqual([admin.accountId]);
    cloud.organisation.listManagementAccount = true;
    expect((await asAdmin.listAllAccounts()).map((a) => [a.accountId, a.type])).toEqual([
      [SIMULATOR_ACCOUNT_ID, 'CloudAccount'],
      [admin.accountId, 'ResourceAccount'],
    ]);
  });

  it('refuses a member (EntityNotExists.ResourceDirectory) and a caller without resourcemanager:ListAccounts (NoPermission), with the fix', async () => {
    const cloud = await start();
    addSimulatorMembers(cloud, { count: 2, users: 0, keysPerUser: 0, now: Date.now() });
    const member = await assume(cloud, simulatorMemberId(1));
    const refused = await rejection(resourceManager(cloud, member).listAccountsPage(1));
    expect([refused.service, refused.action, refused.code, refused.statusCode, dispositionOf(refused)]).toEqual(['ResourceManager', 'ListAccounts', 'EntityNotExists.ResourceDirectory', 404, 'fatal']);
    expect(cloudFix(refused, 'function')).toMatch(/management account.*delegated administrator.*JSON list/);

    cloud.addCredential({ accessKeyId: 'LTAIscannerOnly0001', accessKeySecret: 'scanner-only-secret', allowedActions: ['ram:*', 'actiontrail:*'] });
    const scannerOnly: CloudCredentials = { accessKeyId: 'LTAIscannerOnly0001', accessKeySecret: 'scanner-only-secret', securityToken: undefined };
    const denied = await rejection(resourceManager(cloud, scannerOnly).listAccountsPage(1));
    expect([denied.code, denied.statusCode]).toEqual(['NoPermission', 403]);
    expect(cloudFix(denied, 'function')).toBe("grant the function's role the action resourcemanager:ListAccounts (policies/stale-key-detector-organisation.json)");
  });
});

describe('STS AssumeRole into a member', () => {
  it('gives credentials of that member: RAM, ActionTrail and GetCallerIdentity answer from the member, and only from it', async () => {
    const now = Date.now();
    const cloud = await start({ account: memberAccount('mgmt', now) });
    const alpha = cloud.addMemberAccount({ accountId: simulatorMemberId(1), displayName: 'alpha', account: memberAccount('alpha', now) });
    cloud.addMemberAccount({ accountId: simulatorMemberId(2), displayName: 'beta', account: memberAccount('beta', now) });

    const creds = await assume(cloud, alpha.accountId, 'run-20261201T0900');
    expect(creds.accessKeyId).toMatch(/^STS\./);
    expect(creds.securityToken.length).toBeGreaterThan(100);
    expect(creds.accountId).toBe(alpha.accountId);
    expect(creds.expiresAt - Date.now()).toBeGreaterThan(3500_000);
    expect(creds.expiresAt - Date.now()).toBeLessThanOrEqual(3600_000);
    expect(creds.assumedRoleArn).toBe(`acs:ram::${alpha.accountId}:role/${DEFAULT_MEMBER_ROLE}/run-20261201T0900`);

    const page = await ram(cloud, creds).listUsersPage(undefined);
    expect(page.users.map((u) => u.userName)).toEqual(['alpha-ops', 'alpha-ci']);
    expect((await ram(cloud, creds).listAccessKeys({ userName: 'alpha-ops', displayName: undefined })).map((k) => k.accessKeyId)).toEqual(['LTAIalphaopsKey0000']);
    const other = await rejection(ram(cloud, creds).listAccessKeys({ userName: 'beta-ops', displayName: undefined }));
    expect(other.code).toBe('EntityNotExist.User');
    expect(await trail(cloud, creds).lastUsedProducts('LTAIalphaopsKey0000')).toHaveLength(1);
    expect(await trail(cloud, creds).lastUsedProducts('LTAIbetaopsKey0000')).toEqual([]);
    expect(await trail(cloud, creds).lastUsedProducts('LTAImgmtopsKey0000')).toEqual([]);

    const identity = await getCallerIdentity(creds, endpoint(cloud));
    expect(identity).toEqual({ accountId: alpha.accountId, arn: `acs:ram::${alpha.accountId}:assumed-role/${DEFAULT_MEMBER_ROLE}/run-20261201T0900`, identityType: 'AssumedRoleUser' });
    // The management account's own credentials still see the management account.
    expect((await ram(cloud, simulatorCredentials).listUsersPage(undefined)).users.map((u) => u.userName)).toEqual(['mgmt-ops', 'mgmt-ci']);
    expect((await getCallerIdentity(simulatorCredentials, endpoint(cloud))).accountId).toBe(SIMULATOR_ACCOUNT_ID);
  });

  it('refuses the member\'s credentials elsewhere: another member\'s role (NoPermission), ListAccounts, and once expired', async () => {
    const cloud = await start();
    addSimulatorMembers(cloud, { count: 2, users: 1, keysPerUser: 1, now: Date.now() });
    const alpha = await assume(cloud, simulatorMemberId(1));
    const intoBeta = await rejection(sts(cloud, alpha).assumeRole({ roleArn: memberRoleArn(simulatorMemberId(2)), sessionName: 'hop' }));
    expect([intoBeta.service, intoBeta.action, intoBeta.code, intoBeta.statusCode, dispositionOf(intoBeta)]).toEqual(['STS', 'AssumeRole', 'NoPermission', 403, 'fatal']);
    expect(cloudFix(intoBeta, 'function')).toMatch(/trust policy.*sts:AssumeRole/);
    expect((await rejection(resourceManager(cloud, alpha).listAccountsPage(1))).code).toBe('EntityNotExists.ResourceDirectory');

    cloud.addCredential({ accessKeyId: 'STS.expiredSession01', accessKeySecret: 'expired-secret', securityToken: 'expired-token-value', accountId: simulatorMemberId(1), expiresAt: Date.now() - 1 });
    const expired = await rejection(ram(cloud, { accessKeyId: 'STS.expiredSession01', accessKeySecret: 'expired-secret', securityToken: 'expired-token-value' }).listUsersPage(undefined));
    expect(expired.code).toBe('InvalidAccessKeyId.NotFound');
  });

  it('answers a role that does not exist with EntityNotExist.Role, one that does not trust us or a caller without the grant with NoPermission', async () => {
    const cloud = await start();
    const alphaId = (addSimulatorMembers(cloud, { count: 1, users: 0, keysPerUser: 0, now: Date.now() })[0] as OrgAccount).accountId;
    const adapter = sts(cloud);

    const noRole = await rejection(adapter.assumeRole({ roleArn: memberRoleArn(alphaId, 'StaleKeyReader'), sessionName: 'run' }));
    expect([noRole.code, noRole.statusCode, dispositionOf(noRole)]).toEqual(['EntityNotExist.Role', 404, 'final']);
    expect(cloudFix(noRole, 'function')).toContain('create the role');
    expect((await rejection(adapter.assumeRole({ roleArn: memberRoleArn('1999999999999999'), sessionName: 'run' }))).code).toBe('EntityNotExist.Role');

    cloud.organisation.setAssumable(alphaId, DEFAULT_MEMBER_ROLE, false);
    const untrusted = await rejection(adapter.assumeRole({ roleArn: memberRoleArn(alphaId), sessionName: 'run' }));
    expect([untrusted.code, untrusted.statusCode]).toEqual(['NoPermission', 403]);
    cloud.organisation.setAssumable(alphaId, DEFAULT_MEMBER_ROLE, true);

    cloud.addCredential({ accessKeyId: 'LTAIscannerOnly0002', accessKeySecret: 'scanner-only-secret', allowedActions: ['ram:*', 'actiontrail:*'] });
    const ungranted = await rejection(sts(cloud, { accessKeyId: 'LTAIscannerOnly0002', accessKeySecret: 'scanner-only-secret', securityToken: undefined }).assumeRole({ roleArn: memberRoleArn(alphaId), sessionName: 'run' }));
    expect([ungranted.code, ungranted.statusCode]).toEqual(['NoPermission', 403]);
    expect(ungranted.message).toContain('sts:AssumeRole');

    const tooLong = await rejection(adapter.assumeRole({ roleArn: memberRoleArn(alphaId), sessionName: 'run', durationSeconds: 7200 }));
    expect([tooLong.code, tooLong.statusCode]).toEqual(['InvalidParameter.DurationSeconds', 400]);
    // A role that allows longer sessions grants them.
    const long = cloud.addMemberAccount({ accountId: simulatorMemberId(2), displayName: 'long', account: new FakeAccount(), roles: [{ name: 'StaleKeyReader', maxSessionSeconds: 7200, allowedActions: ['ram:ListUsers', 'ram:ListAccessKeys'] }] });
    const session = await adapter.assumeRole({ roleArn: memberRoleArn(long.accountId, 'StaleKeyReader'), sessionName: 'run', durationSeconds: 7200 });
    expect(session.expiresAt - Date.now()).toBeGreaterThan(7100_000);
    // ... whose sessions may do only what the role may.
    expect((await ram(cloud, session).listUsersPage(undefined)).users).toEqual([]);
    expect((await rejection(trail(cloud, session).lastUsedProducts('LTAIwhatever00000'))).code).toBe('NoPermission');
  });

  it('checks the role ARN, the session name and the duration before any call, in STS\'s own codes', async () => {
    const cloud = await start();
    const adapter = sts(cloud);
    const cases = [
      [{ roleArn: `acs:ram::${SIMULATOR_ACCOUNT_ID}:user/alice`, sessionName: 'run' }, 'InvalidParameter.RoleArn'],
      [{ roleArn: 'ResourceDirectoryAccountAccessRole', sessionName: 'run' }, 'InvalidParameter.RoleArn'],
      [{ roleArn: memberRoleArn('1000000000000001'), sessionName: 'x' }, 'InvalidParameter.RoleSessionName'],
      [{ roleArn: memberRoleArn('1000000000000001'), sessionName: 'a'.repeat(33) }, 'InvalidParameter.RoleSessionName'],
      [{ roleArn: memberRoleArn('1000000000000001'), sessionName: 'run 1' }, 'InvalidParameter.RoleSessionName'],
      [{ roleArn: memberRoleArn('1000000000000001'), sessionName: 'run', durationSeconds: 899 }, 'InvalidParameter.DurationSeconds'],
      [{ roleArn: memberRoleArn('1000000000000001'), sessionName: 'run', durationSeconds: 43_201 }, 'InvalidParameter.DurationSeconds'],
    ] as const;
    for (const [request, code] of cases) {
      const error = await rejection(adapter.assumeRole(request));
      expect([error.code, error.requestId, dispositionOf(error)]).toEqual([code, undefined, 'final']);
      expect(error.message).toContain('checked before the call');
      expect(cloudFix(error, 'function').length).toBeGreaterThan(20);
    }
    expect(cloud.stats.get('sts:AssumeRole').requests).toBe(0);
    expect(assumeRoleProblem({ roleArn: memberRoleArn('1000000000000001'), sessionName: 'stale-key-detector@run.1_2' })).toBeUndefined();
    expect(parseRoleArn('acs:ram::1000000000000001:role/StaleKeyReader')).toEqual({ accountId: '1000000000000001', roleName: 'StaleKeyReader' });
  });

  it('never lets the assumed secret or token into an error message', async () => {
    const cloud = await start();
    addSimulatorMembers(cloud, { count: 1, users: 1, keysPerUser: 1, now: Date.now() });
    const creds = await assume(cloud, simulatorMemberId(1));
    // The adapter registered both for redaction.
    const redacted = redact(`secret ${creds.accessKeySecret} token ${creds.securityToken}`);
    expect([redacted.includes(creds.accessKeySecret), redacted.includes(creds.securityToken)]).toEqual([false, false]);
    const errors = [
      await rejection(resourceManager(cloud, creds).listAccountsPage(1)),
      // A wrong secret: the gateway echoes its string to sign, which carries the token.
      await rejection(ram(cloud, { ...creds, accessKeySecret: 'not-the-secret' }).listUsersPage(undefined)),
      await rejection(trail(cloud, { ...creds, accessKeySecret: 'not-the-secret' }).lastUsedProducts('LTAIwhatever00000')),
      await rejection(sts(cloud, creds).assumeRole({ roleArn: memberRoleArn(simulatorMemberId(1)), sessionName: 'hop' })),
    ];
    expect(errors.map((e) => e.code)).toEqual(['EntityNotExists.ResourceDirectory', 'SignatureDoesNotMatch', 'SignatureDoesNotMatch', 'NoPermission']);
    for (const error of errors) {
      for (const text of [error.message, String(error.stack), JSON.stringify(error)]) {
        expect(text).not.toContain(creds.accessKeySecret);
        expect(text).not.toContain(creds.securityToken);
        expect(text).not.toContain(encodeURIComponent(creds.securityToken));
      }
    }
  });
});

describe('quotas are per account', () => {
  it('two members scanned at once each get their own QPS windows; the management account\'s stay untouched', async () => {
    const clock = 5_000_000;
    const now = Date.now();
    const cloud = await start({ now: () => clock, qps: { 'ram:ListUsers': 3, 'actiontrail:GetAccessKeyLastUsedProducts': 4 } });
    const members = addSimulatorMembers(cloud, { count: 2, users: 2, keysPerUser: 1, now });
    const [alpha, beta] = [members[0], members[1]] as [OrgAccount, OrgAccount];
    const [a, b] = await Promise.all([assume(cloud, alpha.accountId), assume(cloud, beta.accountId)]);
    const keyOf = (creds: AssumedRoleCredentials) => cloud.organisation.require(creds.accountId).account.users[0]?.keys[0]?.accessKeyId as string;

    // Both members at once, interleaved, within one frozen second: 6 ListUsers and 6 look-ups each.
    const calls = [a, b].flatMap((creds) => [
      ...Array.from({ length: 6 }, () => ram(cloud, creds).listUsersPage(undefined)),
      ...Array.from({ length: 6 }, () => trail(cloud, creds).lastUsedProducts(keyOf(creds))),
    ]);
    const settled = await Promise.allSettled(calls);
    expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(2 * (3 + 4));
    for (const member of [alpha, beta]) {
      expect(cloud.statsOf(member.accountId).get('ram:ListUsers')).toMatchObject({ requests: 6, successes: 3, throttled: 3 });
      expect(cloud.statsOf(member.accountId).get('actiontrail:GetAccessKeyLastUsedProducts')).toMatchObject({ requests: 6, successes: 4, throttled: 2 });
    }
    // The cloud-wide counters add the accounts up; the management account only assumed the roles.
    expect(cloud.stats.get('ram:ListUsers')).toMatchObject({ requests: 12, successes: 6, throttled: 6 });
    expect(cloud.statsOf(SIMULATOR_ACCOUNT_ID).get('ram:ListUsers').requests).toBe(0);
    expect(cloud.statsOf(SIMULATOR_ACCOUNT_ID).get('sts:AssumeRole')).toMatchObject({ requests: 2, successes: 2 });
    // The management account's own window is still whole.
    const own = await Promise.allSettled(Array.from({ length: 4 }, () => ram(cloud, simulatorCredentials).listUsersPage(undefined)));
    expect(own.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
  });

  it('a member may have limits of its own', async () => {
    const cloud = await start({ now: () => 1, qps: { 'ram:ListUsers': 1 } });
    const roomy = cloud.addMemberAccount({ accountId: simulatorMemberId(1), displayName: 'roomy', account: buildAccount({ users: 1, keysPerUser: 1, now: Date.now() }), qps: { 'ram:ListUsers': 5 } });
    const creds = await assume(cloud, roomy.accountId);
    const settled = await Promise.allSettled(Array.from({ length: 6 }, () => ram(cloud, creds).listUsersPage(undefined)));
    expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(cloud.memberAccounts().map((m) => m.displayName)).toEqual(['roomy']);
  });
});
