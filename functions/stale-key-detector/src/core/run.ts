import { createHash } from 'node:crypto';
import type { ActionTrailApi } from '../adapters/actiontrail';
import type { MarkdownMessage, Notifier } from '../adapters/dingtalk';
import type { RamApi } from '../adapters/ram';
import type { Mentions } from '../config/settings';
import { CloudApiError } from '../errors/cloud-api-error';
import { ScanFailedError } from '../errors/scan-failed-error';
import type { Logger } from '../logger';
import type { Exemption, Finding } from '../model';
import { type Clock, systemClock } from '../pacing/clock';
import { AdaptiveRateLimiter } from '../pacing/rate-limiter';
import { DEFAULT_RETRY_POLICY, newPacingStats, type RetryPolicy } from '../pacing/retry';
import { describeError } from '../redact';
import { composeChanges, composeDigest, composeFailure } from '../report/compose';
import type { Part } from '../report/split';
import { assess } from './assessment';
import { judge } from './judge';
import { scan } from './scan';
import { type Summary, summarize } from './summary';

export interface DetectorDeps {
  readonly ram: RamApi;
  readonly actionTrail: ActionTrailApi;
  /** Absent on a dry run. */
  readonly notifier: Notifier | undefined;
  readonly logger: Logger;
  readonly clock?: Clock;
}

export interface RunOptions {
  readonly trigger: Summary['trigger'];
  /** Identifies the run; a retried run with the same id reuses msgUuids, so DingTalk shows nothing twice. */
  readonly runId: string;
  /** The run's clock for every judgement: a timer run's triggerTime. */
  readonly now: number;
  readonly report: 'full' | 'changes';
  readonly dryRun: boolean;
  readonly staleAfterDays: number;
  readonly timezone: string;
  readonly intervalMinutes: number;
  readonly warnWithinDays: number;
  readonly rotateAfterDays: number;
  readonly exemptions: readonly Exemption[];
  readonly mentions: Mentions;
  readonly keyword: string | undefined;
  readonly ramQps: number;
  readonly actionTrailQps: number;
  /** Epoch ms after which no new call starts (see pacing/deadline). */
  readonly deadline: number;
  readonly concurrency?: number;
  readonly retryPolicy?: RetryPolicy;
  /** Called after each key is judged, with its finding (the CLI's progress bar and --all table). */
  readonly onProgress?: (progress: { readonly keys: number; readonly finding: Finding }) => void;
}

/** Users in flight at once (each has at most two keys); enough to keep the limiters busy while calls back off. */
export const DEFAULT_CONCURRENCY = 128;

/**
 * The detector: scan, judge, compose, post, summarize. Takes its clients as arguments; knows
 * nothing of Function Compute, the CLI or the environment.
 */
export async function runDetector(deps: DetectorDeps, options: RunOptions): Promise<Summary> {
  const clock = deps.clock ?? systemClock;
  const startedAt = clock.now();
  const stats = newPacingStats();
  const rules = { now: options.now, staleAfterDays: options.staleAfterDays, timezone: options.timezone, exemptions: options.exemptions };
  const findings: Finding[] = [];
  const post = async (parts: readonly Part[], mention: boolean): Promise<number> => (options.dryRun ? 0 : send(deps, options, parts, mention));

  let assessment;
  try {
    const outcome = await scan(
      {
        ram: deps.ram,
        actionTrail: deps.actionTrail,
        ramLimiter: new AdaptiveRateLimiter({ maxRate: options.ramQps, clock }),
        actionTrailLimiter: new AdaptiveRateLimiter({ maxRate: options.actionTrailQps, clock }),
        policy: options.retryPolicy ?? DEFAULT_RETRY_POLICY,
        stats,
        clock,
        logger: deps.logger,
      },
      { deadline: options.deadline, concurrency: options.concurrency ?? DEFAULT_CONCURRENCY },
      (key, lookup) => {
        const finding = judge(key, lookup, rules);
        findings.push(finding);
        options.onProgress?.({ keys: findings.length, finding });
      },
    );
    assessment = assess(findings, outcome, { ...rules, intervalMinutes: options.intervalMinutes, warnWithinDays: options.warnWithinDays, rotateAfterDays: options.rotateAfterDays });
    const judged = findings.filter((f) => f.verdict === 'stale' || f.verdict === 'ok').length;
    const unknown = assessment.unknown.length + assessment.unlisted.length;
    if (judged === 0 && unknown > 0) {
      const first = assessment.unknown[0]?.reason ?? assessment.unlisted[0]?.reason ?? '';
      throw new ScanFailedError(`no key could be checked (${unknown} unknown; first: ${first})`, 'see the reason; if it is the time limit, raise the function timeout');
    }
  } catch (error) {
    const failure = error instanceof ScanFailedError ? error : new ScanFailedError(`the scan failed: ${describeError(error)}`, 'see the function logs', { cause: error });
    deps.logger.error('scan failed', { error: failure.message, fix: failure.fix, api_calls: stats.calls });
    const cause = failure.cause instanceof CloudApiError ? failure.cause : undefined;
    try {
      await post(composeFailure({ message: failure.message, fix: failure.fix, code: cause?.code, requestId: cause?.requestId }, options.now, options.timezone, composeOptions(options, true)), true);
    } catch (notifyError) {
      deps.logger.error('the failure alert could not be posted either', { error: describeError(notifyError) });
    }
    throw failure;
  }

  const parts = options.report === 'full'
    ? composeDigest(assessment, { ...composeOptions(options, false), warnWithinDays: options.warnWithinDays, rotateAfterDays: options.rotateAfterDays })
    : composeChanges(assessment, { ...composeOptions(options, true), intervalMinutes: options.intervalMinutes });
  const messages = await post(parts, options.report === 'changes');
  const summary = summarize(assessment, { trigger: options.trigger, report: options.report, dryRun: options.dryRun, messages, api: stats, durationMs: clock.now() - startedAt });
  deps.logger.info('scan done', {
    report: summary.report,
    users: summary.counts.users,
    keys: summary.counts.keys,
    stale: summary.counts.stale,
    newly_stale: summary.counts.newlyStale,
    unknown: summary.counts.unknown,
    partial: summary.partial,
    messages,
    api_calls: stats.calls,
    retries: stats.retries,
    throttled: stats.throttled,
  });
  return summary;
}

function mentionText(mentions: Mentions): string | undefined {
  const names = [...mentions.atMobiles, ...mentions.atUserIds].map((m) => `@${m}`);
  if (mentions.isAtAll) names.push('@all');
  return names.length === 0 ? undefined : names.join(' ');
}

function composeOptions(options: RunOptions, alert: boolean) {
  return {
    measure: (part: Part) => Buffer.byteLength(JSON.stringify(toMessage(part, `${'x'.repeat(24)}-99`, alert ? options.mentions : undefined))),
    keyword: options.keyword,
    mentionText: alert ? mentionText(options.mentions) : undefined,
  };
}

function toMessage(part: Part, msgUuid: string, mentions: Mentions | undefined): MarkdownMessage {
  const at = mentions === undefined ? undefined : { atMobiles: mentions.atMobiles, atUserIds: mentions.atUserIds, isAtAll: mentions.isAtAll };
  return { msgtype: 'markdown', markdown: { title: part.title, text: part.text }, ...(at === undefined ? {} : { at }), msgUuid };
}

/** msgUuid for part n of a run: stable for the same run, so a retried post is not shown twice. */
export function messageUuid(runId: string, part: number): string {
  return `${createHash('sha256').update(runId).digest('hex').slice(0, 24)}-${part}`;
}

async function send(deps: DetectorDeps, options: RunOptions, parts: readonly Part[], mention: boolean): Promise<number> {
  if (deps.notifier === undefined) throw new Error('no notifier configured for a run that posts');
  let sent = 0;
  for (const [i, part] of parts.entries()) {
    const mentions = mention && i === 0 ? options.mentions : undefined;
    await deps.notifier.send(toMessage(part, messageUuid(options.runId, i + 1), mentions));
    sent += 1;
  }
  return sent;
}
