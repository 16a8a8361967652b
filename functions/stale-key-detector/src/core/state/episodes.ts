/**
 * Alerts by episode, at least once. A stale episode runs from the run that first sees a key stale
 * until the key is used again, disabled, exempted or deleted; the chat hears of each episode once.
 * With a state, the hourly alert posts every stale key whose episode was not delivered: a crossing,
 * a re-enabled key, a lapsed exemption, a lowered threshold, one a failed post or failed look-up
 * held back. A run without a state alerts by the window rule, and its state marks the episodes it
 * did not alert as delivered: a lost state never floods the chat with old episodes.
 */
import { createHash } from 'node:crypto';
import type { Finding, ProductUse } from '../../model';
import type { KeyRecord } from './state-document';

/** Stale keys whose episode the chat has not heard of, in the order given. */
export function undelivered(stale: readonly Finding[], prior: ReadonlyMap<string, KeyRecord>): Finding[] {
  return stale.filter((f) => !(episodeOf(f, prior)?.delivered ?? false) && !toldByWindowRule(f, recordOf(f, prior)));
}

/** The prior record, when it is of this key (same CreateDate). */
function recordOf(f: Finding, prior: ReadonlyMap<string, KeyRecord>): KeyRecord | undefined {
  const record = prior.get(f.key.accessKeyId);
  return record !== undefined && record.createdAt === f.key.createdAt ? record : undefined;
}

function episodeOf(f: Finding, prior: ReadonlyMap<string, KeyRecord>): KeyRecord['episode'] {
  return recordOf(f, prior)?.episode;
}

/** A key not judged since a run without a state, that crossed before that run's window: the window rule's, told then. */
function toldByWindowRule(f: Finding, record: KeyRecord | undefined): boolean {
  return record?.toldBefore !== undefined && f.staleAt !== undefined && f.staleAt < record.toldBefore;
}

/**
 * The msgUuid seed of an alert: its episodes (key and opening run), and what it says was not
 * checked. A retried run, or the next run after a post that failed, saying the same sends the
 * same msgUuids, so the chat shows it once; an alert that says anything else is never taken for
 * a repeat (a repeat shown twice beats news dropped).
 */
export function episodeSeed(alerted: readonly Finding[], notChecked: readonly string[], prior: ReadonlyMap<string, KeyRecord>, now: number): string {
  const ids = alerted.map((f) => `${f.key.accessKeyId}@${episodeOf(f, prior)?.openedAt ?? now}`).sort();
  const unchecked = [...notChecked].sort().map((id) => `?${id}`);
  return `episodes:${createHash('sha256').update([...ids, ...unchecked].join('\n')).digest('hex').slice(0, 32)}`;
}

export interface RunFacts {
  readonly now: number;
  readonly findings: readonly Finding[];
  /** Fresh successful look-ups, by AccessKeyId. */
  readonly lookedUp: ReadonlyMap<string, readonly ProductUse[]>;
  /** Keys whose look-up failed or was not reached. */
  readonly failed: ReadonlySet<string>;
  /** Users whose key list failed, or undefined when the scan was cut short (any user may be missing). */
  readonly unlistedUsers: ReadonlySet<string> | undefined;
  /** The stale keys this run's alert named (the window rule's without a state). */
  readonly alerted: ReadonlySet<string>;
  /** True when the chat accepted every message of the run. */
  readonly sent: boolean;
  /** True when a state was loaded (alerts by episode); false after a full scan without one. */
  readonly hadState: boolean;
  /** The loaded state's instant (its savedAt), undefined without one. */
  readonly priorSavedAt: number | undefined;
  /** The start of the run's alert window (now - interval): without a state, crossings before it were told by earlier runs. */
  readonly windowFrom: number;
}

/**
 * The records the run leaves: fresh facts where it looked up, the state's where it did not, the
 * old facts (marked for a re-check) where it could not check. A key its user's complete key list
 * no longer has is dropped; one of a user not listed stays, to be re-checked.
 */
export function nextRecords(prior: ReadonlyMap<string, KeyRecord>, run: RunFacts): KeyRecord[] {
  const seen = new Set<string>();
  const records = run.findings.map((f): KeyRecord => {
    const id = f.key.accessKeyId;
    seen.add(id);
    const old = recordOf(f, prior);
    const fresh = run.lookedUp.get(id);
    const failed = run.failed.has(id);
    return {
      accessKeyId: id,
      userName: f.key.userName,
      createdAt: f.key.createdAt,
      status: f.key.status,
      checkedAt: fresh !== undefined ? run.now : old?.checkedAt,
      products: fresh ?? old?.products ?? [],
      recheck: failed || (fresh === undefined && old === undefined),
      episode: nextEpisode(f, old, run),
      ...(f.verdict === 'unknown' ? toldBefore(old, run) : {}),
    };
  });
  const kept = [...prior.values()].filter((r) => !seen.has(r.accessKeyId) && (run.unlistedUsers === undefined || run.unlistedUsers.has(r.userName)));
  return [...records, ...kept.map((r) => ({ ...r, recheck: true }))];
}

function nextEpisode(f: Finding, old: KeyRecord | undefined, run: RunFacts): KeyRecord['episode'] {
  if (f.verdict === 'unknown') return old?.episode;
  if (f.verdict !== 'stale') return undefined;
  const alerted = run.alerted.has(f.key.accessKeyId);
  const deliveredNow = run.sent && alerted;
  if (old?.episode !== undefined) return { ...old.episode, delivered: old.episode.delivered || deliveredNow };
  // The loaded state had the key without an episode: this one began after that state's run.
  const since = old !== undefined && run.priorSavedAt !== undefined ? { since: run.priorSavedAt } : {};
  // Without a state, only the window's crossings were alerted: the older episodes count as told.
  return { openedAt: run.now, delivered: deliveredNow || (!run.hadState && !alerted) || toldByWindowRule(f, old), ...since };
}

/** A key the run could not judge keeps (or, in a run without a state, gets) the instant before which its crossing counts as told. */
function toldBefore(old: KeyRecord | undefined, run: RunFacts): { toldBefore?: number } {
  if (old?.toldBefore !== undefined) return { toldBefore: old.toldBefore };
  return run.hadState ? {} : { toldBefore: run.windowFrom };
}
