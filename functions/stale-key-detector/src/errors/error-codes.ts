import { CloudApiError } from './cloud-api-error';

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
  readonly disposition: Disposition;
  readonly fix: (error: CloudApiError, audience: Audience) => string;
}

/** The policy action an API call needs, for "grant the role ..." advice. */
const POLICY_ACTION: Readonly<Record<string, string>> = {
  ListUsers: 'ram:ListUsers',
  ListAccessKeys: 'ram:ListAccessKeys',
  GetAccessKeyLastUsedProducts: 'actiontrail:GetAccessKeyLastUsedProducts',
  InvokeFunction: 'fc:InvokeFunction',
};

const RULES: readonly CodeRule[] = [
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
        : `check that ${e.service} is reachable from the function (RAM_ENDPOINT / ACTIONTRAIL_ENDPOINT, VPC settings)`,
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
        : `grant ${who === 'cli' ? 'these credentials' : "the function's role"} the action ${action} (policies/stale-key-detector-readonly.json)`;
    },
  },
  {
    codes: /^(MissingSecurityToken|InvalidSecurityToken.*)$/,
    disposition: 'fatal',
    fix: () => 'the STS token is missing, expired or belongs to another key: check the role credentials (ALIBABA_CLOUD_SECURITY_TOKEN outside FC)',
  },
  {
    codes: /^InvalidTimeStamp/,
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
  return RULES.find((rule) => rule.codes.test(error.code));
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
