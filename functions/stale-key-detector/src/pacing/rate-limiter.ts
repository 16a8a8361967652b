import { type Clock, systemClock } from './clock';

export interface RateLimiterOptions {
  /** Calls a second at most: the configured QPS. */
  readonly maxRate: number;
  /** Floor for the adaptive rate. Default: 1 a second, or maxRate if lower. */
  readonly minRate?: number;
  readonly clock?: Clock;
}

export class DeadlineReachedError extends Error {
  override readonly name = 'DeadlineReachedError';
}

/**
 * Paces calls to one API: each call takes the next free slot, 1/rate apart, and then a
 * sliding-window check on the actual start times (timers fire late under load, and late timers
 * bunch up) guarantees that no window of one second holds more than `rate` starts.
 *
 * The rate adapts to the cloud once a second, from the answers of that second: it is multiplied
 * by (1 - throttled fraction / 2) and by 1.2, within [minRate, maxRate]. With no throttling it
 * climbs back 20% a second; a rate the cloud really refuses settles where about a third of the
 * calls are throttled; throttling that does not depend on our rate (a fault, another tool on the
 * shared quota) at up to ~30% leaves it near maxRate instead of spiralling down. When half or
 * more of a second's calls were throttled, we asked for far too much: the rate drops at once to
 * 1.1x what the cloud accepted in that second. A wrong QPS setting costs speed, not correctness.
 * (Per-call AIMD, tried first, collapses under steady random throttling: its increase shrinks
 * with the rate while the cut does not.)
 *
 * Why not bottleneck or p-limit: p-limit bounds concurrency, not rate; bottleneck (last release
 * 2019) paces with a fixed minTime and has no notion of backing off on a throttle answer; this
 * class is small enough to own.
 */
export class AdaptiveRateLimiter {
  readonly maxRate: number;
  private readonly minRate: number;
  private readonly clock: Clock;
  private currentRate: number;
  private nextSlot = 0;
  private decreases = 0;
  private windowStart: number | undefined;
  private windowSuccesses = 0;
  private windowThrottled = 0;
  /** Start times of the calls in the last second, oldest first. */
  private readonly recent: number[] = [];

  constructor(options: RateLimiterOptions) {
    if (!(options.maxRate > 0)) throw new RangeError(`maxRate must be positive, got ${options.maxRate}`);
    this.maxRate = options.maxRate;
    this.minRate = Math.min(options.minRate ?? 1, options.maxRate);
    this.clock = options.clock ?? systemClock;
    this.currentRate = options.maxRate;
  }

  get rate(): number {
    return this.currentRate;
  }

  /** How many one-second windows had throttled answers. */
  get slowdowns(): number {
    return this.decreases;
  }

  /**
   * Waits for the next slot. Rejects with DeadlineReachedError when the call could not start
   * before `deadline` (epoch ms).
   */
  async acquire(deadline: number = Number.POSITIVE_INFINITY): Promise<void> {
    const now = this.clock.now();
    const slot = Math.max(now, this.nextSlot);
    if (slot > deadline) throw new DeadlineReachedError('the time limit leaves no slot for another call');
    this.nextSlot = slot + 1000 / this.currentRate;
    await this.clock.sleep(slot - now);
    for (;;) {
      const at = this.clock.now();
      while (this.recent.length > 0 && (this.recent[0] as number) <= at - 1000) this.recent.shift();
      if (this.recent.length < Math.max(1, Math.floor(this.currentRate))) {
        this.recent.push(at);
        return;
      }
      const wait = (this.recent[0] as number) + 1000 - at;
      if (at + wait > deadline) throw new DeadlineReachedError('the time limit leaves no slot for another call');
      await this.clock.sleep(wait);
    }
  }

  onThrottled(): void {
    this.adapt();
    this.windowThrottled += 1;
  }

  onSuccess(): void {
    this.adapt();
    this.windowSuccesses += 1;
  }

  /** Closes the feedback window once a second has passed, and sets the rate from it. */
  private adapt(): void {
    const now = this.clock.now();
    this.windowStart ??= now;
    const elapsed = now - this.windowStart;
    if (elapsed < 1000) return;
    const answered = this.windowSuccesses + this.windowThrottled;
    if (answered > 0) {
      const throttledFraction = this.windowThrottled / answered;
      let next = this.currentRate * (1 - throttledFraction / 2) * (1 + 0.2 * Math.min(elapsed / 1000, 5));
      if (throttledFraction >= 0.5) next = Math.min(next, (1.1 * this.windowSuccesses * 1000) / elapsed);
      if (this.windowThrottled > 0) this.decreases += 1;
      this.currentRate = Math.min(this.maxRate, Math.max(this.minRate, next));
    }
    this.windowStart = now;
    this.windowSuccesses = 0;
    this.windowThrottled = 0;
  }
}
