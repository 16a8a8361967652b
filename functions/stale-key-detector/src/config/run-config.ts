import type { RunOptions } from '../core/run';
import { isDigestRun } from '../core/schedule';
import { ConfigError } from '../errors/config-error';
import { scanDeadline } from '../pacing/deadline';
import type { Env } from './env-reader';
import type { InvocationEvent } from './event';
import { readSettings, type Settings } from './settings';

export interface InvocationContext {
  readonly requestId: string;
  readonly region?: string;
  /** The function's timeout in seconds. */
  readonly timeoutSeconds?: number;
}

export interface RunConfig {
  readonly settings: Settings;
  readonly region: string;
  readonly options: RunOptions;
}

/** Identifies the run: a retried timer run reuses its msgUuids, so DingTalk shows nothing twice. */
export function runIdFor(event: InvocationEvent, requestId: string): string {
  if (event.kind === 'account-scan') return `${event.runId}:${event.accountId}`;
  return event.kind === 'timer' ? `timer:${event.triggerName}:${event.triggerTime}` : `manual:${requestId}`;
}

/** Turns the parsed event and the environment into one validated configuration, or fails naming the field. */
export function buildRunConfig(event: InvocationEvent, env: Env, context: InvocationContext, wallClock: number): RunConfig {
  const settings = readSettings(env);
  // An account-scan worker never posts: the coordinator that invoked it reports for the organisation.
  const dryRun = (event.kind === 'manual' && event.dryRun) || event.kind === 'account-scan';
  if (!dryRun && settings.webhook === undefined) {
    throw new ConfigError('DINGTALK_WEBHOOK_URL', 'is required (the robot\'s webhook URL) unless the event asks for {"dryRun": true}');
  }
  const region = context.region !== undefined && context.region !== '' ? context.region : settings.region;
  const schedule = { intervalMinutes: settings.scheduleMinutes, digestHour: settings.digestHour, timezone: settings.timezone };
  return {
    settings,
    region,
    options: runOptionsFor(settings, {
      trigger: event.kind,
      runId: runIdFor(event, context.requestId),
      now: event.kind === 'manual' ? wallClock : event.triggerTime,
      report: event.kind === 'timer' ? (isDigestRun(event.triggerTime, schedule) ? 'full' : 'changes') : event.report,
      dryRun,
      // A run under another threshold reads the state but leaves it: its episodes are not the timer's.
      saveState: !dryRun && (event.kind === 'timer' || event.staleAfterDays === undefined),
      staleAfterDays: event.kind === 'manual' ? event.staleAfterDays : undefined,
      deadline: Math.min(scanDeadline(wallClock, context.timeoutSeconds), event.kind === 'account-scan' ? event.deadline : Number.POSITIVE_INFINITY),
    }),
  };
}

/** The core's options for one run: what the run is, and the settings whole (the event may lower the threshold). */
export function runOptionsFor(
  settings: Settings,
  run: Omit<RunOptions, 'settings'> & { readonly staleAfterDays: number | undefined },
): RunOptions {
  const { staleAfterDays, ...rest } = run;
  return { ...rest, settings: staleAfterDays === undefined ? settings : { ...settings, staleAfterDays } };
}
