import { cloudAdapters } from './adapters/cloud-adapters';
import { type ContextCredentials, resolveCredentials } from './adapters/credentials';
import { DingTalkRobot } from './adapters/dingtalk';
import type { Env } from './config/env-reader';
import { buildRunConfig } from './config/run-config';
import { actionTrailEndpointFor } from './config/settings';
import { runDetector } from './core/run';
import type { Summary } from './core/summary';
import { createLogger, type Logger } from './logger';
import { type Clock, systemClock } from './pacing/clock';
import { describeError, registerSecret } from './redact';

/** The parts of Function Compute 3.0's context the function reads. */
export interface FcContext {
  readonly requestId: string;
  readonly region?: string;
  readonly credentials?: ContextCredentials;
  readonly function?: { readonly name?: string; readonly timeout?: number };
}

export interface Runtime {
  readonly env: Env;
  readonly clock: Clock;
  readonly logger?: Logger;
}

/**
 * Function Compute entry point, in one wiring call: event + env -> validated config -> clients ->
 * core -> summary. Any failure rejects (FC records it), after the core posted a failure alert.
 */
export async function handleInvocation(event: Buffer | string | undefined, context: FcContext, runtime: Runtime): Promise<Summary> {
  // Register the secrets before anything can log them.
  registerSecret(runtime.env['DINGTALK_SECRET']);
  registerSecret(context.credentials?.accessKeySecret);
  registerSecret(context.credentials?.securityToken);
  let logger = runtime.logger ?? createLogger();
  try {
    const timeout = context.function?.timeout;
    const config = buildRunConfig(event, runtime.env, { requestId: context.requestId, ...(context.region === undefined ? {} : { region: context.region }), ...(timeout === undefined ? {} : { timeoutSeconds: timeout }) }, runtime.clock.now());
    const { settings, options } = config;
    logger = runtime.logger ?? createLogger({ level: settings.logLevel });
    logger.info('run starting', { trigger: options.trigger, report: options.report, dryRun: options.dryRun, region: config.region, staleAfterDays: options.staleAfterDays, requestId: context.requestId });
    const credentials = await resolveCredentials(context.credentials);
    const { ram, actionTrail } = cloudAdapters(credentials, { ram: settings.ramEndpoint, actionTrail: actionTrailEndpointFor(settings, config.region) });
    const notifier = options.dryRun || settings.webhook === undefined ? undefined : new DingTalkRobot(settings.webhook, { clock: runtime.clock });
    return await runDetector({ ram, actionTrail, notifier, logger, clock: runtime.clock }, options);
  } catch (error) {
    logger.error('run failed', { error: describeError(error), requestId: context.requestId });
    throw error;
  }
}

export const handler = (event: Buffer, context: FcContext): Promise<Summary> => handleInvocation(event, context, { env: process.env, clock: systemClock });
