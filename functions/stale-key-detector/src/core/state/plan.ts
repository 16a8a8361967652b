/**
 * Which keys a run with a state must look up, and which take their verdict from it. The rule
 * that makes this safe: a key last used at r cannot turn stale before r + threshold, and a new
 * use only moves that later. So a key whose crossing, by the state's facts, lies after the next
 * run cannot be stale now nor at the next run, whatever happened since: its facts may be old, its
 * verdict is not. Everything else is looked up.
 */
import { createHash } from 'node:crypto';
import type { AccessKey } from '../../model';
import { DAY_MS, judge, matchExemption, type Rules } from '../judge';
import type { KeyRecord } from './state-document';

const MINUTE_MS = 60_000;

export type LookupReason = 'new' | 'recheck' | 'due' | 'digest' | 'rolling';

export interface PlanRules extends Rules {
  /** The timer's period: the next run is at now + interval. */
  readonly intervalMinutes: number;
  /** The digest re-checks every key that is stale or turns stale within this many days. */
  readonly digest: { readonly warnWithinDays: number } | undefined;
}

/**
 * Why `key` must be looked up at rules.now, or undefined when its verdict can come from
 * `record`'s facts:
 *  - new: not in the state, or the state's record is of another key (CreateDate differs);
 *  - recheck: never checked, or the last run could not check it;
 *  - due: by the state, stale or turning stale before the next run (it must be confirmed);
 *  - digest: the digest re-checks every stale and warn-tier key;
 *  - rolling: its turn in a rolling share, so that every key is re-checked within a day.
 * A disabled or exempt key's verdict rests on RAM's status and the exemptions, not on its use:
 * it is only due once that changes (the rolling share still refreshes its facts).
 */
export function lookupReason(key: AccessKey, record: KeyRecord | undefined, rules: PlanRules): LookupReason | undefined {
  if (record === undefined || record.createdAt !== key.createdAt) return 'new';
  if (record.recheck || record.checkedAt === undefined) return 'recheck';
  const intervalMs = rules.intervalMinutes * MINUTE_MS;
  const judgedOnUse = key.status === 'Active' && matchExemption(key, rules).active === undefined;
  if (judgedOnUse) {
    const { staleAt } = judge(key, { ok: true, products: record.products }, rules);
    if (staleAt === undefined || staleAt <= rules.now + intervalMs) return 'due';
    if (rules.digest !== undefined && staleAt <= rules.now + rules.digest.warnWithinDays * DAY_MS) return 'digest';
  }
  // Its slot comes once a day; a key whose slot run was missed is caught by the next run after a day.
  if (rollingSlot(key.accessKeyId, intervalMs) === runSlot(rules.now, intervalMs) || record.checkedAt < rules.now - DAY_MS) return 'rolling';
  return undefined;
}

/** Runs a day: a key's turn comes once in that many runs. */
const slotsPerDay = (intervalMs: number): number => Math.max(1, Math.floor(DAY_MS / intervalMs));

function runSlot(now: number, intervalMs: number): number {
  return Math.floor(now / intervalMs) % slotsPerDay(intervalMs);
}

/** A key's slot: spread evenly and stable from run to run (a hash of its id). */
function rollingSlot(accessKeyId: string, intervalMs: number): number {
  return createHash('sha256').update(accessKeyId).digest().readUInt32BE(0) % slotsPerDay(intervalMs);
}

