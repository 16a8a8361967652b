import type { Clock } from '../functions/stale-key-detector/src/pacing/clock';
import type { Writer } from './io';

const BAR_WIDTH = 24;
const CLEAR_TO_END = '\x1b[K';

/**
 * A one-line progress bar redrawn in place with \r, on stderr, at most every `intervalMs`.
 * The total grows while RAM is still listing users, so the bar is "checked / listed so far".
 * Disabled (every method a no-op) when stderr is not a terminal: logs and CI stay clean.
 */
export class ProgressBar {
  private lastDraw = Number.NEGATIVE_INFINITY;
  private visible = false;
  private done = 0;
  private total = 0;
  private readonly startedAt: number;

  constructor(
    private readonly out: Writer,
    private readonly clock: Clock,
    private readonly enabled: boolean,
    private readonly intervalMs = 100,
  ) {
    this.startedAt = clock.now();
  }

  /** Keys listed by RAM so far. */
  listed(total: number): void {
    this.total = total;
    this.maybeDraw();
  }

  /** Keys judged so far. */
  checked(done: number): void {
    this.done = done;
    this.maybeDraw();
  }

  /** Erases the line (before a log line, and at the end). The next update draws it again. */
  clear(): void {
    if (!this.visible) return;
    this.out.write(`\r${CLEAR_TO_END}`);
    this.visible = false;
  }

  private maybeDraw(): void {
    if (!this.enabled) return;
    const now = this.clock.now();
    if (this.visible && now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    this.visible = true;
    this.out.write(`\r${renderBar(this.done, this.total, now - this.startedAt)}${CLEAR_TO_END}`);
  }
}

export function renderBar(done: number, total: number, elapsedMs: number): string {
  const seconds = `${Math.floor(elapsedMs / 1000)}s`;
  if (total === 0) return `listing RAM users… ${seconds}`;
  const fraction = Math.min(1, done / total);
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
  return `${bar} ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} keys checked ${seconds}`;
}
