/** The scan's bookkeeping with in-memory adapters (the SDK paths are covered against the fake). */
import type { ActionTrailApi, RamApi } from '../../functions/stale-key-detector/src/core/ports';
import { scan, type Lookup } from '../../functions/stale-key-detector/src/core/scan';
import { CloudApiError } from '../../functions/stale-key-detector/src/errors/cloud-api-error';
import { silentLogger } from '../../functions/stale-key-detector/src/logger';
import type { AccessKey } from '../../functions/stale-key-detector/src/model';
import { AdaptiveRateLimiter } from '../../functions/stale-key-detector/src/pacing/rate-limiter';
import { newPacingStats } from '../../functions/stale-key-detector/src/pacing/retry';

const ramError = (code: string, statusCode: number) => new CloudApiError({ service: 'RAM', action: 'ListAccessKeys', code, statusCode, requestId: 'req-1' }, 'x');
const clock = { now: () => Date.now(), sleep: async () => {} };

function deps(ram: RamApi, actionTrail: ActionTrailApi) {
  return {
    ram,
    actionTrail,
    ramLimiter: new AdaptiveRateLimiter({ maxRate: 10_000 }),
    actionTrailLimiter: new AdaptiveRateLimiter({ maxRate: 10_000 }),
    policy: { maxAttempts: 3, maxThrottled: 3, baseDelayMs: 1, maxDelayMs: 1, maxThrottledDelayMs: 1 },
    stats: newPacingStats(),
    clock,
    logger: silentLogger,
  };
}

const key = (userName: string): AccessKey => ({ accessKeyId: `LTAI-${userName}`, userName, displayName: undefined, status: 'Active', createdAt: 0 });

describe('scan', () => {
  it('reports a user whose key list keeps failing as unlisted, skips a user deleted meanwhile, and checks the rest', async () => {
    const ram: RamApi = {
      listUsersPage: async () => ({ users: ['ok', 'broken', 'deleted'].map((userName) => ({ userName, displayName: undefined })), isTruncated: false, marker: undefined }),
      listAccessKeys: async (user) => {
        if (user.userName === 'broken') throw ramError('InternalError', 500);
        if (user.userName === 'deleted') throw ramError('EntityNotExist.User', 404);
        return [key(user.userName)];
      },
    };
    const actionTrail: ActionTrailApi = { lastUsedProducts: async () => [] };
    const seen: Array<[string, Lookup]> = [];
    const outcome = await scan(deps(ram, actionTrail), { deadline: Number.POSITIVE_INFINITY, concurrency: 4 }, (k, l) => seen.push([k.accessKeyId, l]));
    expect(seen).toEqual([['LTAI-ok', { ok: true, products: [] }]]);
    expect(outcome.users).toBe(3);
    expect(outcome.partial).toBe(false);
    expect(outcome.unlisted).toEqual([{ userName: 'broken', reason: expect.stringContaining('key list failed: RAM ListAccessKeys failed: InternalError') }]);
  });

  it('follows every ListUsers page', async () => {
    const pages: Record<string, { users: string[]; next: string | undefined }> = { start: { users: ['a', 'b'], next: 'm1' }, m1: { users: ['c'], next: 'm2' }, m2: { users: ['d'], next: undefined } };
    const markers: Array<string | undefined> = [];
    const ram: RamApi = {
      listUsersPage: async (marker) => {
        markers.push(marker);
        const page = pages[marker ?? 'start'] as { users: string[]; next: string | undefined };
        return { users: page.users.map((userName) => ({ userName, displayName: undefined })), isTruncated: page.next !== undefined, marker: page.next };
      },
      listAccessKeys: async (user) => [key(user.userName)],
    };
    const seen: string[] = [];
    await scan(deps(ram, { lastUsedProducts: async () => [] }), { deadline: Number.POSITIVE_INFINITY, concurrency: 2 }, (k) => seen.push(k.accessKeyId));
    expect(markers).toEqual([undefined, 'm1', 'm2']);
    expect(seen.sort()).toEqual(['LTAI-a', 'LTAI-b', 'LTAI-c', 'LTAI-d']);
  });
});
