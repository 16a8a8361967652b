import { CloudApiError } from '../errors/cloud-api-error';
import { DeadlineReachedError } from '../pacing/rate-limiter';

const POLICY_ACTION: Record<string, string> = {
  ListUsers: 'ram:ListUsers',
  ListAccessKeys: 'ram:ListAccessKeys',
  GetAccessKeyLastUsedProducts: 'actiontrail:GetAccessKeyLastUsedProducts',
  InvokeFunction: 'fc:InvokeFunction',
};

/** What an operator should do about a failed call: the text that goes into the failure alert. */
export function fixFor(error: unknown): string {
  if (error instanceof DeadlineReachedError) return 'raise the function timeout (s.yaml timeout) or ACTIONTRAIL_QPS/RAM_QPS if the account allows';
  if (!(error instanceof CloudApiError)) return 'see the function logs for details';
  const code = error.code;
  if (code === 'NoPermission' || code.startsWith('Forbidden')) {
    const action = POLICY_ACTION[error.action] ?? `${error.service.toLowerCase()}:${error.action}`;
    return `grant the function's role the action ${action} (policies/stale-key-detector-readonly.json)`;
  }
  if (code === 'SignatureDoesNotMatch' || code === 'IncompleteSignature' || code.startsWith('InvalidAccessKeyId')) {
    return 'the access key or its secret is wrong: check the function role (or ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET outside FC)';
  }
  if (code === 'MissingSecurityToken' || code.startsWith('InvalidSecurityToken')) {
    return 'the STS token is missing, expired or belongs to another key: check the role credentials (ALIBABA_CLOUD_SECURITY_TOKEN outside FC)';
  }
  if (code.startsWith('InvalidTimeStamp')) return 'the clock of the machine running the scan is off by more than 15 minutes';
  if (code.startsWith('Throttling')) return 'the API kept throttling: lower ACTIONTRAIL_QPS/RAM_QPS or find what else uses the quota';
  if (code === 'NetworkError' || code === 'Timeout') return `check that ${error.service} is reachable from the function (RAM_ENDPOINT / ACTIONTRAIL_ENDPOINT, VPC settings)`;
  return `${error.service} answered ${code}: retry later; if it persists, open a ticket with the request id`;
}
