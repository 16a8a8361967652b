/** Per-action counters and in-flight tracking (what the benchmark reports). */
import type { ActionStats } from './types';

function zero(): ActionStats {
  return { requests: 0, successes: 0, throttled: 0, injectedErrors: 0, errors: 0, inFlight: 0, maxInFlight: 0 };
}

export type Outcome = 'success' | 'error' | 'throttled' | 'injected' | 'injected-throttle';

export class CloudStats {
  private readonly byAction = new Map<string, ActionStats>();

  /** Counters of one action (all zero when it was never called). */
  get(action: string): Readonly<ActionStats> {
    return this.byAction.get(action) ?? zero();
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

  /** @internal */
  arrive(action: string): void {
    let s = this.byAction.get(action);
    if (!s) {
      s = zero();
      this.byAction.set(action, s);
    }
    s.requests += 1;
    s.inFlight += 1;
    if (s.inFlight > s.maxInFlight) s.maxInFlight = s.inFlight;
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

