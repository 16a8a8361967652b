/**
 * `scan --accounts`: an organisation scanned from a terminal, in-process, side by side (issue 12,
 * item 4). With the operator's credentials: Resource Manager ListAccounts (resource-directory),
 * the selection (config/accounts.ts), then per account STS AssumeRole into its role and the
 * detector's own run (core/run.ts) with its own rate limiters (quotas are per account) and its own
 * state scope (the member's account id), at most ACCOUNT_CONCURRENCY at once (core/organisation.ts).
 */
import { randomUUID } from 'node:crypto';
import { AssumeRoleAdapter, createStsClient, roleSessionName } from '../functions/stale-key-detector/src/adapters/assume-role';
import { DEFAULT_STS_ENDPOINT } from '../functions/stale-key-detector/src/adapters/caller-identity';
import { cloudAdapters } from '../functions/stale-key-detector/src/adapters/cloud-adapters';
import type { CloudCredentials } from '../functions/stale-key-detector/src/adapters/credentials';
import { listDirectory } from '../functions/stale-key-detector/src/adapters/resource-manager';
import { type AccountsConfig, readAccountsConfig, type SelectedAccount, selectAccounts } from '../functions/stale-key-detector/src/config/accounts';
import { type Env, readBaseUrl } from '../functions/stale-key-detector/src/config/env-reader';
import { runOptionsFor } from '../functions/stale-key-detector/src/config/run-config';
import { actionTrailEndpointFor, type Settings } from '../functions/stale-key-detector/src/config/settings';
import type { AlertChannel } from '../functions/stale-key-detector/src/core/messages';
import { scanAccounts } from '../functions/stale-key-detector/src/core/organisation';
import { postOrganisation } from '../functions/stale-key-detector/src/core/organisation-post';
import type { RamApi } from '../functions/stale-key-detector/src/core/ports';
import { runDetector } from '../functions/stale-key-detector/src/core/run';
import { markDelivered } from '../functions/stale-key-detector/src/core/state/state-chain';
import type { StateAccess } from '../functions/stale-key-detector/src/core/state/state-run';
import type { Summary } from '../functions/stale-key-detector/src/core/summary';
import { ConfigError } from '../functions/stale-key-detector/src/errors/config-error';
import { ScanFailedError } from '../functions/stale-key-detector/src/errors/scan-failed-error';
import type { Logger, LogFields } from '../functions/stale-key-detector/src/logger';
import type { Finding } from '../functions/stale-key-detector/src/model';
import type { Clock } from '../functions/stale-key-detector/src/pacing/clock';
import { callWithRetry, DEFAULT_RETRY_POLICY } from '../functions/stale-key-detector/src/pacing/retry';
import { type OrganisationResult, organisationExitCode, organisationIncompleteText, organisationJson, renderOrganisation } from './accounts-report';
import { type CliIo, EXIT } from './io';
import { reportPostFailure } from './post-failure';
import { plural } from './report';
import type { ProgressBar } from './progress';
import { callerAccount, openState, saveFailure, type StateChoice, withStateWhy } from './state-option';
import { type KeyRow, rowFromFinding, rowFromStale } from './table';

/**
 * ACCOUNTS from --accounts (never from the environment: there it is the function's, and a plain
 * scan must not turn into an organisation's) and ACCOUNT_CONCURRENCY from --account-concurrency
 * when given; the companions (ACCOUNT_ROLE_NAME, ACCOUNTS_INCLUDE, ...) from the environment, as
 * every other setting. Errors about a flag's value name the flag.
 */
export function readAccountsFlags(accounts: string, concurrency: string | undefined, env: Env): AccountsConfig {
  if (accounts.trim() === '') throw new ConfigError('--accounts', 'needs resource-directory or a JSON list [{"accountId": "..."}]');
  const flagged: Record<string, string> = { ACCOUNTS: accounts, ...(concurrency === undefined ? {} : { ACCOUNT_CONCURRENCY: concurrency }) };
  try {
    return readAccountsConfig({ ...env, ...flagged }) as AccountsConfig;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const rest = error.message.slice(error.field.length + 2);
    if (/^ACCOUNTS(\[|$)/.test(error.field)) throw new ConfigError(`--accounts${error.field.slice('ACCOUNTS'.length)}`, rest);
    if (error.field === 'ACCOUNT_CONCURRENCY' && concurrency !== undefined) throw new ConfigError('--account-concurrency', rest);
    throw error;
  }
}

export interface OrganisationRun {
  readonly config: AccountsConfig;
  readonly io: CliIo;
  readonly settings: Settings;
  readonly credentials: CloudCredentials;
  readonly region: string;
  readonly stateChoice: StateChoice;
  readonly staleAfterDays: number | undefined;
  readonly json: boolean;
  readonly all: boolean;
  /** --notify: the robot the organisation's report goes to, after the accounts' reports are printed. */
  readonly channel: AlertChannel | undefined;
  readonly logger: Logger;
  readonly progress: ProgressBar;
  readonly clock: Clock;
}

/** A RoleSessionName naming the run (2-32 of [\w.@-]): skd-cli-<UTC minute>-<run id's first 6>, e.g. skd-cli-20261201T0900Z-1a2b3c. */
export function sessionNameFor(now: number, runId: string): string {
  return roleSessionName('skd-cli', now, runId.replace(/^[^:]*:/, '').replace(/[^0-9a-f]/gi, '').slice(0, 6));
}

/** Scans the accounts, prints each account's report and the organisation's lines; resolves to the exit code. */
export async function scanOrganisation(run: OrganisationRun): Promise<number> {
  const { config, io, clock, credentials } = run;
  const stsEndpoint = readBaseUrl(io.env, 'STS_ENDPOINT', DEFAULT_STS_ENDPOINT);
  const retry = { policy: DEFAULT_RETRY_POLICY, clock };
  // The caller's own account is scanned with its own credentials: there is no role to assume in it.
  // Unknown when STS does not answer: then it is one more account whose role is assumed.
  const self = await callerAccount(credentials, stsEndpoint, clock).catch(() => undefined);
  const saveState = run.staleAfterDays === undefined;
  // A named state directory that cannot be written fails the scan once, before any account (no call: the account is given).
  await openState(run.stateChoice, { credentials, accountId: self ?? '0', region: run.region, env: io.env, clock, writes: saveState });
  const listed = config.source.kind === 'resource-directory' ? await listDirectory(credentials, config.resourceManagerEndpoint, clock) : undefined;
  const selection = selectAccounts(config, listed, self);
  if (selection.accounts.length === 0 && selection.missing.length === 0) {
    const why = listed === undefined ? 'ACCOUNTS_INCLUDE and ACCOUNTS_EXCLUDE leave none of the --accounts list' : `Resource Manager ListAccounts lists ${listed.length}, and ACCOUNTS_INCLUDE and ACCOUNTS_EXCLUDE leave none`;
    throw new ScanFailedError(`no account to scan: ${why}`, 'check ACCOUNTS_INCLUDE and ACCOUNTS_EXCLUDE, and that these credentials are the resource directory\'s management account or a delegated administrator');
  }

  const runId = `cli:${randomUUID()}`;
  const now = clock.now();
  const sessionName = sessionNameFor(now, runId);
  const sts = new AssumeRoleAdapter(createStsClient(credentials, stsEndpoint));
  const findings = new Map<string, Finding[]>();
  const states = new Map<string, StateAccess>();
  const counts = { listed: 0, checked: 0 };

  const scanOne = async (account: SelectedAccount): Promise<Summary> => {
    const roleArn = account.roleArn;
    const memberCredentials = roleArn === undefined ? credentials : await callWithRetry(() => sts.assumeRole({ roleArn, sessionName }), retry);
    const adapters = cloudAdapters(memberCredentials, { ram: run.settings.ramEndpoint, actionTrail: actionTrailEndpointFor(run.settings, run.region) });
    // The state is the operator's, wherever it is (one location, a scope per account): reached
    // with the operator's credentials, so that no member role needs a grant on it.
    const state = await openState(run.stateChoice, { credentials, accountId: account.accountId, region: run.region, env: io.env, clock, writes: saveState });
    if (state.access !== undefined) states.set(account.accountId, state.access);
    const own: Finding[] = [];
    findings.set(account.accountId, own);
    const options = runOptionsFor(run.settings, {
      trigger: 'cli',
      runId: `${runId}:${account.accountId}`,
      now,
      report: 'full',
      dryRun: true,
      saveState,
      staleAfterDays: run.staleAfterDays,
      deadline: Number.POSITIVE_INFINITY,
      onProgress: ({ finding }) => {
        counts.checked += 1;
        run.progress.checked(counts.checked);
        if (run.all) own.push(finding);
      },
    });
    const deps = { ram: countingKeys(adapters.ram, counts, run.progress), actionTrail: adapters.actionTrail, notifier: undefined, logger: forAccount(run.logger, account.accountId), clock, state: state.access };
    try {
      return withStateWhy(await runDetector(deps, options), run.stateChoice, state);
    } catch (error) {
      throw saveFailure(error, state) ?? error;
    }
  };

  let results: OrganisationResult[];
  try {
    results = await scanAccounts(selection.accounts, scanOne, { concurrency: config.concurrency, audience: 'cli' });
  } finally {
    run.progress.clear();
  }
  const where = listed === undefined ? 'the --accounts list does not hold it' : 'Resource Manager ListAccounts does not list it';
  for (const accountId of selection.missing) {
    results.push({ account: { accountId, displayName: accountId }, error: { message: `ACCOUNTS_INCLUDE names it, but ${where}`, fix: 'check the id in ACCOUNTS_INCLUDE, or add the account to the list (or the resource directory)' } });
  }

  // --notify: one report for the organisation, as the function's coordinator posts it; the
  // accounts' runs posted nothing, and what it alerts is marked delivered in their states only
  // once DingTalk took every message. JSON is read by programs: it is posted first, so that
  // notified.messages is what DingTalk took; the table is printed first, so that a refusal
  // never hides it.
  const channel = run.channel;
  const post = async (): Promise<{ messages: number; failed: boolean }> => {
    if (channel === undefined) return { messages: 0, failed: false };
    try {
      const messages = await postOrganisation(results, {
        report: 'full',
        now,
        runId,
        timezone: run.settings.timezone,
        staleAfterDays: run.staleAfterDays ?? run.settings.staleAfterDays,
        channel,
        markDelivered: saveState ? (accountId, ids) => markStates(states.get(accountId), ids) : undefined,
        logger: run.logger,
      });
      if (!run.json) io.stdout.write(`Posted ${plural(messages, 'message')} to DingTalk.\n`);
      return { messages, failed: false };
    } catch (error) {
      await reportPostFailure(io, channel, error, "the organisation's report could not be posted to DingTalk", { runId, now, timezone: run.settings.timezone }, run.logger);
      return { messages: 0, failed: true };
    }
  };
  let posted: { messages: number; failed: boolean };
  if (run.json) {
    posted = await post();
    io.stdout.write(`${JSON.stringify({ ...organisationJson(results), ...(channel === undefined ? {} : { notified: { messages: posted.messages } }) }, null, 2)}\n`);
  } else {
    const rows = (accountId: string): KeyRow[] | undefined => (run.all ? allRows(results.find((r) => r.account.accountId === accountId), findings.get(accountId) ?? []) : undefined);
    io.stdout.write(renderOrganisation(results, { timezone: run.settings.timezone, rows, ...(saveState ? {} : { unsaved: '--stale-after-days reads the state, never writes it' }) }));
    posted = await post();
  }
  const incomplete = organisationIncompleteText(results);
  if (incomplete !== undefined) io.stderr.write(`error: ${incomplete}\n`);
  return posted.failed ? EXIT.error : organisationExitCode(results);
}

/** Marks an account's alerted episodes delivered in its state, when it keeps one. */
async function markStates(access: StateAccess | undefined, accessKeyIds: readonly string[]): Promise<void> {
  if (access !== undefined) await markDelivered(access.store, access.scope, accessKeyIds);
}

/** Adds the keys RAM lists to the organisation's total: the progress bar's. */
function countingKeys(inner: RamApi, counts: { listed: number }, progress: ProgressBar): RamApi {
  return {
    listUsersPage: (marker) => inner.listUsersPage(marker),
    listAccessKeys: async (user) => {
      const keys = await inner.listAccessKeys(user);
      counts.listed += keys.length;
      progress.listed(counts.listed);
      return keys;
    },
  };
}

/** The logger with the account's id on every line: accounts run side by side. */
function forAccount(logger: Logger, accountId: string): Logger {
  const tag = (fields: LogFields | undefined): LogFields => ({ account_id: accountId, ...fields });
  return { debug: (m, f) => logger.debug(m, tag(f)), info: (m, f) => logger.info(m, tag(f)), warn: (m, f) => logger.warn(m, tag(f)), error: (m, f) => logger.error(m, tag(f)) };
}

/** Every key of an account for --all: the summary's stale keys in its order, then the others. */
function allRows(result: OrganisationResult | undefined, findings: readonly Finding[]): KeyRow[] | undefined {
  if (result === undefined || !('summary' in result)) return undefined;
  const now = Date.parse(result.summary.now);
  return [...result.summary.stale.map((s) => rowFromStale(s, now)), ...findings.filter((f) => f.verdict !== 'stale' && f.verdict !== 'unknown').map((f) => rowFromFinding(f, now))];
}
