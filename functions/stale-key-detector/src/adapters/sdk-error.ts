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
 * @alicloud/fc2 (FC) rejects a non-2xx answer with
 * `Error('POST /functions/f/invocations failed with 404. requestid: <x-fc-request-id>, message: <ErrorMessage>.')`
 * named `FC${ErrorCode}Error`, `code` = ErrorCode: the status and request id are only in the message.
 */
const FC2_FAILURE = /^[A-Z]+ \S+ failed with (\d{3})\. requestid: (.*?), message: ([\s\S]*)\.$/;

function fc2Failure(error: unknown): { statusCode: number; requestId: string | undefined; message: string | undefined } | undefined {
  if (!(error instanceof Error) || !error.name.startsWith('FC')) return undefined;
  const m = FC2_FAILURE.exec(error.message);
  if (!m) return undefined;
  return { statusCode: Number(m[1]), requestId: text(m[2]), message: text(m[3]) };
}

/**
 * ali-oss (OSS) rejects with an Error whose `status` is the HTTP status and, for an XML error body,
 * `code` = <Code>, `requestId` = <RequestId>, message = <Message> (lib/client.js requestError). A
 * body that is not XML gives a parse error with `status` and the raw body appended to the message;
 * a HEAD or an empty 404 gives NoSuchKey. urllib's failures carry `status` -1 (network) or -2
 * (connect timeout) and code = name (RequestError, ConnectionTimeoutError, ...); a response timeout
 * is named ResponseTimeoutError. urllib's own message adds the agent's state and the answer's
 * headers after " (connected:": only the part before is kept.
 */
function ossFailure(error: unknown): { code: string | undefined; statusCode: number | undefined; requestId: string | undefined; message: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  const status = field(error, 'status');
  if (typeof status !== 'number') return undefined;
  const requestId = text(field(error, 'requestId'));
  const message = error.message.split(' (connected: ')[0] ?? error.message;
  if (status === -1) return { code: 'NetworkError', statusCode: undefined, requestId: undefined, message };
  if (status === -2) return { code: 'Timeout', statusCode: undefined, requestId: undefined, message };
  const code = text(field(error, 'code'));
  if (code === undefined && error.message.includes('\nraw xml: ')) {
    return { code: 'BadResponse', statusCode: status, requestId, message: `the answer was not OSS's XML (HTTP ${status})` };
  }
  return { code, statusCode: status, requestId, message };
}

/**
 * Turns whatever an SDK threw into a CloudApiError, or rethrows it untouched when it is a bug
 * of ours rather than a failed call.
 *  - openapi-core (RAM): ClientError / ServerError / ThrottlingError with code, statusCode, requestId, data, retryAfter (ms).
 *  - pop-core (ActionTrail): Error named `${Code}Error` with code and data (it ignores the HTTP status);
 *    a non-JSON body throws a SyntaxError or a plain object.
 *  - fc2 (FC): see fc2Failure; a JSON content-type with a body that is not JSON throws a SyntaxError.
 *  - ali-oss (OSS): see ossFailure.
 *  - all: network errors with a Node errno code, timeouts.
 * `resource` (OSS: the policy resource of the bucket and prefix) is carried for the fix's advice.
 */
export function toCloudApiError(error: unknown, service: CloudService, action: string, resource?: string): CloudApiError {
  if (error instanceof CloudApiError) return error;
  const oss = service === 'OSS' ? ossFailure(error) : undefined;
  if (oss !== undefined) {
    const details = { service, action, statusCode: oss.statusCode, requestId: oss.requestId, resource };
    if (oss.code !== undefined) return new CloudApiError({ ...details, code: oss.code }, redact(oss.message));
    // An HTTP error whose body had no Code.
    return new CloudApiError({ ...details, code: (oss.statusCode ?? 500) >= 500 ? 'ServiceUnavailable' : 'BadResponse' }, redact(oss.message));
  }
  const data = field(error, 'data');
  const code = text(field(error, 'code'));
  const fc2 = service === 'FC' ? fc2Failure(error) : undefined;
  const statusCode = fc2?.statusCode ?? field(error, 'statusCode') ?? field(field(field(error, 'entry'), 'response'), 'statusCode');
  const requestId = fc2?.requestId ?? text(field(error, 'requestId')) ?? text(field(data, 'RequestId'));
  const message = fc2?.message ?? text(field(data, 'Message')) ?? (error instanceof Error ? error.message : undefined) ?? 'no message';
  const base = { service, action, statusCode: typeof statusCode === 'number' ? statusCode : undefined, requestId, resource };

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
