import RPCClient from '@alicloud/pop-core';
import { CloudApiError } from '../errors/cloud-api-error';
import type { CloudCredentials } from './credentials';
import { badResponse, toCloudApiError } from './sdk-error';
import { DEFAULT_TIMEOUTS, type Timeouts } from './timeouts';

/**
 * The RAM actions this adapter needs: none. STS GetCallerIdentity is answered for any valid
 * credential, with no grant ("RAM authorization: No authorization for this operation", the API
 * reference, help.aliyun.com/en/ram/developer-reference/api-sts-2015-04-01-getcalleridentity), so
 * no policy lists it (test/policy.test.ts checks the adapter calls it and nothing else).
 */
export const STS_ACTIONS = [] as const;
export const STS_API_VERSION = '2015-04-01';
/** STS's one public endpoint (every region); STS_ENDPOINT overrides it (VPC endpoints, tests). */
export const DEFAULT_STS_ENDPOINT = 'https://sts.aliyuncs.com';

/** Who the credentials are: what GetCallerIdentity answers, as far as the detector reads it. */
export interface CallerIdentity {
  /** The Alibaba Cloud account (digits): whose state the CLI keeps. */
  readonly accountId: string;
  /** acs:ram::<account>:user/<name>, ...:assumed-role/<role>/<session>, or ...:root. */
  readonly arn: string | undefined;
  /** Account, RAMUser or AssumedRoleUser. */
  readonly identityType: string | undefined;
}

interface IdentityAnswer {
  RequestId?: unknown;
  AccountId?: unknown;
  Arn?: unknown;
  IdentityType?: unknown;
}

/** What pop-core resolves with in verbose mode: the JSON and the HTTP exchange it came from. */
type VerboseAnswer = [IdentityAnswer, { readonly response?: { readonly statusCode?: number } }];

/** pop-core's constructor takes a second argument, `verbose`, that its type declarations omit. */
const VerboseRpcClient = RPCClient as unknown as new (config: RPCClient.Config, verbose: boolean) => RPCClient;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * STS GetCallerIdentity (2015-04-01, RPC style, signed as ActionTrail's calls are): the account
 * the credentials belong to. One call, no retry (the caller's); every failure a CloudApiError,
 * redacted. Only a 2xx answer with an all-digit AccountId counts.
 */
export async function getCallerIdentity(credentials: CloudCredentials, endpoint: URL, timeouts: Timeouts = DEFAULT_TIMEOUTS): Promise<CallerIdentity> {
  const action = 'GetCallerIdentity';
  const client = new VerboseRpcClient({
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    ...(credentials.securityToken === undefined ? {} : { securityToken: credentials.securityToken }),
    endpoint: endpoint.origin,
    apiVersion: STS_API_VERSION,
  }, true);
  let answer: IdentityAnswer;
  let statusCode: number | undefined;
  try {
    // POST: with GET, pop-core's error messages carry the AccessKeyId, token and signature in the URL.
    const verbose = await client.request<VerboseAnswer>(action, {}, { method: 'POST', readTimeout: timeouts.readTimeout, connectTimeout: timeouts.connectTimeout });
    [answer] = verbose;
    statusCode = verbose[1]?.response?.statusCode;
  } catch (error) {
    throw toCloudApiError(error, 'STS', action);
  }
  const requestId = text(answer?.RequestId);
  // pop-core resolves any answer whose JSON has no Code, whatever its HTTP status.
  if (statusCode === undefined || statusCode < 200 || statusCode >= 300) {
    throw new CloudApiError(
      { service: 'STS', action, code: statusCode !== undefined && statusCode >= 500 ? 'ServiceUnavailable' : 'BadResponse', statusCode, requestId },
      `HTTP ${statusCode ?? 'status unknown'} is not a successful answer, whatever its body says`,
    );
  }
  const accountId = text(answer?.AccountId);
  if (accountId === undefined || !/^\d{1,32}$/.test(accountId)) throw badResponse('STS', action, requestId, 'no AccountId of digits in the answer');
  return { accountId, arn: text(answer.Arn), identityType: text(answer.IdentityType) };
}
