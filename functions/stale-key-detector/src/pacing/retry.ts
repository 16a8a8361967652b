import { CloudApiError } from '../errors/cloud-api-error';
import { dispositionOf as codeDisposition } from '../errors/error-codes';
import { type Clock, systemClock } from './clock';
import { type AdaptiveRateLimiter, DeadlineReachedError } from './rate-limiter';

/** What the retry loop does about a failed call (errors/error-codes.ts has the table). */
export type Disposition = 'throttled' | 'transient' | 'final';

/** True when no retry can heal the failure and the scan must stop: the credentials or the role are wrong. */
export function isNonHealing(error: unknown): boolean {
  return codeDisposition(error) === 'fatal';
}

export function dispositionOf(error: unknown): Disposition {
  const disposition = codeDisposition(error);
  return disposition === 'fatal' ? 'final' : disposition;
}

export interface RetryPolicy {
  /** Attempts in all for transient failures (5xx, network, timeouts, non-JSON answers). */
  readonly maxAttempts: number;
  /** Throttled answers tolerated: throttling is a request to slow down, not a failure. */
  readonly maxThrottled: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /**
   * Back-off cap after a throttled answer. The rate limiter already slows every caller down, so
   * a throttled call need not also wait long itself: long sleeps would only hold pool slots.
   */
  readonly maxThrottledDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, maxThrottled: 30, baseDelayMs: 200, maxDelayMs: 10_000, maxThrottledDelayMs: 2_000 };

/** Counters shared by every call of a run, for the summary and the benchmark. */
export interface PacingStats {
  calls: number;
  retries: number;
  throttled: number;
}

export function newPacingStats(): PacingStats {
  return { calls: 0, retries: 0, throttled: 0 };
}

export interface RetryContext {
  readonly policy: RetryPolicy;
  readonly limiter?: AdaptiveRateLimiter;
  /** Epoch ms after which no new call starts. */
  readonly deadline?: number;
  readonly stats?: PacingStats;
  readonly clock?: Clock;
  readonly random?: () => number;
}

/**
 * Calls `call` until it succeeds, a failure is final, the attempts run out or the deadline
 * leaves no time: exponential backoff with full jitter, or the cloud's retry-after hint when
 * it sent one. Each attempt first takes a slot from the rate limiter. Throws the last error, or
 * DeadlineReachedError when no attempt could start at all.
 */
export async function callWithRetry<T>(call: () => Promise<T>, context: RetryContext): Promise<T> {
  const { policy, limiter, stats } = context;
  const clock = context.clock ?? systemClock;
  const random = context.random ?? Math.random;
  const deadline = context.deadline ?? Number.POSITIVE_INFINITY;
  let transient = 0;
  let throttled = 0;
  for (;;) {
    if (limiter !== undefined) await limiter.acquire(deadline);
    else if (clock.now() > deadline) throw new DeadlineReachedError('the time limit leaves no time for another call');
    if (stats !== undefined) stats.calls += 1;
    try {
      const value = await call();
      limiter?.onSuccess();
      return value;
    } catch (error) {
      const disposition = dispositionOf(error);
      if (disposition === 'final') throw error;
      if (disposition === 'throttled') {
        throttled += 1;
        if (stats !== undefined) stats.throttled += 1;
        limiter?.onThrottled();
        if (throttled > policy.maxThrottled) throw error;
      } else {
        transient += 1;
        if (transient >= policy.maxAttempts) throw error;
      }
      const hint = error instanceof CloudApiError ? error.retryAfterMs : undefined;
      // Exponential in the failures of this kind so far, full jitter.
      const failures = disposition === 'throttled' ? throttled : transient;
      const cap = disposition === 'throttled' ? policy.maxThrottledDelayMs : policy.maxDelayMs;
      const ceiling = Math.min(cap, policy.baseDelayMs * 2 ** Math.min(failures - 1, 20));
      const wait = hint !== undefined && hint > 0 ? Math.min(hint, policy.maxDelayMs * 3) : random() * ceiling;
      if (clock.now() + wait > deadline) throw error;
      if (stats !== undefined) stats.retries += 1;
      await clock.sleep(wait);
    }
  }
}
