import { cloudAdapters } from '../functions/stale-key-detector/src/adapters/cloud-adapters';
import type { CloudCredentials } from '../functions/stale-key-detector/src/adapters/credentials';
import type { FcContext } from '../functions/stale-key-detector/src/handler';
import type { OrganisationSummary } from '../functions/stale-key-detector/src/coordinator';
import type { Summary } from '../functions/stale-key-detector/src/core/summary';
import { buildAccount, DEFAULT_CREDENTIALS, DEFAULT_DINGTALK, type FakeCloud, type OrgAccount, type QpsLimits } from './index';
import { SIMULATOR_ACCOUNT_ID } from './sts-api';

/** The environment that points the function at a fake cloud (RAM, ActionTrail and the robot). */
export function simulatorEnv(cloud: Pick<FakeCloud, 'endpoint' | 'dingtalkWebhookUrl'>, extra: Record<string, string> = {}): Record<string, string> {
  return {
    RAM_ENDPOINT: cloud.endpoint,
    ACTIONTRAIL_ENDPOINT: cloud.endpoint,
    DINGTALK_WEBHOOK_URL: cloud.dingtalkWebhookUrl,
    DINGTALK_SECRET: DEFAULT_DINGTALK.secret ?? '',
    ...extra,
  };
}

/** The account the simulated function runs in (FC's context.accountId), and whose STS GetCallerIdentity answers. */
export { SIMULATOR_ACCOUNT_ID } from './sts-api';

/** A Function Compute context carrying the fake's STS credentials, as FC passes the role's. */
export function fcContext(overrides: Partial<FcContext> = {}): FcContext {
  return {
    requestId: 'c0ffee00-0000-4000-8000-000000000001',
    region: 'cn-hangzhou',
    accountId: SIMULATOR_ACCOUNT_ID,
    credentials: {
      accessKeyId: DEFAULT_CREDENTIALS.accessKeyId,
      accessKeySecret: DEFAULT_CREDENTIALS.accessKeySecret,
      ...(DEFAULT_CREDENTIALS.securityToken === undefined ? {} : { securityToken: DEFAULT_CREDENTIALS.securityToken }),
    },
    function: { name: 'stale-key-detector', timeout: 900 },
    ...overrides,
  };
}

/** The fake's STS credentials, as the adapters take them. */
export const simulatorCredentials: CloudCredentials = {
  accessKeyId: DEFAULT_CREDENTIALS.accessKeyId,
  accessKeySecret: DEFAULT_CREDENTIALS.accessKeySecret,
  securityToken: DEFAULT_CREDENTIALS.securityToken,
};

/** The real RAM and ActionTrail adapters, pointed at a fake cloud. */
export function simulatorAdapters(cloud: FakeCloud): ReturnType<typeof cloudAdapters> {
  const endpoint = new URL(cloud.endpoint);
  return cloudAdapters(simulatorCredentials, { ram: endpoint, actionTrail: endpoint });
}

/** The simulator's bucket for the incremental state. */
export const SIMULATOR_STATE_BUCKET = 'stale-key-state';

/** STATE_URL and STATE_OSS_ENDPOINT that keep the state in the simulator's OSS (through the real ali-oss client). */
export function simulatorStateEnv(cloud: FakeCloud, prefix = 'stale-key-detector'): Record<string, string> {
  return { STATE_URL: `oss://${SIMULATOR_STATE_BUCKET}/${prefix}`, STATE_OSS_ENDPOINT: cloud.endpoint };
}

/** The simulator's i-th member account id (from 1): 16 digits, never the management account's. */
export function simulatorMemberId(index: number): string {
  if (!Number.isInteger(index) || index < 1 || index > 999_999) throw new RangeError(`member index must be 1..999999: ${index}`);
  return String(1_000_000_000_000_000 + index);
}

export interface SimulatorMembersOptions {
  readonly count: number;
  /** Each member's users and keys per user (buildAccount, seeded per member so no two are alike). */
  readonly users: number;
  readonly keysPerUser: number;
  /** "Now" of the accounts (ms). */
  readonly now: number;
  readonly seed?: number | undefined;
  /** Each member's QPS limits (default: the cloud's). */
  readonly qps?: QpsLimits | undefined;
}

/** Adds `count` members, member-01, member-02, ... (ids simulatorMemberId(1..count)), each with the Resource Directory's role. */
export function addSimulatorMembers(cloud: FakeCloud, options: SimulatorMembersOptions): OrgAccount[] {
  return Array.from({ length: options.count }, (_, i) =>
    cloud.addMemberAccount({
      accountId: simulatorMemberId(i + 1),
      displayName: `member-${String(i + 1).padStart(2, '0')}`,
      account: buildAccount({ users: options.users, keysPerUser: options.keysPerUser, now: options.now, seed: (options.seed ?? 1) * 1000 + i + 1 }),
      qps: options.qps,
    }),
  );
}

/** A single account's summary from the handler's answer (an organisation's run answers with its own shape). */
export function accountSummaryOf(result: Summary | OrganisationSummary): Summary {
  if ('totals' in result) throw new Error('the run answered for an organisation (ACCOUNTS is set), not for one account');
  return result;
}

/**
 * The environment of an organisation's run on a fake cloud: simulatorEnv plus ACCOUNTS (default
 * resource-directory) and the Resource Manager, STS and FC endpoints pointed at the fake, as
 * test/coordinator.test.ts wires it. `extra` wins (ACCOUNTS_INCLUDE, ACCOUNT_CONCURRENCY, ...).
 */
export function simulatorOrganisationEnv(cloud: Pick<FakeCloud, 'endpoint' | 'dingtalkWebhookUrl'>, extra: Record<string, string> = {}): Record<string, string> {
  return simulatorEnv(cloud, {
    ACCOUNTS: 'resource-directory',
    RESOURCE_MANAGER_ENDPOINT: cloud.endpoint,
    STS_ENDPOINT: cloud.endpoint,
    FUNCTION_COMPUTE_ENDPOINT: cloud.endpoint,
    ...extra,
  });
}

/** An organisation's summary from the handler's answer (the counterpart of accountSummaryOf). */
export function organisationSummaryOf(result: Summary | OrganisationSummary): OrganisationSummary {
  if (!('totals' in result)) throw new Error('the run answered for one account, not for an organisation (is ACCOUNTS set?)');
  return result;
}
