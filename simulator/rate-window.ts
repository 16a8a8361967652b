/**
 * Sliding-window rate limiter: at most `limit` accepted events in any `windowMs`. A ring buffer of
 * the last `limit` accepted timestamps makes each check O(1): an event is accepted when fewer than
 * `limit` were accepted, or the oldest remembered one is at least `windowMs` old.
 */
export class SlidingWindow {
  private readonly times: Float64Array;
  private count = 0;
  private next = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer: ${limit}`);
    this.times = new Float64Array(limit);
  }

  /** Would an event at `atMs` be accepted? (Does not record it.) */
  wouldAccept(atMs: number): boolean {
    if (this.count < this.limit) return true;
    return atMs - (this.times[this.next] as number) >= this.windowMs;
  }

  /** Records an accepted event at `atMs` (call after wouldAccept returned true). */
  record(atMs: number): void {
    this.times[this.next] = atMs;
    this.next = (this.next + 1) % this.limit;
    if (this.count < this.limit) this.count += 1;
  }

  tryAcquire(atMs: number): boolean {
    if (!this.wouldAccept(atMs)) return false;
    this.record(atMs);
    return true;
  }

  reset(): void {
    this.count = 0;
    this.next = 0;
  }
}

/** Per-action limiters (e.g. 'ram:ListUsers' -> 100/s), replaceable at run time. */
export class ActionRateLimits {
  private readonly windows = new Map<string, SlidingWindow>();

  constructor(
    limits: Readonly<Record<string, number | undefined>> = {},
    private readonly windowMs = 1000,
  ) {
    this.set(limits);
  }

  set(limits: Readonly<Record<string, number | undefined>>): void {
    this.windows.clear();
    for (const [action, limit] of Object.entries(limits)) {
      if (limit !== undefined) this.windows.set(action, new SlidingWindow(limit, this.windowMs));
    }
  }

  /** True when the event is within the limit (or the action has none). */
  tryAcquire(action: string, atMs: number): boolean {
    const window = this.windows.get(action);
    return window === undefined || window.tryAcquire(atMs);
  }
}
