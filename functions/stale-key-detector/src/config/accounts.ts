import { memberRoleArn, parseRoleArn, RESOURCE_DIRECTORY_ROLE } from '../adapters/assume-role';
import { DEFAULT_RESOURCE_MANAGER_ENDPOINT } from '../adapters/resource-manager';
import { ConfigError } from '../errors/config-error';
import { type Env, readBaseUrl, readInteger, readList, readString } from './env-reader';
import { quoteValue } from './quote-value';

/**
 * Which accounts a run scans (issue 12): ACCOUNTS, ACCOUNT_ROLE_NAME, ACCOUNTS_INCLUDE,
 * ACCOUNTS_EXCLUDE, ACCOUNT_CONCURRENCY and RESOURCE_MANAGER_ENDPOINT (README, Configuration).
 * ACCOUNTS unset: the function's own account, as before, and none of the others may be set. The
 * CLI gives ACCOUNTS by its --accounts flag (cli/accounts-scan.ts); the function reads it here.
 */

/** An account id: digits (real ones have 16), as Resource Manager and a role ARN give it. */
const ACCOUNT_ID = /^\d{1,32}$/;
/** A RAM role name: up to 64 letters, digits, '.', '-' and '_' (parseRoleArn's rule). */
const ROLE_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const LIST_FIELDS = ['accountId', 'roleArn', 'displayName'] as const;
const MAX_DISPLAY_NAME = 100;
const LIST_FORM = '[{"accountId": "1234567890123456", "roleArn": "acs:ram::1234567890123456:role/<name>"}] (roleArn optional, as is displayName)';
const FORMS = `resource-directory (every member Resource Manager ListAccounts lists) or a JSON list ${LIST_FORM}`;

export const DEFAULT_ACCOUNT_CONCURRENCY = 10;
export const MAX_ACCOUNT_CONCURRENCY = 100;

/** The variables that mean something only with ACCOUNTS set: refused without it (they would do nothing). */
const NEEDS_ACCOUNTS = ['ACCOUNT_ROLE_NAME', 'ACCOUNTS_INCLUDE', 'ACCOUNTS_EXCLUDE', 'ACCOUNT_CONCURRENCY', 'RESOURCE_MANAGER_ENDPOINT'] as const;

/** One account of a JSON list, as configured. */
export interface ListedAccount {
  readonly accountId: string;
  /** The role to assume in it; undefined: ACCOUNT_ROLE_NAME's. */
  readonly roleArn: string | undefined;
  /** How reports name it; undefined: its id. */
  readonly displayName: string | undefined;
}

export type AccountSource = { readonly kind: 'resource-directory' } | { readonly kind: 'list'; readonly accounts: readonly ListedAccount[] };

export interface AccountsConfig {
  readonly source: AccountSource;
  /** The role assumed in an account without a roleArn of its own (default ResourceDirectoryAccountAccessRole). */
  readonly roleName: string;
  /** Only these ids, when not empty. */
  readonly include: readonly string[];
  /** Never these ids. Never shares an id with include (refused as a contradiction). */
  readonly exclude: readonly string[];
  /** Accounts scanned at once, 1..100 (default 10). */
  readonly concurrency: number;
  /** Resource Manager's base URL (resource-directory only). */
  readonly resourceManagerEndpoint: URL;
}

/** An account to scan: its id, how reports name it, and the role that reaches it (undefined: the caller's own credentials). */
export interface SelectedAccount {
  readonly accountId: string;
  readonly displayName: string;
  readonly roleArn: string | undefined;
}

/** ACCOUNTS and its companions; undefined when ACCOUNTS is unset (the run's own account). Every bad value is a ConfigError naming the variable. */
export function readAccountsConfig(env: Env): AccountsConfig | undefined {
  const raw = readString(env, 'ACCOUNTS');
  if (raw === undefined) {
    const stray = NEEDS_ACCOUNTS.find((name) => readString(env, name) !== undefined);
    if (stray !== undefined) throw new ConfigError(stray, `is set but ACCOUNTS is not, so it would do nothing; set ACCOUNTS to ${FORMS}, or remove ${stray}`);
    return undefined;
  }
  const source = parseSource(raw);
  const roleName = readString(env, 'ACCOUNT_ROLE_NAME') ?? RESOURCE_DIRECTORY_ROLE;
  if (!ROLE_NAME.test(roleName)) {
    throw new ConfigError('ACCOUNT_ROLE_NAME', `must be a RAM role name (1-64 letters, digits, '.', '-', '_'), got ${quoteValue(roleName)}; give the name only, not the ARN (default ${RESOURCE_DIRECTORY_ROLE})`);
  }
  const include = unique(readList(env, 'ACCOUNTS_INCLUDE', ACCOUNT_ID, 'an account id (digits)'));
  const exclude = unique(readList(env, 'ACCOUNTS_EXCLUDE', ACCOUNT_ID, 'an account id (digits)'));
  const both = include.find((id) => exclude.includes(id));
  if (both !== undefined) {
    throw new ConfigError('ACCOUNTS_EXCLUDE', `names ${both}, which ACCOUNTS_INCLUDE names too: an account is either scanned or not; remove it from one of them`);
  }
  return {
    source,
    roleName,
    include,
    exclude,
    concurrency: readInteger(env, 'ACCOUNT_CONCURRENCY', { defaultValue: DEFAULT_ACCOUNT_CONCURRENCY, min: 1, max: MAX_ACCOUNT_CONCURRENCY, why: 'accounts scanned at once, each at its own quotas' }),
    resourceManagerEndpoint: readBaseUrl(env, 'RESOURCE_MANAGER_ENDPOINT', DEFAULT_RESOURCE_MANAGER_ENDPOINT),
  };
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

function parseSource(raw: string): AccountSource {
  if (raw === 'resource-directory') return { kind: 'resource-directory' };
  if (!raw.startsWith('[')) throw new ConfigError('ACCOUNTS', `must be ${FORMS}; got ${quoteValue(raw)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError('ACCOUNTS', `is not valid JSON (${quoteValue((error as Error).message)}); expected ${LIST_FORM}`);
  }
  if (!Array.isArray(parsed)) throw new ConfigError('ACCOUNTS', `must be a JSON list like ${LIST_FORM}`);
  if (parsed.length === 0) throw new ConfigError('ACCOUNTS', 'names no account; list at least one, or unset ACCOUNTS to scan only the own account');
  const accounts = parsed.map((entry: unknown, index) => parseListed(entry, `ACCOUNTS[${index}]`));
  const seen = new Set<string>();
  accounts.forEach((account, index) => {
    if (seen.has(account.accountId)) throw new ConfigError(`ACCOUNTS[${index}].accountId`, `${account.accountId} is listed twice; list each account once`);
    seen.add(account.accountId);
  });
  return { kind: 'list', accounts };
}

function parseListed(entry: unknown, where: string): ListedAccount {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new ConfigError(where, `must be an object like ${LIST_FORM}`);
  const record = entry as Record<string, unknown>;
  for (const field of Object.keys(record)) {
    if (!(LIST_FIELDS as readonly string[]).includes(field)) throw new ConfigError(`${where}.${field}`, `is not a known field; allowed: ${LIST_FIELDS.join(', ')}`);
  }
  const id = record.accountId;
  if (typeof id === 'number') throw new ConfigError(`${where}.accountId`, 'must be a string of digits: quote it ("1234567890123456"), a JSON number loses the last digits of a 16-digit id');
  if (typeof id !== 'string' || !ACCOUNT_ID.test(id.trim())) throw new ConfigError(`${where}.accountId`, `must be an account id, a string of digits, got ${quoteValue(id)}`);
  const accountId = id.trim();
  const arn = record.roleArn;
  let roleArn: string | undefined;
  if (arn !== undefined) {
    const parsed = typeof arn === 'string' ? parseRoleArn(arn.trim()) : undefined;
    if (parsed === undefined) throw new ConfigError(`${where}.roleArn`, `must be a role ARN acs:ram::<account id>:role/<role name>, got ${quoteValue(arn)}; leave it out for ACCOUNT_ROLE_NAME in the account`);
    if (parsed.accountId !== accountId) throw new ConfigError(`${where}.roleArn`, `is a role of account ${parsed.accountId}, not of ${accountId}: the role assumed must be in the account scanned`);
    roleArn = (arn as string).trim();
  }
  const name = record.displayName;
  if (name !== undefined && (typeof name !== 'string' || name.trim() === '' || name.length > MAX_DISPLAY_NAME)) {
    throw new ConfigError(`${where}.displayName`, `must be a non-empty string of at most ${MAX_DISPLAY_NAME} characters`);
  }
  return { accountId, roleArn, displayName: typeof name === 'string' ? name.trim() : undefined };
}

/** What selectAccounts chose. */
export interface AccountSelection {
  /** The accounts to scan, in the listing's order, each once. */
  readonly accounts: readonly SelectedAccount[];
  /** Ids ACCOUNTS_INCLUDE names that the listing does not hold: asked for, and not scanned. */
  readonly missing: readonly string[];
}

/**
 * The accounts a run scans: the configured list, or (resource-directory) `listed`, what
 * ListAccounts returned; narrowed to ACCOUNTS_INCLUDE when it is set, less ACCOUNTS_EXCLUDE; each
 * with its role: the list's own roleArn, else ACCOUNT_ROLE_NAME's in the account. `self`, the
 * caller's own account, is scanned with the caller's credentials (no role to assume there: a
 * directory's management account has no ResourceDirectoryAccountAccessRole) unless the list
 * names a role for it. An account listed twice is taken once. Pure.
 */
export function selectAccounts(
  config: Pick<AccountsConfig, 'source' | 'roleName' | 'include' | 'exclude'>,
  listed: readonly { readonly accountId: string; readonly displayName: string }[] | undefined,
  self?: string,
): AccountSelection {
  let candidates: readonly { readonly accountId: string; readonly displayName?: string | undefined; readonly roleArn?: string | undefined }[];
  if (config.source.kind === 'list') candidates = config.source.accounts;
  else if (listed === undefined) throw new Error('selectAccounts: resource-directory needs the accounts ListAccounts returned');
  else candidates = listed;
  const include = new Set(config.include);
  const exclude = new Set(config.exclude);
  const seen = new Set<string>();
  const accounts: SelectedAccount[] = [];
  for (const candidate of candidates) {
    const { accountId } = candidate;
    if (seen.has(accountId)) continue;
    seen.add(accountId);
    if ((include.size > 0 && !include.has(accountId)) || exclude.has(accountId)) continue;
    const roleArn = candidate.roleArn ?? (accountId === self ? undefined : memberRoleArn(accountId, config.roleName));
    accounts.push({ accountId, displayName: candidate.displayName ?? accountId, roleArn });
  }
  return { accounts, missing: config.include.filter((id) => !seen.has(id) && !exclude.has(id)) };
}
