import type ResourceManager from '@alicloud/resourcemanager20200331';
import type * as $ResourceManager from '@alicloud/resourcemanager20200331';
import type { Clock } from '../pacing/clock';
import { callWithRetry, DEFAULT_RETRY_POLICY } from '../pacing/retry';
import type { CloudCredentials } from './credentials';
import { openApiConfig } from './openapi-config';
import { badResponse, toCloudApiError } from './sdk-error';
import { DEFAULT_TIMEOUTS, type Timeouts } from './timeouts';

/** The Resource Manager SDK, loaded when a client is first built: only a coordinator lists accounts (see assume-role.ts). */
const resourceManagerSdk = (): typeof $ResourceManager => require('@alicloud/resourcemanager20200331') as typeof $ResourceManager;

/**
 * Resource Manager 2020-03-31 (the Resource Directory's member list), on openapi-core, signed
 * ACS3-HMAC-SHA256 as RAM's calls are. ListAccounts answers only the directory's management
 * account or a delegated administrator; anyone else gets EntityNotExists.ResourceDirectory (the
 * one error the API documents; errors/error-codes.ts says what to do about it).
 */

/** Resource Manager actions this adapter calls, as they appear in a RAM policy. */
export const RESOURCE_MANAGER_ACTIONS = ['resourcemanager:ListAccounts'] as const;

/** Resource Manager's one public endpoint (a central service: every region). */
export const DEFAULT_RESOURCE_MANAGER_ENDPOINT = 'https://resourcemanager.aliyuncs.com';

/** ListAccounts' largest page (PageSize 1..100; the API's default is 10). */
export const LIST_ACCOUNTS_PAGE_SIZE = 100;

/** One member of the Resource Directory, as far as the detector reads it. */
export interface DirectoryAccount {
  /** The member's account id (digits): the account of the role ARN acs:ram::<accountId>:role/<name>. */
  readonly accountId: string;
  /** Its display name in the directory (the account id when the answer had none). */
  readonly displayName: string;
  /** CreateSuccess, InviteSuccess, PromoteSuccess, ... (PromoteVerifying and the other Promote* states while a member changes type). */
  readonly status: string;
  /** ResourceAccount or CloudAccount. */
  readonly type: string;
}

/** One page of ListAccounts. */
export interface AccountsPage {
  readonly accounts: DirectoryAccount[];
  /** Members in the whole directory (every page). */
  readonly totalCount: number;
  /** The page this is (from 1), as Resource Manager echoed it. */
  readonly pageNumber: number;
  /** The page size Resource Manager used. */
  readonly pageSize: number;
  readonly requestId: string | undefined;
}

export function createResourceManagerClient(
  credentials: CloudCredentials,
  endpoint: URL = new URL(DEFAULT_RESOURCE_MANAGER_ENDPOINT),
  timeouts: Timeouts = DEFAULT_TIMEOUTS,
): ResourceManager {
  return new (resourceManagerSdk().default)(openApiConfig(credentials, endpoint, timeouts));
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

export class ResourceManagerAdapter {
  constructor(private readonly client: ResourceManager) {}

  /**
   * One page (from 1) of the directory's members, LIST_ACCOUNTS_PAGE_SIZE at a time. One call, no
   * retry (the caller's). Every failure is a CloudApiError: the cloud's code, or BadResponse when
   * the answer lacks a field the detector needs or echoes another page than the one asked for.
   */
  async listAccountsPage(pageNumber: number): Promise<AccountsPage> {
    if (!Number.isInteger(pageNumber) || pageNumber < 1) throw new RangeError(`pageNumber must be a whole number from 1: ${pageNumber}`);
    let body: $ResourceManager.ListAccountsResponseBody | undefined;
    try {
      body = (await this.client.listAccounts(new (resourceManagerSdk().ListAccountsRequest)({ pageNumber, pageSize: LIST_ACCOUNTS_PAGE_SIZE }))).body;
    } catch (error) {
      throw toCloudApiError(error, 'ResourceManager', 'ListAccounts');
    }
    const requestId = body?.requestId;
    const list = body?.accounts?.account;
    if (!Array.isArray(list)) throw badResponse('ResourceManager', 'ListAccounts', requestId, 'Accounts.Account is missing');
    if (!isCount(body?.totalCount)) throw badResponse('ResourceManager', 'ListAccounts', requestId, 'TotalCount is missing');
    if (body.pageNumber !== undefined && body.pageNumber !== pageNumber) {
      throw badResponse('ResourceManager', 'ListAccounts', requestId, `page ${String(body.pageNumber)} was answered for page ${pageNumber}`);
    }
    const accounts = list.map((account, i) => {
      const accountId = account.accountId;
      if (typeof accountId !== 'string' || !/^\d{1,32}$/.test(accountId)) throw badResponse('ResourceManager', 'ListAccounts', requestId, `Accounts.Account[${i}].AccountId is not an account id`);
      return {
        accountId,
        displayName: typeof account.displayName === 'string' && account.displayName !== '' ? account.displayName : accountId,
        status: typeof account.status === 'string' ? account.status : 'unknown',
        type: typeof account.type === 'string' ? account.type : 'unknown',
      };
    });
    return {
      accounts,
      totalCount: body.totalCount,
      pageNumber,
      pageSize: isCount(body.pageSize) && body.pageSize > 0 ? body.pageSize : LIST_ACCOUNTS_PAGE_SIZE,
      requestId,
    };
  }

  /**
   * Every member, page after page until TotalCount are listed. Paging that cannot be trusted fails
   * (BadResponse) rather than return a silently short list: a member listed twice, an empty or
   * short page before TotalCount, more members than TotalCount, or TotalCount changing between
   * pages (a member joining or leaving mid-listing: list again). Never more pages than
   * TotalCount needs.
   */
  async listAllAccounts(): Promise<DirectoryAccount[]> {
    const all: DirectoryAccount[] = [];
    const seen = new Set<string>();
    let total: number | undefined;
    for (let pageNumber = 1; total === undefined || all.length < total; pageNumber += 1) {
      const page = await this.listAccountsPage(pageNumber);
      const problem = pagingProblem(page, all.length, seen, total);
      if (problem !== undefined) throw badResponse('ResourceManager', 'ListAccounts', page.requestId, `paging cannot be trusted: ${problem}`);
      total = page.totalCount;
      for (const account of page.accounts) {
        seen.add(account.accountId);
        all.push(account);
      }
    }
    return all;
  }
}

/** Why a page cannot follow the `listed` members before it (ids in `seen`, TotalCount `total` so far), if it cannot. */
function pagingProblem(page: AccountsPage, listed: number, seen: ReadonlySet<string>, total: number | undefined): string | undefined {
  const after = listed + page.accounts.length;
  if (total !== undefined && page.totalCount !== total) return `TotalCount changed from ${total} to ${page.totalCount} between pages`;
  const ids = page.accounts.map((a) => a.accountId);
  if (ids.some((id, i) => seen.has(id) || ids.indexOf(id) !== i)) return `page ${page.pageNumber} lists a member twice`;
  if (after > page.totalCount) return `more members than TotalCount ${page.totalCount}`;
  if (after < page.totalCount && page.accounts.length < page.pageSize) {
    return `page ${page.pageNumber} has ${page.accounts.length} of ${page.pageSize} members with ${after} of ${page.totalCount} listed`;
  }
  return undefined;
}

/** Every member of the directory, through Resource Manager at `endpoint`, retried as every cloud call is: the coordinator's, a worker's and the CLI's listing. */
export function listDirectory(credentials: CloudCredentials, endpoint: URL, clock: Clock): Promise<DirectoryAccount[]> {
  return callWithRetry(() => new ResourceManagerAdapter(createResourceManagerClient(credentials, endpoint)).listAllAccounts(), { policy: DEFAULT_RETRY_POLICY, clock });
}
