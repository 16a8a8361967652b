/**
 * The account-scan worker of an organisation's run (issue 12), through the real handler and SDKs:
 * Resource Manager lists the directory, STS assumes the member's role, RAM and ActionTrail answer
 * from that member only. An event naming an account outside the configured set is refused.
 */
import { handleInvocation } from '../functions/stale-key-detector/src/handler';
import { silentLogger } from '../functions/stale-key-detector/src/logger';
import type { Summary } from '../functions/stale-key-detector/src/core/summary';
import { FakeAccount, HOUR_MS, MINUTE_MS, startFakeCloud, type FakeCloud } from '../simulator';
import { addSimulatorMembers, fcContext, simulatorMemberId, simulatorOrganisationEnv, accountSummaryOf } from '../simulator/function-wiring';
import { rejectionOf } from './helpers/clouds';

const NOW = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
let cloud: FakeCloud;
beforeEach(async () => {
  cloud = await startFakeCloud({ account: new FakeAccount() });
  addSimulatorMembers(cloud, { count: 3, users: 4, keysPerUser: 2, now: NOW });
});
afterEach(async () => {
  await cloud.close();
});

const scanEvent = (accountId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ accountScan: { accountId, triggerTime: new Date(NOW).toISOString(), deadline: new Date(Date.now() + 10 * MINUTE_MS).toISOString(), runId: `timer:hourly-scan:${NOW}`, report: 'changes', ...extra } });

function invoke(event: string, env: Record<string, string> = {}): Promise<Summary> {
  return handleInvocation(Buffer.from(event), fcContext(), {
    env: simulatorOrganisationEnv(cloud, { RAM_QPS: '10000', ACTIONTRAIL_QPS: '10000', ...env }),
    clock: { now: () => Date.now(), sleep: async () => {} },
    logger: silentLogger,
  }).then(accountSummaryOf);
}

const refusal = (run: Promise<unknown>): Promise<Error> => rejectionOf(run) as Promise<Error>;

describe('an account-scan worker', () => {
  it('scans the member it is asked for, as that member\'s role, and posts nothing', async () => {
    const member = simulatorMemberId(2);
    const summary = await invoke(scanEvent(member));
    expect(summary.trigger).toBe('account-scan');
    expect(summary.counts.users).toBe(4);
    expect(summary.counts.keys).toBe(8);
    expect(summary.complete).toBe(true);
    // Every look-up went to that member (its own quota and counters), none to the others or the management account.
    expect(cloud.statsOf(member).get('actiontrail:GetAccessKeyLastUsedProducts').successes).toBe(8);
    expect(cloud.statsOf(simulatorMemberId(1)).get('actiontrail:GetAccessKeyLastUsedProducts').successes).toBe(0);
    expect(cloud.dingtalk.messages).toHaveLength(0);
  });

  it('refuses an account outside the configured set, and any account when ACCOUNTS is unset', async () => {
    const outsider = await refusal(invoke(scanEvent('9999999999999999')));
    expect(outsider.message).toMatch(/event\.accountScan\.accountId.*not one of the accounts/);
    const excluded = await refusal(invoke(scanEvent(simulatorMemberId(3)), { ACCOUNTS_EXCLUDE: simulatorMemberId(3) }));
    expect(excluded.message).toMatch(/not one of the accounts/);
    const unset = await refusal(invoke(scanEvent(simulatorMemberId(1)), { ACCOUNTS: '', RESOURCE_MANAGER_ENDPOINT: '' }));
    expect(unset.message).toMatch(/ACCOUNTS is unset/);
    expect(cloud.statsOf(simulatorMemberId(3)).get('actiontrail:GetAccessKeyLastUsedProducts').successes).toBe(0);
    expect(cloud.dingtalk.messages).toHaveLength(0);
  });

  it('names the role when it cannot be assumed, and checks every field of the event', async () => {
    cloud.organisation.setAssumable(simulatorMemberId(1), 'ResourceDirectoryAccountAccessRole', false);
    const denied = await refusal(invoke(scanEvent(simulatorMemberId(1))));
    expect(denied.message).toMatch(/AssumeRole/);
    expect((await refusal(invoke(scanEvent(simulatorMemberId(1), { dryRun: true })))).message).toContain('event.accountScan.dryRun');
    expect((await refusal(invoke(scanEvent(simulatorMemberId(1), { triggerTime: '2000-01-01T00:00:00Z' })))).message).toContain('event.accountScan.triggerTime');
  });
});

