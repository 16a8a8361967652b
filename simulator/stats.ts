/** Per-action counters, in-flight tracking and the optional request log. */
import type { ActionStats } from './types';

function zero(): ActionStats {
  return { requests: 0, successes: 0, throttled: 0, injectedErrors: 0, errors: 0, inFlight: 0, maxInFlight: 0 };
}

export type Outcome = 'success' | 'error' | 'throttled' | 'injected' | 'injected-throttle';

export class CloudStats {
  private readonly byAction = new Map<string, ActionStats>();
  private readonly arrivalTimes = new Map<string, number[]>();

  /** Counters of one action (all zero when it was never called). */
  get(action: string): Readonly<ActionStats> {
    return this.byAction.get(action) ?? zero();
  }

  /** A copy of every action's counters. */
  snapshot(): Record<string, ActionStats> {
    const out: Record<string, ActionStats> = {};
    for (const [action, stats] of this.byAction) out[action] = { ...stats };
    return out;
  }

  /** Sum over all actions (maxInFlight is the largest of any single action). */
  totals(): ActionStats {
    const sum = zero();
    for (const s of this.byAction.values()) {
      sum.requests += s.requests;
      sum.successes += s.successes;
      sum.throttled += s.throttled;
      sum.injectedErrors += s.injectedErrors;
      sum.errors += s.errors;
      sum.inFlight += s.inFlight;
      sum.maxInFlight = Math.max(sum.maxInFlight, s.maxInFlight);
    }
    return sum;
  }

  /** Monotonic arrival times (performance.now()) of an action; recorded only with recordRequests. */
  arrivals(action: string): readonly number[] {
    return this.arrivalTimes.get(action) ?? [];
  }

  reset(): void {
    for (const s of this.byAction.values()) {
      const inFlight = s.inFlight;
      Object.assign(s, zero(), { inFlight, maxInFlight: inFlight });
    }
    this.arrivalTimes.clear();
  }

  /** @internal */
  arrive(action: string, arrivedAt: number, record: boolean): void {
    let s = this.byAction.get(action);
    if (!s) {
      s = zero();
      this.byAction.set(action, s);
    }
    s.requests += 1;
    s.inFlight += 1;
    if (s.inFlight > s.maxInFlight) s.maxInFlight = s.inFlight;
    if (record) {
      let times = this.arrivalTimes.get(action);
      if (!times) {
        times = [];
        this.arrivalTimes.set(action, times);
      }
      times.push(arrivedAt);
    }
  }

  /** @internal */
  finish(action: string, outcome: Outcome): void {
    const s = this.byAction.get(action);
    if (!s) return;
    s.inFlight -= 1;
    if (outcome === 'success') {
      s.successes += 1;
      return;
    }
    s.errors += 1;
    if (outcome === 'throttled' || outcome === 'injected-throttle') s.throttled += 1;
    if (outcome === 'injected' || outcome === 'injected-throttle') s.injectedErrors += 1;
  }
}

