import { scanMemberAccount } from './account-worker';
import { type OrganisationSummary, runOrganisation } from './coordinator';
import { cloudAdapters } from './adapters/cloud-adapters';
import { type ContextCredentials, resolveCredentials } from './adapters/credentials';
import { DingTalkRobot } from './adapters/dingtalk';
import { stateStoreFor } from './adapters/state-store';
import type { Env } from './config/env-reader';
import { readAccountsConfig } from './config/accounts';
import { parseEvent } from './config/event';
import { buildRunConfig, type InvocationContext, runIdFor } from './config/run-config';
import { actionTrailEndpointFor, readAlertSettings } from './config/settings';
import { sendFailureAlert } from './core/failure-alert';
import { fixFor } from './core/fixes';
import { runDetector } from './core/run';
import type { Summary } from './core/summary';
import { ConfigError } from './errors/config-error';
import { createLogger, type Logger } from './logger';
import { type Clock, systemClock } from './pacing/clock';
import { describeError, redactDeep, redactError, registerSecret } from './redact';

/** The parts of Function Compute 3.0's context the function reads. */
export interface FcContext {
  readonly requestId: string;
  readonly region?: string;
  /** The account the function runs in: whose state it keeps. */
  readonly accountId?: string;
  readonly credentials?: ContextCredentials;
  readonly function?: { readonly name?: string; readonly timeout?: number };
}

export interface Runtime {
  readonly env: Env;
  readonly clock: Clock;
  readonly logger?: Logger;
}

/**
 * Function Compute entry point: event + env -> validated config -> clients -> core -> summary.
 * Never silent: a bad event is the invoker's mistake and is answered to the invoker alone; once
 * the webhook settings are usable, every other failure posts the failure alert (the core posts its
 * own) before the invocation rejects. Only an unusable webhook leaves the log as the sole witness.
 */
export async function handleInvocation(body: Buffer | string | undefined, context: FcContext, runtime: Runtime): Promise<Summary | OrganisationSummary> {
  // Register the secrets before anything can log them.
  registerSecret(runtime.env['DINGTALK_SECRET']);
  registerSecret(context.credentials?.accessKeySecret);
  registerSecret(context.credentials?.securityToken);
  let logger = runtime.logger ?? createLogger();
  const wallClock = runtime.clock.now();
  let alert: ((error: unknown) => Promise<unknown>) | undefined;
  try {
    const event = parseEvent(body, wallClock);
    if (event.kind === 'account-scan') {
      // A worker of an organisation's run: it never posts; its invoker reports any failure.
      const config = buildRunConfig(event, runtime.env, invocationOf(context), wallClock);
      logger = runtime.logger ?? createLogger({ level: config.settings.logLevel });
      const credentials = await resolveCredentials(context.credentials);
      return redactDeep(await scanMemberAccount(event, { config, env: runtime.env, credentials, accountId: context.accountId, clock: runtime.clock, logger }));
    }
    const channel = readAlertSettings(runtime.env);
    // The one robot of the run: the failure alert's until the core runs, then the core's.
    const notifier = event.kind === 'manual' && event.dryRun ? undefined : channel.webhook && new DingTalkRobot(channel.webhook, { clock: runtime.clock });
    if (notifier !== undefined) {
      const run = { runId: runIdFor(event, context.requestId), now: event.kind === 'timer' ? event.triggerTime : wallClock, timezone: channel.timezone };
      alert = (error) => sendFailureAlert({ notifier, mentions: channel.mentions, keyword: channel.keyword }, noticeFor(error), run, logger);
    }
    const config = buildRunConfig(event, runtime.env, invocationOf(context), wallClock);
    const { settings, options } = config;
    const accounts = readAccountsConfig(runtime.env);
    if (accounts !== undefined) {
      // The organisation's coordinator: its workers are this function; it posts one report for all.
      const credentials = await resolveCredentials(context.credentials);
      const channel = notifier === undefined ? undefined : { notifier, mentions: settings.mentions, keyword: settings.keyword };
      const self = { accountId: context.accountId, functionName: context.function?.name };
      // Not redactDeep: each account's summary was redacted by its worker (this same function, with the
      // same settings and secrets), and the coordinator's own texts (each account's error and fix) are
      // redacted where they are made (core/organisation.ts). Walking 40,000 keys' summaries again took
      // 3.4 s of the coordinator's serial tail (npm run bench -- --organisation).
      return await runOrganisation({ config, accounts, env: runtime.env, credentials, self, channel, clock: runtime.clock, logger });
    }
    logger = runtime.logger ?? createLogger({ level: settings.logLevel });
    logger.info('run starting', { trigger: options.trigger, report: options.report, dryRun: options.dryRun, region: config.region, staleAfterDays: options.settings.staleAfterDays, requestId: context.requestId });
    const credentials = await resolveCredentials(context.credentials);
    const { ram, actionTrail } = cloudAdapters(credentials, { ram: settings.ramEndpoint, actionTrail: actionTrailEndpointFor(settings, config.region) });
    const state = settings.state === undefined ? undefined : { store: stateStoreFor(settings.state, credentials, config.region), scope: { accountId: accountIdOf(context), region: config.region } };
    // From here on the core posts its own failure alert.
    alert = undefined;
    return redactDeep(await runDetector({ ram, actionTrail, notifier, logger, clock: runtime.clock, state }, options));
  } catch (error) {
    logger.error('run failed', { error: describeError(error), requestId: context.requestId });
    if (alert !== undefined) await alert(error);
    throw redactError(error);
  }
}

/** What the configuration needs of FC's context. */
function invocationOf(context: FcContext): InvocationContext {
  const timeout = context.function?.timeout;
  return { requestId: context.requestId, ...(context.region === undefined ? {} : { region: context.region }), ...(timeout === undefined ? {} : { timeoutSeconds: timeout }) };
}

/** The state is kept per account: FC always says which; a context without it cannot keep one. */
function accountIdOf(context: FcContext): string {
  if (context.accountId === undefined || !/^\d{1,32}$/.test(context.accountId)) throw new Error('the invocation context carries no account id, which STATE_URL needs to keep the state per account; unset STATE_URL to scan in full');
  return context.accountId;
}

/** The failure alert for an error raised before the core ran: a bad setting names the variable. */
function noticeFor(error: unknown): { message: string; fix: string } {
  if (error instanceof ConfigError) {
    return { message: `the detector could not start, a setting is invalid: ${describeError(error)}`, fix: `correct ${error.field} in the function's environment (s.yaml / .env) and deploy again` };
  }
  return { message: `the detector could not start: ${describeError(error)}`, fix: fixFor(error) };
}

export const handler = (event: Buffer, context: FcContext): Promise<Summary | OrganisationSummary> => handleInvocation(event, context, { env: process.env, clock: systemClock });
