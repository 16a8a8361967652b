/**
 * The coordinator of an organisation's run (issue 12): a timer (or manual) run with ACCOUNTS set.
 * It lists the accounts, invokes this same function once per account (synchronously, through FC
 * 3.0 InvokeFunction, at most ACCOUNT_CONCURRENCY at once) with an account-scan event, merges the
 * workers' summaries into one alert or digest grouped by account, and posts it. Function Compute
 * is the engine: each worker is an instance of its own, with its own rate limiters (quotas are
 * per account). One account failing fails only that account; ListAccounts failing fails the run
 * (the handler posts the failure alert).
 */
import type { CloudCredentials } from './adapters/credentials';
import { createFcClient, FC_MAX_TIMEOUT_MS, fcEndpointFor, invokeFunction } from './adapters/function-compute';
import { listDirectory } from './adapters/resource-manager';
import { stateStoreFor } from './adapters/state-store';
import { type AccountsConfig, selectAccounts } from './config/accounts';
import { type Env, readBaseUrl, readString } from './config/env-reader';
import type { RunConfig } from './config/run-config';
import type { AlertChannel } from './core/messages';
import { scanAccounts } from './core/organisation';
import { postOrganisation } from './core/organisation-post';
import { type OrgAccount, type OrgResult, type OrgTotals, organisationTotals } from './core/organisation-report';
import { markDelivered } from './core/state/state-chain';
import type { Summary } from './core/summary';
import { CloudApiError, type CloudService } from './errors/cloud-api-error';
import { ScanFailedError } from './errors/scan-failed-error';
import type { Logger } from './logger';
import type { Clock } from './pacing/clock';

/** Time the coordinator keeps after its workers' deadline, to merge and post. */
export const COORDINATOR_MARGIN_MS = 60_000;
/** Less time than this before the run's deadline and a worker is not invoked at all. */
const MIN_WORKER_WAIT_MS = 1_000;
const TOO_LITTLE_TIME_FIX = "raise ACCOUNT_CONCURRENCY to the number of accounts, so that every account starts at once, or the function's timeout in s.yaml";

/** What a coordinator run returns. Field names are a contract. */
export interface OrganisationSummary {
  readonly trigger: Summary['trigger'];
  readonly report: 'full' | 'changes';
  readonly dryRun: boolean;
  readonly now: string;
  readonly totals: OrgTotals;
  readonly accounts: readonly ({ readonly accountId: string; readonly displayName: string; readonly summary: Summary } | { readonly accountId: string; readonly displayName: string; readonly error: { readonly message: string; readonly fix: string } })[];
  readonly notified: { readonly messages: number };
  readonly durationMs: number;
}

export interface CoordinatorRun {
  readonly config: RunConfig;
  readonly accounts: AccountsConfig;
  readonly env: Env;
  readonly credentials: CloudCredentials;
  /** The account and function this run is (FC's context): the workers are this function. */
  readonly self: { readonly accountId: string | undefined; readonly functionName: string | undefined };
  readonly channel: AlertChannel | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}

export async function runOrganisation(run: CoordinatorRun): Promise<OrganisationSummary> {
  const { config, accounts, credentials, clock } = run;
  const { options, settings } = config;
  const startedAt = clock.now();
  const listed = accounts.source.kind === 'resource-directory' ? await listDirectory(credentials, accounts.resourceManagerEndpoint, clock) : undefined;
  const selection = selectAccounts(accounts, listed, run.self.accountId);
  if (selection.accounts.length === 0 && selection.missing.length === 0) {
    throw new ScanFailedError('no account to scan: ACCOUNTS, ACCOUNTS_INCLUDE and ACCOUNTS_EXCLUDE leave none', 'check ACCOUNTS_INCLUDE and ACCOUNTS_EXCLUDE, and that the function runs in the directory\'s management account or a delegated administrator');
  }
  const functionName = run.self.functionName;
  if (functionName === undefined || run.self.accountId === undefined) throw new Error('the invocation context names no function or account, which the coordinator invokes once per account');
  const endpoint = readString(run.env, 'FUNCTION_COMPUTE_ENDPOINT') === undefined ? fcEndpointFor(run.self.accountId, config.region) : readBaseUrl(run.env, 'FUNCTION_COMPUTE_ENDPOINT', '');
  // Workers stop starting calls a margin before this run's own deadline: the merge and the post need time.
  const workerDeadline = options.deadline - COORDINATOR_MARGIN_MS;
  run.logger.info('organisation run starting', { accounts: selection.accounts.length, missing: selection.missing.length, concurrency: accounts.concurrency });

  const scanOne = async (account: OrgAccount): Promise<Summary> => {
    // An invocation waits at most until this run's deadline, counted when it starts: one started in
    // a later wave (ACCOUNT_CONCURRENCY below the number of accounts) gets what is left, not a whole
    // run's time, so a worker that hangs never keeps the report from going out. Hence a client per
    // invocation: fc2 has one timeout per client.
    const waitMs = Math.min(options.deadline - clock.now(), FC_MAX_TIMEOUT_MS);
    if (waitMs < MIN_WORKER_WAIT_MS) throw new ScanFailedError("not started: the run reached its deadline before this account's turn", TOO_LITTLE_TIME_FIX);
    const fc = createFcClient(credentials, endpoint, { connectTimeout: Math.min(5_000, waitMs), readTimeout: waitMs }, config.region);
    const event = { accountScan: { accountId: account.accountId, triggerTime: new Date(options.now).toISOString(), deadline: new Date(workerDeadline).toISOString(), runId: options.runId, report: options.report } };
    let outcome: Awaited<ReturnType<typeof invokeFunction>>;
    try {
      outcome = await invokeFunction(fc, { functionName, event: JSON.stringify(event) });
    } catch (error) {
      if (error instanceof CloudApiError && error.code === 'Timeout') {
        throw new ScanFailedError(`its worker did not answer within ${Math.round(waitMs / 1000)} s, by the run's deadline`, `find the worker's invocation in the function's logs (event accountScan, this account's id); ${TOO_LITTLE_TIME_FIX}`, { cause: error });
      }
      throw error;
    }
    if (outcome.error !== undefined) throw workerError(outcome.error.errorType, outcome.error.errorMessage);
    return workerSummary(outcome.result);
  };
  const scanned = await scanAccounts(selection.accounts, scanOne, { concurrency: accounts.concurrency });
  const missing: OrgResult[] = selection.missing.map((accountId) => ({ account: { accountId, displayName: accountId }, error: { message: 'ACCOUNTS_INCLUDE names it, but the directory does not list it', fix: 'check the id in ACCOUNTS_INCLUDE, or that the account is still in the resource directory' } }));
  const results: OrgResult[] = [...scanned, ...missing];

  const location = settings.state;
  const store = location === undefined ? undefined : stateStoreFor(location, credentials, config.region);
  const messages =
    run.channel === undefined
      ? 0
      : await postOrganisation(results, {
          report: options.report,
          now: options.now,
          runId: options.runId,
          timezone: settings.timezone,
          staleAfterDays: settings.staleAfterDays,
          channel: run.channel,
          // Each member's state, written by its worker: the coordinator marks what it alerted.
          markDelivered: store === undefined ? undefined : (accountId, ids) => markDelivered(store, { accountId, region: config.region }, ids),
          logger: run.logger,
        });
  return {
    trigger: options.trigger,
    report: options.report,
    dryRun: options.dryRun,
    now: new Date(options.now).toISOString(),
    totals: organisationTotals(results),
    accounts: results.map((r) => ('summary' in r ? { ...r.account, summary: r.summary } : { ...r.account, error: { message: r.error.message, fix: r.error.fix } })),
    notified: { messages },
    durationMs: clock.now() - startedAt,
  };
}

/**
 * A worker's failure as the error the worker threw, as far as its message tells: a failed cloud
 * call ("STS AssumeRole failed: NoPermission (HTTP 403): …") becomes a CloudApiError again, so the
 * account's line carries the error table's fix (the role's trust policy), not a generic one.
 */
function workerError(errorType: string, message: string): Error {
  const call = /^(RAM|ActionTrail|FC|OSS|STS|ResourceManager) (\w+) failed: ([\w.]+)(?: \(HTTP (\d{3})\))?: /.exec(message);
  if (errorType === 'CloudApiError' && call !== null) {
    const [, service, action, code, status] = call;
    return new CloudApiError({ service: service as CloudService, action: action ?? '', code: code ?? '', statusCode: status === undefined ? undefined : Number(status), requestId: undefined }, message.slice(call[0].length));
  }
  return new Error(`its worker failed: ${errorType}: ${message}`);
}

/** A worker's answer, checked to be a summary before the report believes it. */
function workerSummary(value: unknown): Summary {
  const s = value as Partial<Summary> | undefined;
  const ok =
    typeof s === 'object' && s !== null && s.trigger === 'account-scan' && typeof s.complete === 'boolean' && typeof s.counts === 'object' && s.counts !== null &&
    (['keys', 'stale', 'unknown', 'unlistedUsers', 'newlyStale', 'users'] as const).every((k) => typeof s.counts?.[k] === 'number') &&
    Array.isArray(s.stale) && Array.isArray(s.unknown) && Array.isArray(s.unlistedUsers) && Array.isArray(s.newlyStale);
  if (!ok) throw new Error('its worker answered something that is not an account summary');
  return s as Summary;
}
