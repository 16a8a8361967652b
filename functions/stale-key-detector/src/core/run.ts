import { CloudApiError } from '../errors/cloud-api-error';
import { DingTalkError } from '../errors/dingtalk-error';
import { ScanFailedError } from '../errors/scan-failed-error';
import type { Logger } from '../logger';
import type { Exemption, Finding, Mentions } from '../model';
import { type Clock, systemClock } from '../pacing/clock';
import { AdaptiveRateLimiter } from '../pacing/rate-limiter';
import { DEFAULT_RETRY_POLICY, newPacingStats, type PacingStats, type RetryPolicy } from '../pacing/retry';
import { describeError } from '../redact';
import { composeChanges, composeDigest } from '../report/compose';
import type { Part } from '../report/split';
import { type Assessment, assess } from './assessment';
import { type FailureNotice, sendFailureAlert } from './failure-alert';
import { fixFor } from './fixes';
import { judge } from './judge';
import { type AlertChannel, composeOptions, sendParts } from './messages';
import type { ActionTrailApi, Notifier, RamApi } from './ports';
import { crossingWindow } from './schedule';
import { scan } from './scan';
import { type StateAccess, StateRun } from './state/state-run';
import { type Summary, summarize } from './summary';

export interface DetectorDeps {
  readonly ram: RamApi;
  readonly actionTrail: ActionTrailApi;
  /** Absent on a dry run. */
  readonly notifier: Notifier | undefined;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Where the state is kept; undefined: full scans, alerts by the window rule. */
  readonly state?: StateAccess | undefined;
}

/**
 * What the environment configures that the core reads. The configuration's Settings is one of
 * these as it is: it is passed whole, never repacked field by field.
 */
export interface DetectorSettings {
  readonly staleAfterDays: number;
  readonly timezone: string;
  /** The timer's period: the window of an hourly alert. */
  readonly scheduleMinutes: number;
  readonly warnWithinDays: number;
  readonly rotateAfterDays: number;
  readonly exemptions: readonly Exemption[];
  readonly mentions: Mentions;
  readonly keyword: string | undefined;
  readonly ramQps: number;
  readonly actionTrailQps: number;
}

/** One run: what it is, and the settings it runs under. */
export interface RunOptions {
  readonly settings: DetectorSettings;
  readonly trigger: Summary['trigger'];
  /** Identifies the run; a retried run with the same id reuses msgUuids, so DingTalk shows nothing twice. */
  readonly runId: string;
  /** The run's clock for every judgement: a timer run's triggerTime. */
  readonly now: number;
  readonly report: 'full' | 'changes';
  readonly dryRun: boolean;
  /**
   * Whether the run leaves a new state generation (when a state is configured). Off for a dry run
   * and a run under another threshold than the configured one; default: not a dry run.
   */
  readonly saveState?: boolean;
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
 * nothing of Function Compute, the CLI or the environment. Any failure, the scan's or the
 * report's (one that cannot be composed or sent), posts the failure alert before it rejects.
 */
export async function runDetector(deps: DetectorDeps, options: RunOptions): Promise<Summary> {
  const clock = deps.clock ?? systemClock;
  const startedAt = clock.now();
  const stats = newPacingStats();
  const { settings } = options;
  const channel: AlertChannel | undefined = options.dryRun || deps.notifier === undefined ? undefined : { notifier: deps.notifier, mentions: settings.mentions, keyword: settings.keyword };
  if (!options.dryRun && channel === undefined) throw new Error('no notifier configured for a run that posts');
  try {
    const state = await StateRun.open(deps.state, deps.logger);
    const { assessment, unlistedUsers } = await scanAndAssess(deps, options, stats, clock, state);
    const alerted = state.alerted(assessment.stale, assessment.newlyStale);
    const assessed = { ...assessment, newlyStale: alerted, alertRule: state.usable ? ('episodes' as const) : ('window' as const), stateNotice: state.notice };
    const report = composeReport(assessed, options);
    let messages = 0;
    try {
      messages = channel === undefined ? 0 : await sendParts(channel, state.seed(alerted, notCheckedIds(assessed), options), report.parts, report.mention);
    } finally {
      // Also after a failed post: the facts are good, and the episodes stay undelivered.
      if (options.saveState ?? !options.dryRun) await state.save({ now: options.now, windowFrom: crossingWindow(options.now, settings.scheduleMinutes).from, findings: assessed.findings, unlistedUsers, alerted, sent: channel !== undefined && messages === report.parts.length }, deps.logger);
    }
    if (state.problem !== undefined) throw new ScanFailedError(`the report was posted, but the state could not be saved: ${state.problem}`, STATE_FIX);
    const summary = summarize(assessed, { trigger: options.trigger, report: options.report, dryRun: options.dryRun, messages, api: stats, durationMs: clock.now() - startedAt, state: state.summary() });
    deps.logger.info('scan done', {
      report: summary.report,
      complete: summary.complete,
      users: summary.counts.users,
      keys: summary.counts.keys,
      stale: summary.counts.stale,
      newly_stale: summary.counts.newlyStale,
      unknown: summary.counts.unknown,
      unlisted_users: summary.counts.unlistedUsers,
      partial: summary.partial,
      keys_looked_up: summary.state.keysLookedUp,
      keys_from_state: summary.state.keysFromState,
      looked_up_for: Object.entries(state.reasons).map(([reason, n]) => `${reason}:${n}`).join(' '),
      messages,
      api_calls: stats.calls,
      retries: stats.retries,
      throttled: stats.throttled,
    });
    return summary;
  } catch (error) {
    const notice = failureNotice(error);
    deps.logger.error('run failed', { error: notice.message, fix: notice.fix, api_calls: stats.calls });
    if (channel !== undefined) await sendFailureAlert(channel, notice, { runId: options.runId, now: options.now, timezone: settings.timezone }, deps.logger);
    throw error instanceof ScanFailedError || error instanceof DingTalkError ? error : new ScanFailedError(notice.message, notice.fix, { cause: error });
  }
}

/** What a report says was not checked: unknown keys and unlisted users. */
const notCheckedIds = (a: Assessment): string[] => [...a.unknown.map((f) => f.key.accessKeyId), ...a.unlisted.map((u) => `user:${u.userName}`)];

const STATE_FIX = 'check that the function may write the state (oss:PutObject on the STATE_URL prefix, see policies/) and that the bucket exists; the next run scans in full until a state is saved';

async function scanAndAssess(deps: DetectorDeps, options: RunOptions, stats: PacingStats, clock: Clock, state: StateRun): Promise<{ assessment: Assessment; unlistedUsers: ReadonlySet<string> | undefined }> {
  const { settings } = options;
  const rules = { now: options.now, staleAfterDays: settings.staleAfterDays, timezone: settings.timezone, exemptions: settings.exemptions };
  const planRules = { ...rules, intervalMinutes: settings.scheduleMinutes, digest: options.report === 'full' ? { warnWithinDays: settings.warnWithinDays } : undefined };
  const findings: Finding[] = [];
  const outcome = await scan(
    {
      ram: deps.ram,
      actionTrail: deps.actionTrail,
      ramLimiter: new AdaptiveRateLimiter({ maxRate: settings.ramQps, clock }),
      actionTrailLimiter: new AdaptiveRateLimiter({ maxRate: settings.actionTrailQps, clock }),
      policy: options.retryPolicy ?? DEFAULT_RETRY_POLICY,
      stats,
      clock,
      logger: deps.logger,
    },
    { deadline: options.deadline, concurrency: options.concurrency ?? DEFAULT_CONCURRENCY, known: (key) => state.known(key, planRules) },
    (key, lookup) => {
      state.observe(key, lookup);
      const finding = judge(key, lookup, rules);
      findings.push(finding);
      options.onProgress?.({ keys: findings.length, finding });
    },
  );
  const assessment = assess(findings, outcome, { ...rules, intervalMinutes: settings.scheduleMinutes, warnWithinDays: settings.warnWithinDays, rotateAfterDays: settings.rotateAfterDays });
  const judged = findings.filter((f) => f.verdict === 'stale' || f.verdict === 'ok').length;
  const unchecked = assessment.unknown.length + assessment.unlisted.length;
  if (judged === 0 && unchecked > 0) {
    const first = assessment.unknown[0]?.reason ?? assessment.unlisted[0]?.reason ?? '';
    throw new ScanFailedError(`no key could be checked (${assessment.unknown.length} keys unknown, ${assessment.unlisted.length} users unlisted; first: ${first})`, 'see the reason; if it is the time limit, raise the function timeout');
  }
  return { assessment, unlistedUsers: outcome.partial ? undefined : new Set(outcome.unlisted.map((u) => u.userName)) };
}

/**
 * The digest (with the keys that crossed in this run's window at its top) or the hourly view.
 * The first part mentions when keys just turned stale on a timer run, or, on the hourly view,
 * whenever it posts.
 */
function composeReport(assessment: Assessment, options: RunOptions): { parts: Part[]; mention: boolean } {
  const { settings } = options;
  if (options.report === 'full') {
    const mention = options.trigger === 'timer' && assessment.newlyStale.length > 0;
    const parts = composeDigest(assessment, { ...composeOptions(settings, mention), warnWithinDays: settings.warnWithinDays, rotateAfterDays: settings.rotateAfterDays, intervalMinutes: settings.scheduleMinutes });
    return { parts, mention };
  }
  return { parts: composeChanges(assessment, { ...composeOptions(settings, true), intervalMinutes: settings.scheduleMinutes }), mention: true };
}

function failureNotice(error: unknown): FailureNotice {
  const cause = error instanceof ScanFailedError && error.cause instanceof CloudApiError ? error.cause : error instanceof CloudApiError ? error : undefined;
  const base = { code: cause?.code, requestId: cause?.requestId };
  if (error instanceof ScanFailedError) return { message: error.message, fix: error.fix, ...base };
  if (error instanceof DingTalkError) return { message: `the report could not be posted: ${error.message}`, fix: 'see the error; the scan itself finished (the function log has its summary line only on success)', ...base };
  return { message: `the run failed: ${describeError(error)}`, fix: fixFor(error), ...base };
}
