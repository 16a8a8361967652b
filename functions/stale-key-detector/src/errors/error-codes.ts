import { CloudApiError, type CloudService } from './cloud-api-error';

/**
 * The one table of Alibaba Cloud error codes: what the retry policy does with each (pacing/retry),
 * and what an operator should do about it (failure alerts, the CLI).
 *  - throttled: slow down and retry;
 *  - transient: retry with back-off (5xx, network, timeouts, answers that are not the JSON documented);
 *  - fatal: no retry heals it and no other call would fare better (credentials, permissions, the
 *    clock): the scan stops rather than report every key as unknown;
 *  - final: this call failed for good (a bad parameter, a missing entity): that key or user is unknown.
 */
export type Disposition = 'throttled' | 'transient' | 'fatal' | 'final';

/** Where the advice is read: the deployed function's alert, or the operator's terminal. */
export type Audience = 'function' | 'cli';

interface CodeRule {
  readonly codes: RegExp;
  /** Only this service's codes (OSS's AccessDenied asks for other grants than RAM's); every service when undefined. */
  readonly service?: CloudService;
  readonly disposition: Disposition;
  readonly fix: (error: CloudApiError, audience: Audience) => string;
}

/** The policy action an API call needs, for "grant the role ..." advice. */
const POLICY_ACTION: Readonly<Record<string, string>> = {
  ListUsers: 'ram:ListUsers',
  ListAccessKeys: 'ram:ListAccessKeys',
  GetAccessKeyLastUsedProducts: 'actiontrail:GetAccessKeyLastUsedProducts',
  InvokeFunction: 'fc:InvokeFunction',
  ListAccounts: 'resourcemanager:ListAccounts',
  AssumeRole: 'sts:AssumeRole',
};

/** The shipped policy that grants an action: the organisation's own actions, or the scan's. */
function policyFileOf(action: string): string {
  return ['InvokeFunction', 'ListAccounts', 'AssumeRole'].includes(action) ? 'policies/stale-key-detector-organisation.json' : 'policies/stale-key-detector-readonly.json';
}

/**
 * FC 3.0 documents its error body as {Code, Message, RequestId}, and @alicloud/fc2 reads only
 * ErrorCode and ErrorMessage: such an answer reaches us as BadResponse with its HTTP status and
 * request id, and no reason. The status is all there is to go on, and the fix says so.
 */
function fcUnreadableFix(e: CloudApiError, who: Audience): string {
  const unread = `FC refused the call (HTTP ${e.statusCode ?? '?'}) without a reason @alicloud/fc2 can read`;
  if (e.statusCode === 403) {
    return who === 'cli'
      ? `${unread}: the credentials need fc:InvokeFunction on the function (policies/operator-invoke.json), and a key, secret and token that belong together`
      : `${unread}: the function's role needs fc:InvokeFunction on this same function (policies/stale-key-detector-organisation.json)`;
  }
  if (e.statusCode === 404) {
    return who === 'cli' ? `${unread}: check --function, --qualifier, --region and --account-id (the function must be deployed there)` : `${unread}: the coordinator invokes itself by the name and account in its context; check FUNCTION_COMPUTE_ENDPOINT if it is set`;
  }
  return `${unread}: retry later; if it persists, open a ticket with the request id`;
}

/**
 * OSS's AccessDenied: the state store's grants, on the error's bucket and prefix when it names
 * them; OSS also answers AccessDenied to a bucket addressed through another region's endpoint.
 */
function ossAccessFix(e: CloudApiError, who: Audience): string {
  if (/addressed using the specified endpoint/i.test(e.message)) return "the bucket is in another region than the endpoint: use the bucket's region (STATE_URL)";
  const holder = who === 'cli' ? 'these credentials' : "the function's role";
  return `grant ${holder} oss:GetObject and oss:PutObject on ${e.resource ?? 'acs:oss:*:*:<bucket>/<prefix>/*'}, the bucket and prefix of STATE_URL (policies/stale-key-detector-state.json)`;
}

/**
 * An organisation's errors (adapters/resource-manager.ts, adapters/assume-role.ts). ListAccounts
 * answers only the resource directory's management account and delegated administrators; AssumeRole
 * needs the role to exist in the member, its trust policy to trust the caller, and the caller to
 * hold sts:AssumeRole on it. The InvalidParameter.* codes are also what the adapter throws for a
 * request it refuses to send.
 */
const ORGANISATION_RULES: readonly CodeRule[] = [
  {
    codes: /^(EntityNotExists\.ResourceDirectory|ResourceDirectoryNotInUse|NoPermission\.ResourceDirectory\.MemberAccount)$/,
    service: 'ResourceManager',
    disposition: 'fatal',
    fix: (_e, who) =>
      `Resource Manager lists a resource directory's members only to its management account or a delegated administrator, and ${who === 'cli' ? 'these credentials are' : "the function's account is"} neither: ${
        who === 'cli' ? 'use credentials of the management account' : 'deploy the function in the management account'
      } (or a delegated administrator), or name the accounts in a JSON list instead of resource-directory`,
  },
  {
    codes: /^EntityNotExist\.Role$/,
    service: 'STS',
    disposition: 'final',
    fix: () =>
      'the role does not exist in that account (ResourceDirectoryAccountAccessRole exists only in members the resource directory created or invited): create the role there, or fix the role name or ARN',
  },
  {
    codes: /^(NoPermission|AccessDenied|Forbidden.*)$/,
    service: 'STS',
    disposition: 'fatal',
    fix: (_e, who) => {
      const holder = who === 'cli' ? 'these credentials' : "the function's role";
      return `${holder} may not assume the role: its trust policy in the member must trust ${holder} (or the management account), and ${holder} needs sts:AssumeRole on the role's ARN; an account's root keys can assume no role`;
    },
  },
  {
    codes: /^InvalidParameter\.(RoleArn|RoleSessionName|DurationSeconds)$/,
    service: 'STS',
    disposition: 'final',
    fix: (e) =>
      e.code === 'InvalidParameter.RoleArn'
        ? 'a role ARN reads acs:ram::<account id>:role/<role name> (a role, not a user)'
        : e.code === 'InvalidParameter.RoleSessionName'
          ? "the session name must be 2 to 32 letters, digits, '.', '@', '-' or '_'"
          : "the session duration must be from 900 s to the role's MaxSessionDuration (3600 s unless raised on the role)",
  },
];

const RULES: readonly CodeRule[] = [
  ...ORGANISATION_RULES,
  {
    codes: /^AccessDenied$/,
    service: 'OSS',
    disposition: 'fatal',
    fix: ossAccessFix,
  },
  {
    codes: /^(NoSuchBucket|InvalidBucketName|SecondLevelDomainForbidden)$/,
    service: 'OSS',
    disposition: 'fatal',
    fix: (e) =>
      e.code === 'SecondLevelDomainForbidden'
        ? 'OSS wants the bucket in the host name (<bucket>.oss-<region>.aliyuncs.com), not in the path: check the OSS endpoint'
        : 'the bucket does not exist or its name is invalid: create the bucket or fix STATE_URL',
  },
  {
    codes: /^(InvalidDigest|BadDigest)$/,
    service: 'OSS',
    disposition: 'transient',
    fix: () => 'the body OSS received did not match its Content-MD5 (damaged on the way): retry; if it persists, check proxies between the function and OSS',
  },
  {
    codes: /^Throttling/,
    disposition: 'throttled',
    fix: () => 'the API kept throttling: lower ACTIONTRAIL_QPS/RAM_QPS or find what else uses the quota',
  },
  {
    codes: /^(NetworkError|Timeout)$/,
    disposition: 'transient',
    fix: (e, who) =>
      who === 'cli'
        ? 'check --account-id and --region (or the endpoint variables), the network, and --timeout for long runs'
        : e.service === 'OSS'
          ? 'check that OSS is reachable from the function: the internal endpoint oss-<region>-internal.aliyuncs.com answers only inside the bucket\'s region (STATE_URL, STATE_OSS_ENDPOINT, VPC settings)'
          : `check that ${e.service} is reachable from the function (RAM_ENDPOINT / ACTIONTRAIL_ENDPOINT, VPC settings)`,
  },
  {
    codes: /^BadResponse$/,
    service: 'FC',
    // An invocation is never retried (a second run could post twice): what FC refused stays refused.
    disposition: 'final',
    fix: fcUnreadableFix,
  },
  {
    codes: /^(ServiceUnavailable|InternalError|BadResponse|SignatureNonceUsed)$/,
    disposition: 'transient',
    fix: (e) => `${e.service} answered ${e.code}: retry later; if it persists, open a ticket with the request id`,
  },
  {
    codes: /^(SignatureDoesNotMatch|SignatureNotMatch|IncompleteSignature|InvalidAccessKeyI[dD].*)$/,
    disposition: 'fatal',
    fix: (_e, who) =>
      who === 'cli'
        ? 'the access key or its secret is wrong: check ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET or --profile'
        : 'the access key or its secret is wrong: check the function role (or ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET outside FC)',
  },
  {
    codes: /^(NoPermission|AccessDenied|Forbidden.*)$/,
    disposition: 'fatal',
    fix: (e, who) => {
      const action = POLICY_ACTION[e.action] ?? `${e.service.toLowerCase()}:${e.action}`;
      return who === 'cli' && e.service === 'FC'
        ? `the credentials need ${action} on the function (policies/operator-invoke.json)`
        : `grant ${who === 'cli' ? 'these credentials' : "the function's role"} the action ${action} (${policyFileOf(e.action)})`;
    },
  },
  {
    codes: /^(MissingSecurityToken|InvalidSecurityToken.*|SecurityTokenExpired|AccessKeyIdAndSecurityTokenNotMatch)$/,
    disposition: 'fatal',
    fix: () => 'the STS token is missing, expired or belongs to another key: check the role credentials (ALIBABA_CLOUD_SECURITY_TOKEN outside FC)',
  },
  {
    codes: /^(InvalidTimeStamp|RequestTimeTooSkewed)/,
    disposition: 'fatal',
    fix: () => 'the clock of the machine running the scan is off by more than 15 minutes',
  },
  {
    codes: /^(FunctionNotFound|ServiceNotFound|AliasNotFound|VersionNotFound)$/,
    disposition: 'final',
    fix: () => 'check --function, --qualifier, --region and --account-id (the function must be deployed there)',
  },
];

function ruleFor(error: CloudApiError): CodeRule | undefined {
  return RULES.find((rule) => (rule.service === undefined || rule.service === error.service) && rule.codes.test(error.code));
}

/** What to do about a failed call. Anything that is not a failed cloud call (a bug) is final. */
export function dispositionOf(error: unknown): Disposition {
  if (!(error instanceof CloudApiError)) return 'final';
  const rule = ruleFor(error);
  if (rule !== undefined) return rule.disposition;
  return error.statusCode !== undefined && error.statusCode >= 500 ? 'transient' : 'final';
}

/** What an operator should do about a failed cloud call. */
export function cloudFix(error: CloudApiError, audience: Audience): string {
  return ruleFor(error)?.fix(error, audience) ?? `${error.service} answered ${error.code}: retry later; if it persists, open a ticket with the request id`;
}
