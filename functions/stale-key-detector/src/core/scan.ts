import { CloudApiError } from '../errors/cloud-api-error';
import { ScanFailedError } from '../errors/scan-failed-error';
import type { Logger } from '../logger';
import type { AccessKey, ProductUse, RamUser, UnlistedUser } from '../model';
import type { Clock } from '../pacing/clock';
import { DeadlineReachedError, type AdaptiveRateLimiter } from '../pacing/rate-limiter';
import { callWithRetry, isNonHealing, type PacingStats, type RetryPolicy } from '../pacing/retry';
import { Semaphore } from '../pacing/semaphore';
import { describeError } from '../redact';
import { fixFor } from './fixes';
import type { ActionTrailApi, RamApi, UsersPage } from './ports';

export const NOT_REACHED = 'not reached before the time limit';
/** The unlisted entry that stands for users RAM had not yet listed when the time limit came. */
const USERS_NOT_LISTED = '(users not yet listed)';

/** A key's look-up: ActionTrail's answer, or (fromState) the state's facts standing in for one. */
export type Lookup = { readonly ok: true; readonly products: readonly ProductUse[]; readonly fromState?: true } | { readonly ok: false; readonly reason: string };

export interface ScanDeps {
  readonly ram: RamApi;
  readonly actionTrail: ActionTrailApi;
  readonly ramLimiter: AdaptiveRateLimiter;
  readonly actionTrailLimiter: AdaptiveRateLimiter;
  readonly policy: RetryPolicy;
  readonly stats: PacingStats;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface ScanOptions {
  /** Epoch ms after which no call starts. */
  readonly deadline: number;
  /** Users processed at once (each has at most two keys). */
  readonly concurrency: number;
  /** The products to judge a key on without a look-up (from the state), or undefined to look it up. */
  readonly known?: (key: AccessKey) => readonly ProductUse[] | undefined;
}

export interface ScanOutcome {
  readonly users: number;
  readonly unlisted: readonly UnlistedUser[];
  /** True when the deadline stopped the scan before it checked everything. */
  readonly partial: boolean;
}

/**
 * Streams users -> keys -> look-ups under the rate limiters, handing each key and its look-up to
 * `visit` as soon as it is known (nothing but the verdicts is kept). Per-key failures become
 * `{ ok: false }` look-ups; failures that make the whole result untrustworthy (RAM ListUsers
 * failing, a missing permission, bad credentials) reject with ScanFailedError.
 */
export async function scan(deps: ScanDeps, options: ScanOptions, visit: (key: AccessKey, lookup: Lookup) => void): Promise<ScanOutcome> {
  const { logger } = deps;
  const unlisted: UnlistedUser[] = [];
  const pool = new Semaphore(options.concurrency);
  const running = new Set<Promise<void>>();
  let fatal: unknown;
  let partial = false;
  let users = 0;

  const retry = (limiter: AdaptiveRateLimiter) => ({
    policy: deps.policy,
    limiter,
    deadline: options.deadline,
    stats: deps.stats,
    clock: deps.clock,
  });

  const lookUp = async (key: AccessKey): Promise<Lookup> => {
    try {
      const products = await callWithRetry(() => deps.actionTrail.lastUsedProducts(key.accessKeyId), retry(deps.actionTrailLimiter));
      return { ok: true, products };
    } catch (error) {
      if (error instanceof DeadlineReachedError) {
        partial = true;
        return { ok: false, reason: NOT_REACHED };
      }
      if (isNonHealing(error)) throw error;
      return { ok: false, reason: `look-up failed: ${describeError(error)}` };
    }
  };

  const processUser = async (user: RamUser): Promise<void> => {
    let keys: AccessKey[];
    try {
      keys = await callWithRetry(() => deps.ram.listAccessKeys(user), retry(deps.ramLimiter));
    } catch (error) {
      if (error instanceof CloudApiError && error.code === 'EntityNotExist.User') {
        logger.info('user deleted during the scan; skipped', { userName: user.userName });
        return;
      }
      if (isNonHealing(error)) throw error;
      if (error instanceof DeadlineReachedError) partial = true;
      const reason = error instanceof DeadlineReachedError ? NOT_REACHED : `key list failed: ${describeError(error)}`;
      unlisted.push({ userName: user.userName, reason });
      return;
    }
    const lookups = await Promise.all(
      keys.map((key): Promise<Lookup> | Lookup => {
        const products = options.known?.(key);
        return products === undefined ? lookUp(key) : { ok: true, products, fromState: true };
      }),
    );
    keys.forEach((key, i) => visit(key, lookups[i] as Lookup));
  };

  const start = async (user: RamUser): Promise<void> => {
    await pool.acquire();
    const task = processUser(user)
      .catch((error: unknown) => {
        fatal ??= error;
      })
      .finally(() => {
        pool.release();
        running.delete(task);
      });
    running.add(task);
  };

  // Paging integrity: a Marker without IsTruncated, a marker seen before or a user listed twice
  // means RAM's answer cannot be trusted to be the whole inventory: fail, never loop, never stop short.
  const markers = new Set<string>();
  const seenUsers = new Set<string>();
  let marker: string | undefined;
  try {
    do {
      const page = await callWithRetry(() => deps.ram.listUsersPage(marker), retry(deps.ramLimiter));
      marker = nextMarker(page, markers);
      for (const user of page.users) {
        if (fatal !== undefined) break;
        if (seenUsers.has(user.userName)) throw new ScanFailedError(`RAM ListUsers listed user ${user.userName} twice, so its pages cannot be trusted to be the whole inventory`, PAGING_FIX);
        seenUsers.add(user.userName);
        users += 1;
        await start(user);
      }
    } while (marker !== undefined && fatal === undefined);
  } catch (error) {
    await Promise.all(running);
    if (error instanceof DeadlineReachedError && users > 0) {
      partial = true;
      unlisted.push({ userName: USERS_NOT_LISTED, reason: `${NOT_REACHED}: RAM ListUsers stopped after ${users} users` });
      logger.warn('time limit reached while listing users', { users });
      return { users, unlisted, partial };
    }
    throw failure(error, 'RAM ListUsers failed, so the key inventory is incomplete');
  }
  await Promise.all(running);
  if (fatal !== undefined) throw failure(fatal, 'the scan stopped');
  return { users, unlisted, partial };
}

const PAGING_FIX = 'RAM answered inconsistent pages; retry later, and if it persists open a ticket with the request ids in the function log';

/** The marker of the next page, or undefined after the last; throws when the page's paging is inconsistent. */
function nextMarker(page: UsersPage, seen: Set<string>): string | undefined {
  if (!page.isTruncated) {
    if (page.marker !== undefined) throw new ScanFailedError('RAM ListUsers gave a Marker without IsTruncated: true, so it is unclear whether more users follow', PAGING_FIX);
    return undefined;
  }
  if (page.marker === undefined) throw new ScanFailedError('RAM ListUsers said IsTruncated: true but gave no Marker, so the remaining users cannot be listed', PAGING_FIX);
  if (seen.has(page.marker)) throw new ScanFailedError('RAM ListUsers gave a Marker it had given before, so its pages would loop', PAGING_FIX);
  seen.add(page.marker);
  return page.marker;
}

function failure(error: unknown, context: string): ScanFailedError {
  if (error instanceof ScanFailedError) return error;
  return new ScanFailedError(`${context}: ${describeError(error)}`, fixFor(error), { cause: error });
}
