/**
 * One run's use of the state: load it, answer the scan's "may this key skip its look-up?", pick
 * the keys the alert posts, and leave the next generation. Rule: a state may make a run cheaper,
 * never wrong. A state that cannot be used (missing, unreadable, corrupt, foreign, future) means a
 * full scan, alerting by the window rule, and a fresh state written over nothing.
 */
import type { Logger } from '../../logger';
import type { AccessKey, Finding, ProductUse } from '../../model';
import type { DocumentStore } from '../ports';
import type { Lookup } from '../scan';
import type { StateSummary } from '../summary';
import { episodeSeed, nextRecords, undelivered } from './episodes';
import { type LookupReason, lookupReason, type PlanRules } from './plan';
import { type LoadedState, loadState, saveState } from './state-chain';
import type { KeyRecord, StateScope } from './state-document';

/** Where the run keeps its state, and whose state it is. */
export interface StateAccess {
  readonly store: DocumentStore;
  readonly scope: StateScope;
}

export class StateRun {
  private readonly prior: ReadonlyMap<string, KeyRecord>;
  private readonly lookedUp = new Map<string, readonly ProductUse[]>();
  private readonly failed = new Set<string>();
  private fromState = 0;
  private savedGeneration: number | null = null;
  private saveProblem: string | undefined;
  /** Why keys were looked up (the log's `looked_up_for`): new, recheck, due, digest, rolling. */
  readonly reasons: Record<LookupReason, number> = { new: 0, recheck: 0, due: 0, digest: 0, rolling: 0 };

  private constructor(
    private readonly access: StateAccess | undefined,
    private readonly loaded: LoadedState | undefined,
  ) {
    this.prior = new Map(loaded?.status === 'loaded' ? loaded.document.keys.map((k) => [k.accessKeyId, k]) : []);
  }

  /** Loads the state (never throws: an unusable one means a full scan). No access: full scans. */
  static async open(access: StateAccess | undefined, logger: Logger): Promise<StateRun> {
    if (access === undefined) return new StateRun(undefined, undefined);
    const loaded = await loadState(access.store, access.scope);
    if (loaded.status === 'loaded') logger.info('state loaded', { where: access.store.location, generation: loaded.document.generation, keys: loaded.document.keys.length });
    else logger.warn('state not used: full scan', { where: access.store.location, status: loaded.status, why: loaded.reason });
    return new StateRun(access, loaded);
  }

  get usable(): boolean {
    return this.loaded?.status === 'loaded';
  }

  /** Said in the report when a configured state could not be used, else undefined. */
  get notice(): string | undefined {
    const l = this.loaded;
    if (l === undefined || l.status === 'loaded') return undefined;
    return l.status === 'missing' ? `Full scan: no state yet (${l.reason}); the next runs look up only what can have changed.` : `Full scan: the state could not be used (${l.status}: ${l.reason}); this run writes a fresh one unless it is a dry run.`;
  }

  /** The products to judge `key` on without a look-up, or undefined when it must be looked up. */
  known(key: AccessKey, rules: PlanRules): readonly ProductUse[] | undefined {
    const record = this.prior.get(key.accessKeyId);
    const reason = this.usable ? lookupReason(key, record, rules) : 'new';
    if (reason !== undefined) {
      this.reasons[reason] += 1;
      return undefined;
    }
    this.fromState += 1;
    return record?.products;
  }

  /** What the scan learnt of a key. */
  observe(key: AccessKey, lookup: Lookup): void {
    if (lookup.ok && lookup.fromState !== true) this.lookedUp.set(key.accessKeyId, lookup.products);
    if (!lookup.ok) this.failed.add(key.accessKeyId);
  }

  /** The keys the alert posts: undelivered episodes with a state, the window's crossings without. */
  alerted(stale: readonly Finding[], windowCrossings: readonly Finding[]): readonly Finding[] {
    return this.usable ? undelivered(stale, this.prior) : windowCrossings;
  }

  /** The msgUuid seed: from the episodes (and what was not checked) when they are what the alert posts, else the run's id. */
  seed(alerted: readonly Finding[], notChecked: readonly string[], run: { runId: string; now: number; report: 'full' | 'changes' }): string {
    return this.usable && run.report === 'changes' && alerted.length > 0 ? episodeSeed(alerted, notChecked, this.prior, run.now) : run.runId;
  }

  /**
   * Writes the next generation. Only a run that finished its scan calls this (a failed run leaves
   * the state as it was); keys it could not check keep their old facts. Never throws: a failed
   * save is reported by `problem`.
   */
  async save(run: { now: number; windowFrom: number; findings: readonly Finding[]; unlistedUsers: ReadonlySet<string> | undefined; alerted: readonly Finding[]; sent: boolean }, logger: Logger): Promise<void> {
    if (this.access === undefined || this.loaded === undefined) return;
    const records = nextRecords(this.prior, { ...run, lookedUp: this.lookedUp, failed: this.failed, alerted: new Set(run.alerted.map((f) => f.key.accessKeyId)), hadState: this.usable, priorSavedAt: this.loaded.status === 'loaded' ? this.loaded.document.savedAt : undefined });
    const after = this.loaded.status === 'loaded' ? this.loaded.document.generation : this.loaded.generation;
    try {
      this.savedGeneration = await saveState(this.access.store, { ...this.access.scope, savedAt: run.now, keys: records }, after);
      logger.info('state saved', { where: this.access.store.location, generation: this.savedGeneration, keys: records.length });
    } catch (error) {
      this.saveProblem = error instanceof Error ? error.message : String(error);
      logger.error('state not saved', { where: this.access.store.location, error: this.saveProblem });
    }
  }

  /** Why the save failed, when it did. */
  get problem(): string | undefined {
    return this.saveProblem;
  }

  summary(): StateSummary {
    const keysLookedUp = this.lookedUp.size + this.failed.size;
    if (this.access === undefined || this.loaded === undefined) return { where: null, loaded: false, why: 'no state configured: every key looked up', keysLookedUp, keysFromState: 0, savedGeneration: null };
    const why = this.saveProblem !== undefined ? `not saved: ${this.saveProblem}` : this.loaded.status === 'loaded' ? null : `${this.loaded.status}: ${this.loaded.reason}`;
    return { where: this.access.store.location, loaded: this.usable, why, keysLookedUp, keysFromState: this.fromState, savedGeneration: this.savedGeneration };
  }
}
