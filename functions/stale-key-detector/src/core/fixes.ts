import { cloudFix } from '../errors/error-codes';
import { CloudApiError } from '../errors/cloud-api-error';
import { DeadlineReachedError } from '../pacing/rate-limiter';

/** What an operator should do about a failed call: the text that goes into the failure alert (errors/error-codes.ts has the table). */
export function fixFor(error: unknown): string {
  if (error instanceof DeadlineReachedError) return 'raise the function timeout (s.yaml timeout) or ACTIONTRAIL_QPS/RAM_QPS if the account allows';
  if (error instanceof CloudApiError) return cloudFix(error, 'function');
  return 'see the function logs for details';
}
