import { DateTime } from 'luxon';
import type { Finding } from '../model';
import type { PacingStats } from '../pacing/retry';
import type { Assessment } from './assessment';

export interface ProductSummary {
  readonly service: string;
  readonly name: string;
  readonly source: string;
  readonly lastUsed: string;
}

export interface StaleKeySummary {
  readonly accessKeyId: string;
  readonly userName: string;
  readonly displayName: string | null;
  /** ISO time of the last recorded use; null when ActionTrail has none. */
  readonly lastUsed: string | null;
  /**
   * With lastUsed null: since when ActionTrail recorded no use, the later of createDate ("never
   * used") and the start of ActionTrail's window ("no use recorded since"). Else null.
   */
  readonly noUseSince: string | null;
  readonly createDate: string;
  readonly idleDays: number;
  readonly products: readonly ProductSummary[];
}

export interface UnknownKeySummary {
  readonly accessKeyId: string;
  readonly userName: string;
  readonly reason: string;
}

/** A user whose key list could not be read: how many keys it has is not known. */
export interface UnlistedUserSummary {
  readonly userName: string;
  readonly reason: string;
}

/** The summary's `state` field. Field names are a contract. */
export interface StateSummary {
  /** The store ("oss://bucket/prefix/", a path), or null when no state is configured. */
  readonly where: string | null;
  readonly loaded: boolean;
  /** Why not loaded (or not saved), or null. */
  readonly why: string | null;
  /** Keys looked up in ActionTrail in this run. */
  readonly keysLookedUp: number;
  /** Keys whose verdict came from the state, without a look-up. */
  readonly keysFromState: number;
  /** The generation this run wrote, or null (no state, a dry run, or the save failed). */
  readonly savedGeneration: number | null;
}

/** What the function returns (and the CLI prints with --json). Field names are a contract. */
export interface Summary {
  /** account-scan: a member account scanned for an organisation's coordinator (issue 12). */
  readonly trigger: 'timer' | 'manual' | 'cli' | 'account-scan';
  readonly report: 'full' | 'changes';
  readonly dryRun: boolean;
  readonly now: string;
  readonly staleAfterDays: number;
  /** True when the time limit stopped the scan before every key was checked. */
  readonly partial: boolean;
  /** True only when every key was judged: no unknown key, no unlisted user, not partial. */
  readonly complete: boolean;
  readonly counts: {
    readonly users: number;
    /** Keys listed; always stale + ok + inactive + exempt + unknown. */
    readonly keys: number;
    readonly stale: number;
    /** Keys whose look-up failed or was not reached. */
    readonly unknown: number;
    /** Users whose key list could not be read (their keys are not in `keys`). */
    readonly unlistedUsers: number;
    readonly inactive: number;
    readonly ok: number;
    readonly exempt: number;
    readonly newlyStale: number;
    readonly warn: number;
    readonly rotationOverdue: number;
  };
  readonly stale: readonly StaleKeySummary[];
  /** Keys that turned stale since the previous scheduled run (what the hourly alert posts). */
  readonly newlyStale: readonly string[];
  readonly unknown: readonly UnknownKeySummary[];
  readonly unlistedUsers: readonly UnlistedUserSummary[];
  readonly notified: { readonly messages: number };
  /** The state: where, whether it was loaded (and why not), keys looked up and keys taken from it. */
  readonly state: StateSummary;
  readonly api: PacingStats;
  readonly durationMs: number;
}

const iso = (ms: number): string => DateTime.fromMillis(ms, { zone: 'utc' }).toISO() ?? '';

export function staleKeySummary(f: Finding): StaleKeySummary {
  return {
    accessKeyId: f.key.accessKeyId,
    userName: f.key.userName,
    displayName: f.key.displayName ?? null,
    lastUsed: f.lastUsedAt === undefined ? null : iso(f.lastUsedAt),
    noUseSince: f.noUseSince === undefined ? null : iso(f.noUseSince),
    createDate: iso(f.key.createdAt),
    idleDays: f.idleDays ?? 0,
    products: f.products.map((p) => ({ service: p.serviceName, name: p.serviceNameEn, source: p.source, lastUsed: iso(p.usedAt) })),
  };
}

export function summarize(
  a: Assessment,
  run: { trigger: Summary['trigger']; report: Summary['report']; dryRun: boolean; messages: number; api: PacingStats; durationMs: number; state: StateSummary },
): Summary {
  return {
    trigger: run.trigger,
    report: run.report,
    dryRun: run.dryRun,
    now: iso(a.now),
    staleAfterDays: a.staleAfterDays,
    partial: a.partial,
    complete: a.complete,
    counts: {
      users: a.users,
      keys: a.findings.length,
      stale: a.stale.length,
      unknown: a.unknown.length,
      unlistedUsers: a.unlisted.length,
      inactive: a.inactive.length,
      ok: a.findings.filter((f) => f.verdict === 'ok').length,
      exempt: a.exempt.length,
      newlyStale: a.newlyStale.length,
      warn: a.warn.length,
      rotationOverdue: a.rotationOverdue.length,
    },
    stale: a.stale.map(staleKeySummary),
    newlyStale: a.newlyStale.map((f) => f.key.accessKeyId),
    unknown: a.unknown.map((f) => ({ accessKeyId: f.key.accessKeyId, userName: f.key.userName, reason: f.reason ?? 'unknown' })),
    unlistedUsers: a.unlisted.map((u) => ({ userName: u.userName, reason: u.reason })),
    notified: { messages: run.messages },
    state: run.state,
    api: { ...run.api },
    durationMs: run.durationMs,
  };
}
