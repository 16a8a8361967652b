/**
 * A virtual clock for tests of pacing, back-off and deadlines: time moves only when every task is
 * waiting on the clock, and then jumps straight to the next wake-up. What a test asserts about
 * time therefore holds on any machine, however slow or busy, and takes no real time.
 *
 *   const clock = virtualClock({ start: Date.now() });
 *   await clock.sleep(50);           // resolves once nothing else can run, with now() 50 ms later
 *   await clock.io(() => fetch(…));  // real I/O: time stands still until it settles
 *
 * Sleepers wake one at a time, in order of their wake-up time (ties: the order they slept in),
 * each after everything the previous one started has run (a macrotask turn in between), as
 * Node's own timers do. `lateMs` makes every wake-up late by that much, as timers are under load.
 */
import type { Clock } from '../../functions/stale-key-detector/src/pacing/clock';

export interface VirtualClock extends Clock {
  /** Every sleep asked for (ms), in order. */
  readonly slept: readonly number[];
  /** Moves time forward now, without waking sleepers before the next turn. */
  advance(ms: number): void;
  /** Runs real I/O (HTTP to the simulator): virtual time stands still until it settles. */
  io<T>(work: () => Promise<T>): Promise<T>;
  /** Sleepers not yet woken. */
  readonly pending: number;
}

export interface VirtualClockOptions {
  /** Epoch ms at the start (default 0). */
  readonly start?: number;
  /** How late each wake-up is (ms), e.g. () => 30 for timers that fire late under load. */
  readonly lateMs?: (requestedMs: number) => number;
}

interface Sleeper {
  readonly at: number;
  readonly seq: number;
  readonly wake: () => void;
}

export function virtualClock(options: VirtualClockOptions = {}): VirtualClock {
  let now = options.start ?? 0;
  let seq = 0;
  let ioInFlight = 0;
  let turnScheduled = false;
  const sleepers: Sleeper[] = [];
  const slept: number[] = [];

  const scheduleTurn = (): void => {
    if (turnScheduled || sleepers.length === 0 || ioInFlight > 0) return;
    turnScheduled = true;
    // setImmediate runs after every pending promise continuation: the woken task has done all it can.
    setImmediate(turn);
  };

  function turn(): void {
    turnScheduled = false;
    if (ioInFlight > 0) return;
    sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = sleepers.shift();
    if (next === undefined) return;
    now = Math.max(now, next.at);
    next.wake();
    scheduleTurn();
  }

  return {
    slept,
    get pending() {
      return sleepers.length;
    },
    now: () => now,
    sleep(ms: number): Promise<void> {
      slept.push(ms);
      // As the system clock: no timer at all for a sleep of nothing.
      if (ms <= 0) return Promise.resolve();
      const late = options.lateMs?.(ms) ?? 0;
      return new Promise<void>((wake) => {
        sleepers.push({ at: now + ms + late, seq: seq++, wake });
        scheduleTurn();
      });
    },
    advance(ms: number): void {
      now += ms;
    },
    async io<T>(work: () => Promise<T>): Promise<T> {
      ioInFlight += 1;
      try {
        return await work();
      } finally {
        ioInFlight -= 1;
        scheduleTurn();
      }
    },
  };
}

/** The most starts in any one-second window [t, t + 1000): what a QPS limit bounds. */
export function busiestSecond(starts: readonly number[]): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let busiest = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last += 1) {
    while ((sorted[first] as number) <= (sorted[last] as number) - 1000) first += 1;
    busiest = Math.max(busiest, last - first + 1);
  }
  return busiest;
}
