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
  readonly createDate: string;
  readonly idleDays: number;
  readonly products: readonly ProductSummary[];
}

export interface UnknownKeySummary {
  /** null when the user's key list itself could not be read. */
  readonly accessKeyId: string | null;
  readonly userName: string;
  readonly reason: string;
}

/** What the function returns (and the CLI prints with --json). Field names are a contract. */
export interface Summary {
  readonly trigger: 'timer' | 'manual' | 'cli';
  readonly report: 'full' | 'changes';
  readonly dryRun: boolean;
  readonly now: string;
  readonly staleAfterDays: number;
  readonly partial: boolean;
  readonly counts: {
    readonly users: number;
    readonly keys: number;
    readonly stale: number;
    readonly unknown: number;
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
  readonly notified: { readonly messages: number };
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
    createDate: iso(f.key.createdAt),
    idleDays: f.idleDays ?? 0,
    products: f.products.map((p) => ({ service: p.serviceName, name: p.serviceNameEn, source: p.source, lastUsed: iso(p.usedAt) })),
  };
}

export function summarize(
  a: Assessment,
  run: { trigger: Summary['trigger']; report: Summary['report']; dryRun: boolean; messages: number; api: PacingStats; durationMs: number },
): Summary {
  const unknown: UnknownKeySummary[] = [
    ...a.unknown.map((f) => ({ accessKeyId: f.key.accessKeyId, userName: f.key.userName, reason: f.reason ?? 'unknown' })),
    ...a.unlisted.map((u) => ({ accessKeyId: null, userName: u.userName, reason: u.reason })),
  ];
  return {
    trigger: run.trigger,
    report: run.report,
    dryRun: run.dryRun,
    now: iso(a.now),
    staleAfterDays: a.staleAfterDays,
    partial: a.partial,
    counts: {
      users: a.users,
      keys: a.findings.length,
      stale: a.stale.length,
      unknown: unknown.length,
      inactive: a.inactive.length,
      ok: a.findings.filter((f) => f.verdict === 'ok').length,
      exempt: a.exempt.length,
      newlyStale: a.newlyStale.length,
      warn: a.warn.length,
      rotationOverdue: a.rotationOverdue.length,
    },
    stale: a.stale.map(staleKeySummary),
    newlyStale: a.newlyStale.map((f) => f.key.accessKeyId),
    unknown,
    notified: { messages: run.messages },
    api: { ...run.api },
    durationMs: run.durationMs,
  };
}
