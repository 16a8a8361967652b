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
 * bunch up) guarantees that no window of one second holds more than `rate` starts. The rate adapts to the cloud (AIMD): a Throttling
 * answer cuts it by 30% (at most once a second, so a burst of throttles counts once), each success
 * raises it by 0.5% up to maxRate. A wrong QPS setting then costs speed, not correctness.
 *
 * Why not bottleneck or p-limit: p-limit bounds concurrency, not rate; bottleneck (last release
 * 2019) paces with a fixed minTime and has no notion of backing off on a throttle answer, and the
 * pacer itself is twenty lines.
 */
export class AdaptiveRateLimiter {
  readonly maxRate: number;
  private readonly minRate: number;
  private readonly clock: Clock;
  private currentRate: number;
  private nextSlot = 0;
  private lastDecrease = Number.NEGATIVE_INFINITY;
  private decreases = 0;
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

  /** How many times the rate was cut. */
  get slowdowns(): number {
    return this.decreases;
  }

  /**
   * Waits for the next slot. Rejects with DeadlineReachedError, without taking a slot, when the
   * slot would fall after `deadline` (epoch ms).
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
    const now = this.clock.now();
    if (now - this.lastDecrease < 1000) return;
    this.lastDecrease = now;
    this.decreases += 1;
    this.currentRate = Math.max(this.minRate, this.currentRate * 0.7);
  }

  onSuccess(): void {
    if (this.currentRate < this.maxRate) this.currentRate = Math.min(this.maxRate, this.currentRate * 1.005);
  }
}
