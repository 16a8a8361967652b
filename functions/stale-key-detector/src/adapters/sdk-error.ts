import { CloudApiError, type CloudService } from '../errors/cloud-api-error';
import { redact } from '../redact';

const NETWORK_CODES = /^(E[A-Z]+|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|UND_ERR_\w+)$/;

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && value !== 'undefined' ? value : undefined;
}

/**
 * Turns whatever an SDK threw into a CloudApiError, or rethrows it untouched when it is a bug
 * of ours rather than a failed call.
 *  - openapi-core (RAM, FC): ClientError / ServerError / ThrottlingError with code, statusCode, requestId, data, retryAfter (ms).
 *  - pop-core (ActionTrail): Error named `${Code}Error` with code and data (it ignores the HTTP status);
 *    a non-JSON body throws a SyntaxError or a plain object.
 *  - both: network errors with a Node errno code, timeouts.
 */
export function toCloudApiError(error: unknown, service: CloudService, action: string): CloudApiError {
  if (error instanceof CloudApiError) return error;
  const data = field(error, 'data');
  const code = text(field(error, 'code'));
  const statusCode = field(error, 'statusCode') ?? field(field(field(error, 'entry'), 'response'), 'statusCode');
  const requestId = text(field(error, 'requestId')) ?? text(field(data, 'RequestId'));
  const message = text(field(data, 'Message')) ?? (error instanceof Error ? error.message : undefined) ?? 'no message';
  const base = { service, action, statusCode: typeof statusCode === 'number' ? statusCode : undefined, requestId };

  if (error instanceof SyntaxError || (!(error instanceof Error) && code === undefined)) {
    return new CloudApiError({ ...base, code: 'BadResponse' }, 'the answer was not the JSON the API documents');
  }
  const name = error instanceof Error ? error.name : '';
  if (/timeout/i.test(name) || /timeout/i.test(code ?? '') || (error instanceof Error && /timed? ?out/i.test(error.message) && code === undefined)) {
    return new CloudApiError({ ...base, code: 'Timeout' }, redact(message));
  }
  if (code !== undefined && NETWORK_CODES.test(code) && base.statusCode === undefined) {
    return new CloudApiError({ ...base, code: 'NetworkError' }, redact(`${code}: ${message}`));
  }
  if (code !== undefined && code !== 'undefined') {
    const retryAfter = field(error, 'retryAfter');
    return new CloudApiError({ ...base, code, retryAfterMs: typeof retryAfter === 'number' ? retryAfter : undefined }, redact(message));
  }
  if (error instanceof Error && /socket|hang up|ECONN|EPIPE|network/i.test(error.message)) {
    return new CloudApiError({ ...base, code: 'NetworkError' }, redact(error.message));
  }
  if (base.statusCode !== undefined) {
    // An HTTP error whose body had no Code.
    return new CloudApiError({ ...base, code: base.statusCode >= 500 ? 'ServiceUnavailable' : 'BadResponse' }, redact(message));
  }
  throw error;
}

/** A response that does not have the documented shape: named so an operator can report it. The problem quotes values from the answer, so it is redacted too. */
export function badResponse(service: CloudService, action: string, requestId: string | undefined, problem: string): CloudApiError {
  return new CloudApiError({ service, action, code: 'BadResponse', statusCode: undefined, requestId }, redact(problem));
}
