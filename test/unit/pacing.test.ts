import { CloudApiError } from '../../functions/stale-key-detector/src/errors/cloud-api-error';
import type { Clock } from '../../functions/stale-key-detector/src/pacing/clock';
import { AdaptiveRateLimiter, DeadlineReachedError } from '../../functions/stale-key-detector/src/pacing/rate-limiter';
import { callWithRetry, dispositionOf, newPacingStats, type RetryPolicy } from '../../functions/stale-key-detector/src/pacing/retry';
import { scanDeadline } from '../../functions/stale-key-detector/src/pacing/deadline';

/** A virtual clock: sleeping advances time, so pacing is tested exactly and instantly. */
function virtualClock(start = 0): Clock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += Math.max(0, ms);
    },
  };
}

const cloudError = (code: string, statusCode = 400, retryAfterMs?: number) =>
  new CloudApiError({ service: 'ActionTrail', action: 'GetAccessKeyLastUsedProducts', code, statusCode, requestId: 'r', retryAfterMs }, 'x');
const policy: RetryPolicy = { maxAttempts: 4, maxThrottled: 5, baseDelayMs: 100, maxDelayMs: 1000, maxThrottledDelayMs: 300 };

describe('AdaptiveRateLimiter', () => {
  it('never lets more than rate calls into any one-second window', async () => {
    const clock = virtualClock();
    const limiter = new AdaptiveRateLimiter({ maxRate: 50, clock });
    const starts: number[] = [];
    for (let i = 0; i < 500; i += 1) {
      await limiter.acquire();
      starts.push(clock.now());
    }
    for (let i = 0; i < starts.length; i += 1) {
      const inWindow = starts.filter((t) => t >= (starts[i] as number) && t < (starts[i] as number) + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(50);
    }
    expect(starts[499]).toBeCloseTo(499 * 20, 6);
  });

  it('spaces concurrent callers too', async () => {
    const clock = virtualClock();
    const limiter = new AdaptiveRateLimiter({ maxRate: 10, clock });
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 30 }, async () => {
      await limiter.acquire();
      starts.push(clock.now());
    }));
    const sorted = [...starts].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i += 1) expect((sorted[i] as number) - (sorted[i - 1] as number)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...starts)).toBeGreaterThanOrEqual(2900);
  });

  /** Feeds one second of answers: calls spread over the second, `throttled` of them refused. */
  function second(limiter: AdaptiveRateLimiter, clock: Clock, calls: number, throttled: number): void {
    for (let i = 0; i < calls; i += 1) {
      if (i < throttled) limiter.onThrottled();
      else limiter.onSuccess();
      void clock.sleep(1000 / calls);
    }
  }

  it('slows down after a second with throttling and climbs back after clean seconds', () => {
    const clock = virtualClock();
    const limiter = new AdaptiveRateLimiter({ maxRate: 100, clock });
    second(limiter, clock, 100, 20);
    limiter.onSuccess(); // closes the window: x (1 - 0.2 / 2) x 1.2
    expect(limiter.rate).toBe(100);
    second(limiter, clock, 100, 40);
    second(limiter, clock, 100, 40);
    limiter.onSuccess();
    expect(limiter.rate).toBeLessThan(100);
    const slowed = limiter.rate;
    for (let i = 0; i < 5; i += 1) second(limiter, clock, Math.ceil(limiter.rate), 0);
    limiter.onSuccess();
    expect(limiter.rate).toBeGreaterThan(slowed);
    expect(limiter.rate).toBe(100);
    expect(limiter.slowdowns).toBeGreaterThan(0);
  });

  it('drops to what the cloud accepts when asked for far too much, and settles near the real limit', () => {
    const clock = virtualClock();
    const limiter = new AdaptiveRateLimiter({ maxRate: 500, clock });
    // The cloud accepts 50 a second and throttles the rest.
    const rates: number[] = [];
    for (let s = 0; s < 60; s += 1) {
      const calls = Math.max(1, Math.round(limiter.rate));
      second(limiter, clock, calls, Math.max(0, calls - 50));
      rates.push(limiter.rate);
    }
    expect(rates[1]).toBeLessThan(60);
    const settled = rates.slice(20);
    expect(Math.max(...settled)).toBeLessThan(100);
    expect(Math.min(...settled)).toBeGreaterThan(40);
  });

  it('does not spiral down under steady throttling that has nothing to do with its rate', () => {
    const clock = virtualClock();
    const limiter = new AdaptiveRateLimiter({ maxRate: 200, clock });
    for (let s = 0; s < 120; s += 1) {
      const calls = Math.max(1, Math.round(limiter.rate));
      second(limiter, clock, calls, Math.round(calls * 0.3));
    }
    expect(limiter.rate).toBeGreaterThan(150);
  });

  it('refuses a slot past the deadline', async () => {
    const clock = virtualClock();
    const limiter = new AdaptiveRateLimiter({ maxRate: 1, clock });
    await limiter.acquire(1500);
    await limiter.acquire(1500);
    await expect(limiter.acquire(1500)).rejects.toBeInstanceOf(DeadlineReachedError);
  });
});

describe('callWithRetry', () => {
  it('classifies errors', () => {
    expect(dispositionOf(cloudError('Throttling.User'))).toBe('throttled');
    expect(dispositionOf(cloudError('Throttling.Api'))).toBe('throttled');
    expect(dispositionOf(cloudError('ServiceUnavailable', 503))).toBe('transient');
    expect(dispositionOf(cloudError('InternalError', 500))).toBe('transient');
    expect(dispositionOf(cloudError('BadResponse', 502))).toBe('transient');
    expect(dispositionOf(cloudError('Timeout'))).toBe('transient');
    expect(dispositionOf(cloudError('NoPermission', 403))).toBe('final');
    expect(dispositionOf(cloudError('SignatureDoesNotMatch'))).toBe('final');
    expect(dispositionOf(cloudError('InvalidAccessKeyId.NotFound', 404))).toBe('final');
    expect(dispositionOf(cloudError('InvalidSecurityToken.Expired'))).toBe('final');
    expect(dispositionOf(new TypeError('bug'))).toBe('final');
  });

  it('retries a throttled call until it succeeds, backing off with jitter', async () => {
    const clock = virtualClock();
    const stats = newPacingStats();
    let calls = 0;
    const value = await callWithRetry(async () => {
      calls += 1;
      if (calls < 4) throw cloudError('Throttling.User');
      return 'ok';
    }, { policy, clock, stats, random: () => 1 });
    expect(value).toBe('ok');
    expect(stats).toEqual({ calls: 4, retries: 3, throttled: 3 });
    expect(clock.slept).toEqual([100, 200, 300]); // 400 capped by maxThrottledDelayMs
  });

  it('honours the retry-after hint', async () => {
    const clock = virtualClock();
    let calls = 0;
    await callWithRetry(async () => {
      calls += 1;
      if (calls === 1) throw cloudError('Throttling.User', 400, 750);
      return 1;
    }, { policy, clock, random: () => 0 });
    expect(clock.slept).toEqual([750]);
  });

  it('does not retry an error that cannot heal', async () => {
    let calls = 0;
    await expect(callWithRetry(async () => {
      calls += 1;
      throw cloudError('NoPermission', 403);
    }, { policy, clock: virtualClock() })).rejects.toMatchObject({ code: 'NoPermission' });
    expect(calls).toBe(1);
  });

  it('gives up after maxAttempts transient failures and throws the last error', async () => {
    let calls = 0;
    await expect(callWithRetry(async () => {
      calls += 1;
      throw cloudError('ServiceUnavailable', 503);
    }, { policy, clock: virtualClock() })).rejects.toMatchObject({ code: 'ServiceUnavailable' });
    expect(calls).toBe(4);
  });

  it('does not sleep past the deadline', async () => {
    const clock = virtualClock();
    let calls = 0;
    await expect(callWithRetry(async () => {
      calls += 1;
      throw cloudError('InternalError', 500);
    }, { policy, clock, deadline: 150, random: () => 1 })).rejects.toMatchObject({ code: 'InternalError' });
    expect(calls).toBe(2);
  });
});

describe('scanDeadline', () => {
  it('keeps back 10% of the timeout, between 20 and 90 seconds', () => {
    expect(scanDeadline(0, 900)).toBe(810_000);
    expect(scanDeadline(0, 3600)).toBe(3_510_000);
    expect(scanDeadline(0, 60)).toBe(40_000);
    expect(scanDeadline(0, 30)).toBe(15_000);
    expect(scanDeadline(0, undefined)).toBe(Number.POSITIVE_INFINITY);
  });
});
