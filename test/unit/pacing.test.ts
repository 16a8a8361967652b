import { CloudApiError } from '../../functions/stale-key-detector/src/errors/cloud-api-error';
import { AdaptiveRateLimiter, DeadlineReachedError } from '../../functions/stale-key-detector/src/pacing/rate-limiter';
import { callWithRetry, dispositionOf, newPacingStats, type RetryPolicy } from '../../functions/stale-key-detector/src/pacing/retry';
import { scanDeadline } from '../../functions/stale-key-detector/src/pacing/deadline';
import { createRng } from '../../simulator/rng';
import { busiestSecond, type VirtualClock, virtualClock } from '../helpers/virtual-clock';

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
    expect(busiestSecond(starts)).toBe(50);
    // …and it is not slower than it must be: one slot every 20 ms.
    expect(starts[499]).toBeCloseTo(499 * 20, 6);
  });

  it('spaces concurrent callers 1/rate apart', async () => {
    const clock = virtualClock();
    const limiter = new AdaptiveRateLimiter({ maxRate: 10, clock });
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 30 }, async () => {
      await limiter.acquire();
      starts.push(clock.now());
    }));
    expect(starts).toEqual(Array.from({ length: 30 }, (_, i) => i * 100));
  });

  it('keeps every one-second window within the rate when timers fire late and bunch up', async () => {
    const rng = createRng(7);
    // Each wake-up is 0-400 ms late, as under a busy event loop: slots taken on time start late together.
    const clock = virtualClock({ lateMs: () => rng() * 400 });
    const limiter = new AdaptiveRateLimiter({ maxRate: 10, clock });
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (let i = 0; i < 10; i += 1) {
        await limiter.acquire();
        starts.push(clock.now());
        await clock.sleep(rng() * 50); // the call itself
      }
    }));
    expect(starts).toHaveLength(160);
    expect(busiestSecond(starts)).toBeLessThanOrEqual(10);
    // Late timers cost time, but the limiter does not stall: 160 calls at 10/s, plus lateness.
    expect(Math.max(...starts)).toBeLessThan(16_000 + 10 * 400 + 1000);
  });

  /** Feeds one second of answers: calls spread over the second, `throttled` of them refused. */
  function second(limiter: AdaptiveRateLimiter, clock: VirtualClock, calls: number, throttled: number): void {
    for (let i = 0; i < calls; i += 1) {
      if (i < throttled) limiter.onThrottled();
      else limiter.onSuccess();
      clock.advance(1000 / calls);
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

  it('caps a retry-after hint at three times maxDelayMs', async () => {
    const clock = virtualClock();
    let calls = 0;
    await callWithRetry(async () => {
      calls += 1;
      if (calls === 1) throw cloudError('Throttling.User', 400, 60_000);
      return 1;
    }, { policy, clock, random: () => 0 });
    expect(clock.slept).toEqual([3000]);
  });

  it('through a shared limiter: throttled callers back off, no attempt starts after the deadline, each caller ends with a value or its error', async () => {
    const clock = virtualClock();
    const limiter = new AdaptiveRateLimiter({ maxRate: 20, clock });
    const stats = newPacingStats();
    const rng = createRng(3);
    const deadline = 2000;
    const attempts: number[] = [];
    // The cloud throttles every other call in the first second, then answers.
    const results = await Promise.allSettled(Array.from({ length: 60 }, async (_, i) => {
      return callWithRetry(async () => {
        attempts.push(clock.now());
        if (clock.now() < 1000 && attempts.length % 2 === 0) throw cloudError('Throttling.User');
        await clock.sleep(30);
        return i;
      }, { policy: { ...policy, maxThrottled: 30 }, clock, limiter, deadline, stats, random: rng });
    }));
    expect(Math.max(...attempts)).toBeLessThanOrEqual(deadline);
    expect(busiestSecond(attempts)).toBeLessThanOrEqual(20);
    const values = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const reasons = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(values.length).toBeGreaterThan(0);
    expect(new Set(values).size).toBe(values.length);
    // Calls the time limit did not let start say so; none is lost without a reason.
    for (const reason of reasons) expect(reason instanceof DeadlineReachedError || (reason as { code?: string }).code === 'Throttling.User').toBe(true);
    expect(values.length + reasons.length).toBe(60);
    expect(stats.calls).toBe(attempts.length);
    expect(stats.throttled).toBeGreaterThan(0);
    expect(limiter.slowdowns).toBeGreaterThan(0);
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
