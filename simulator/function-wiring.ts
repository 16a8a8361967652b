import { cloudAdapters } from '../functions/stale-key-detector/src/adapters/cloud-adapters';
import type { CloudCredentials } from '../functions/stale-key-detector/src/adapters/credentials';
import type { FcContext } from '../functions/stale-key-detector/src/handler';
import { DEFAULT_CREDENTIALS, DEFAULT_DINGTALK, type FakeCloud } from './index';
import { SIMULATOR_ACCOUNT_ID } from './sts-api';

/** The environment that points the function at a fake cloud (RAM, ActionTrail and the robot). */
export function simulatorEnv(cloud: FakeCloud, extra: Record<string, string> = {}): Record<string, string> {
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
