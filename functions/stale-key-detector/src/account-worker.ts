/**
 * An account-scan worker (issue 12): the coordinator, a timer run with ACCOUNTS set, invokes this
 * same function once per member account with an internal event. The worker scans only an
 * account of the configured set (the event alone proves nothing: anyone allowed to invoke the
 * function could send one), reaches it through its role, and returns the account's summary. It
 * never posts: the coordinator reports for the organisation.
 */
import { createHash } from 'node:crypto';
import { AssumeRoleAdapter, createStsClient, roleSessionName } from './adapters/assume-role';
import { DEFAULT_STS_ENDPOINT } from './adapters/caller-identity';
import { cloudAdapters } from './adapters/cloud-adapters';
import { stateStoreFor } from './adapters/state-store';
import type { CloudCredentials } from './adapters/credentials';
import { listDirectory } from './adapters/resource-manager';
import { readAccountsConfig, type SelectedAccount, selectAccounts } from './config/accounts';
import { type Env, readBaseUrl } from './config/env-reader';
import type { AccountScanEvent } from './config/event';
import type { RunConfig } from './config/run-config';
import { actionTrailEndpointFor } from './config/settings';
import { runDetector } from './core/run';
import type { Summary } from './core/summary';
import { ConfigError } from './errors/config-error';
import type { Logger } from './logger';
import type { Clock } from './pacing/clock';
import { callWithRetry, DEFAULT_RETRY_POLICY } from './pacing/retry';

/** A RoleSessionName naming the run (2-32 of [\w.@-]): skd-<UTC minute>Z-<6 hex of the run id>. */
export function workerSessionName(now: number, runId: string): string {
  return roleSessionName('skd', now, createHash('sha256').update(runId).digest('hex').slice(0, 6));
}

/** The configured account the event names, or a refusal naming the field. */
async function configuredAccount(event: AccountScanEvent, env: Env, credentials: CloudCredentials, self: string | undefined, clock: Clock): Promise<SelectedAccount> {
  const config = readAccountsConfig(env);
  if (config === undefined) {
    throw new ConfigError('event.accountScan', 'is refused: ACCOUNTS is unset, so this function scans its own account only; set ACCOUNTS on the function to scan an organisation');
  }
  const listed = config.source.kind === 'resource-directory' ? await listDirectory(credentials, config.resourceManagerEndpoint, clock) : undefined;
  const account = selectAccounts(config, listed, self).accounts.find((a) => a.accountId === event.accountId);
  if (account === undefined) {
    throw new ConfigError('event.accountScan.accountId', `names account ${event.accountId}, which is not one of the accounts this function is configured to scan (ACCOUNTS, ACCOUNTS_INCLUDE, ACCOUNTS_EXCLUDE): refused`);
  }
  return account;
}

/** Scans the member account an account-scan event names, as that account's role; resolves to its summary. */
export async function scanMemberAccount(
  event: AccountScanEvent,
  run: { readonly config: RunConfig; readonly env: Env; readonly credentials: CloudCredentials; readonly accountId: string | undefined; readonly clock: Clock; readonly logger: Logger },
): Promise<Summary> {
  const { config, credentials, clock } = run;
  const account = await configuredAccount(event, run.env, credentials, run.accountId, clock);
  const stsEndpoint = readBaseUrl(run.env, 'STS_ENDPOINT', DEFAULT_STS_ENDPOINT);
  const sts = new AssumeRoleAdapter(createStsClient(credentials, stsEndpoint));
  const roleArn = account.roleArn;
  const memberCredentials = roleArn === undefined ? credentials : await callWithRetry(() => sts.assumeRole({ roleArn, sessionName: workerSessionName(event.triggerTime, event.runId) }), { policy: DEFAULT_RETRY_POLICY, clock, deadline: event.deadline });
  const { ram, actionTrail } = cloudAdapters(memberCredentials, { ram: config.settings.ramEndpoint, actionTrail: actionTrailEndpointFor(config.settings, config.region) });
  run.logger.info('account scan starting', { accountId: account.accountId, runId: event.runId, role: roleArn ?? '(own credentials)' });
  // The member's state, kept with the function's own credentials at the one STATE_URL (the member
  // role needs no grant on it). The worker posts nothing, so its episodes stay undelivered until
  // the coordinator has posted them and marks them (coordinator.ts).
  const state = config.settings.state === undefined ? undefined : { store: stateStoreFor(config.settings.state, credentials, config.region), scope: { accountId: account.accountId, region: config.region } };
  return runDetector({ ram, actionTrail, notifier: undefined, logger: run.logger, clock, state }, { ...config.options, saveState: true });
}
