import { CloudApiError } from '../errors/cloud-api-error';
import { ConfigError } from '../errors/config-error';
import { type Audience, cloudFix } from '../errors/error-codes';
import { ScanFailedError } from '../errors/scan-failed-error';
import { Semaphore } from '../pacing/semaphore';
import { describeError, redact } from '../redact';
import { fixFor } from './fixes';

/**
 * Several accounts scanned side by side (issue 12): quotas are per account, so accounts need not
 * wait for each other. The core knows nothing of how an account is reached: the caller's
 * `scanOne` assumes the role, builds the clients and runs the detector (the CLI in-process; the
 * function's fan-out through a worker invocation), and returns what it returns. One account
 * failing fails that account only: its result carries the reason and the fix.
 */

/** An account as the core sees it: the caller's own type may carry more (the role to assume). */
export interface AccountRef {
  readonly accountId: string;
  readonly displayName: string;
}

/** Why an account was not scanned, and what to do about it. */
export interface AccountError {
  readonly message: string;
  readonly fix: string;
  /** The cloud's error code, when a cloud call failed. */
  readonly code?: string | undefined;
}

export type AccountResult<A extends AccountRef, R> = { readonly account: A; readonly summary: R } | { readonly account: A; readonly error: AccountError };

export interface ScanAccountsOptions<A extends AccountRef, R> {
  /** Accounts in flight at once (ACCOUNT_CONCURRENCY). */
  readonly concurrency: number;
  /** Whose fix an error gets: the deployed function's or the operator's at a terminal (default the function's). */
  readonly audience?: Audience;
  /** Called as each account settles (progress). */
  readonly onResult?: (result: AccountResult<A, R>, index: number) => void;
}

/**
 * Scans `accounts` with `scanOne`, at most `concurrency` at once, starting them in order. Never
 * rejects: an account whose scanOne rejects (or throws) is a result with its error. Results are in
 * the accounts' order, whatever order they finish in.
 */
export async function scanAccounts<A extends AccountRef, R>(
  accounts: readonly A[],
  scanOne: (account: A) => Promise<R>,
  options: ScanAccountsOptions<A, R>,
): Promise<AccountResult<A, R>[]> {
  const slots = new Semaphore(options.concurrency);
  const audience = options.audience ?? 'function';
  return Promise.all(
    accounts.map(async (account, index): Promise<AccountResult<A, R>> => {
      await slots.acquire();
      let result: AccountResult<A, R>;
      try {
        result = { account, summary: await scanOne(account) };
      } catch (error) {
        result = { account, error: accountError(error, audience) };
      } finally {
        slots.release();
      }
      options.onResult?.(result, index);
      return result;
    }),
  );
}

/** The reason and the fix of a failed account, from the one table of error codes; redacted. */
export function accountError(error: unknown, audience: Audience = 'function'): AccountError {
  const cause = error instanceof ScanFailedError && error.cause instanceof CloudApiError ? error.cause : error instanceof CloudApiError ? error : undefined;
  const code = cause?.code;
  if (error instanceof ScanFailedError) {
    // The run's own fix speaks of the function; at a terminal the table's words for the operator.
    const fix = audience === 'cli' && cause !== undefined ? cloudFix(cause, audience) : error.fix;
    return { message: redact(error.message), fix: redact(fix), code };
  }
  if (error instanceof CloudApiError) return { message: redact(error.message), fix: redact(cloudFix(error, audience)), code };
  if (error instanceof ConfigError) return { message: redact(error.message), fix: `fix ${error.field} as the message says` };
  return { message: describeError(error), fix: audience === 'cli' ? 'see the error; run with LOG_LEVEL=debug for more' : fixFor(error), code };
}

/** How an organisation's scan went, for its last line and its exit code. */
export interface OrganisationTally {
  readonly scanned: number;
  readonly notScanned: number;
  /** Accounts scanned whose own result is incomplete (keys or users not checked). */
  readonly incomplete: number;
  /** True only when there were accounts, every one was scanned and every one is complete: nothing less may be called clean. */
  readonly complete: boolean;
  /** Stale keys over the accounts scanned. */
  readonly stale: number;
}

export function tally<A extends AccountRef, R extends { readonly complete: boolean; readonly counts: { readonly stale: number } }>(
  results: readonly AccountResult<A, R>[],
): OrganisationTally {
  const summaries = results.flatMap((r) => ('summary' in r ? [r.summary] : []));
  const notScanned = results.length - summaries.length;
  const incomplete = summaries.filter((s) => !s.complete).length;
  return {
    scanned: summaries.length,
    notScanned,
    incomplete,
    complete: results.length > 0 && notScanned === 0 && incomplete === 0,
    stale: summaries.reduce((n, s) => n + s.counts.stale, 0),
  };
}
