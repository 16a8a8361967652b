/**
 * Remembers signature nonces for a time window with bounded memory: a Map for look-ups plus a FIFO
 * queue (entries arrive in time order) for expiry. Amortised O(1) per call.
 */
export class NonceCache {
  private readonly expiries = new Map<string, number>();
  private queue: string[] = [];
  private head = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** Returns true when `key` was already used within the window; otherwise records it. */
  checkAndRemember(key: string, nowMs: number): boolean {
    this.evict(nowMs);
    const expiry = this.expiries.get(key);
    if (expiry !== undefined && expiry > nowMs) return true;
    if (expiry === undefined) this.queue.push(key);
    this.expiries.set(key, nowMs + this.ttlMs);
    return false;
  }

  get size(): number {
    return this.expiries.size;
  }

  clear(): void {
    this.expiries.clear();
    this.queue = [];
    this.head = 0;
  }

  private evict(nowMs: number): void {
    while (this.head < this.queue.length) {
      const key = this.queue[this.head] as string;
      const expiry = this.expiries.get(key);
      const overFull = this.expiries.size >= this.maxEntries;
      if (expiry !== undefined && expiry > nowMs && !overFull) break;
      this.expiries.delete(key);
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
