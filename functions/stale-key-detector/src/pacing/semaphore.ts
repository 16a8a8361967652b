/**
 * A counting semaphore whose acquire() the producer awaits, so that listing users pauses while
 * the pool is full (backpressure keeps memory flat). p-limit queues every task it is given
 * instead, and its current versions are ESM-only.
 */
export class Semaphore {
  private available: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`size must be a positive integer, got ${size}`);
    this.available = size;
  }

  acquire(): Promise<void> {
    if (this.available > 0) {
      this.available -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.available += 1;
  }
}
