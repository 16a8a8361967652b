/**
 * FC 3.0 InvokeFunction (`POST /2023-03-30/functions/{name}/invocations[?qualifier=..]`), answering
 * like Function Compute: Sync -> 200 with the function's result as the body, x-fc-request-id, and
 * x-fc-log-result (base64 of the last 4 KB of the log) with x-fc-log-type: Tail; an unhandled error
 * is still 200, with x-fc-error-type: UnhandledInvocationError and {"errorMessage","errorType",
 * "stackTrace"}. Async -> 202 with an empty body; the handler runs afterwards.
 *
 * FC's own errors (signature, key, unknown function, ...) are HTTP errors with x-fc-request-id and
 * the body `{"ErrorCode": "...", "ErrorMessage": "..."}` (what @alicloud/fc2 reads). Codes and
 * messages of FC's error-code table where it has them: InvalidAccessKeyID, SignatureNotMatch,
 * AccessDenied (403), MissingRequiredHeader, InvalidArgument (400), FunctionNotFound (404).
 * RequestTimeTooSkewed is the fake's name for the 15-minute Date rule, which FC documents without
 * a code. (FC 3.0's API reference documents its Error structure as {Code, Message, RequestId};
 * fc2 does not read those keys: test/fc-adapter.test.ts scripts such an answer to show what then.)
 */
import type { IncomingHttpHeaders } from 'node:http';
import { apiError, type ApiError } from './api-error';
import type { HttpAnswer } from './http-io';
import type { FcHandler, FcInvocationOutcome, FcInvocationRecord } from './types';

export const FC_PATH = /^\/2023-03-30\/functions\/([^/]+)\/invocations$/;
export const FC_ASYNC_MAX_BYTES = 128 * 1024;
export const FC_SYNC_MAX_BYTES = 32 * 1024 * 1024;
const LOG_TAIL_BYTES = 4096;

export interface FcAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** Every request that reached the FC route, as the fake received it (FakeCloud.fcRequests). */
export interface FcRequestRecord {
  readonly requestId: string;
  readonly method: string;
  /** As received, still percent-encoded, without the query. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  /** The answer's status, and FC's ErrorCode when it was an error. */
  status: number;
  errorCode?: string;
}

export const fcErrors = {
  missingHeader: (name: string): ApiError => apiError(400, 'MissingRequiredHeader', `required HTTP header ${name} was not specified`),
  badAuthorization: (): ApiError => apiError(403, 'AccessDenied', 'the Authorization header is not "FC <AccessKeyID>:<signature>"'),
  badDate: (date: string): ApiError => apiError(400, 'InvalidArgument', `the Date header '${date}' is not an RFC 1123 GMT date`),
  dateSkewed: (date: string, nowMs: number): ApiError =>
    apiError(403, 'RequestTimeTooSkewed', `the difference between the request time '${date}' and the current time '${new Date(nowMs).toUTCString()}' is too large`),
  invalidAccessKey: (accessKeyId: string, why = ''): ApiError => apiError(403, 'InvalidAccessKeyID', `invalid access key ID '${accessKeyId}'${why ? `: ${why}` : ''}`),
  signatureNotMatch: (): ApiError =>
    apiError(403, 'SignatureNotMatch', 'The request signature we calculated does not match the signature you provided. Check your access key and signing method'),
  contentMd5: (): ApiError => apiError(400, 'InvalidArgument', 'Content-MD5 does not match the request body'),
  accessDenied: (action: string): ApiError => apiError(403, 'AccessDenied', `the caller is not authorized to perform '${action}'`),
  throttled: (): ApiError => apiError(429, 'ResourceExhausted', 'the request rate exceeds the limit'),
};

/** FC's error answer: the status, x-fc-request-id and {"ErrorCode","ErrorMessage"}. */
export function fcErrorAnswer(error: ApiError, requestId: string): HttpAnswer {
  return {
    status: error.status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'x-fc-request-id': requestId },
    body: JSON.stringify({ ErrorCode: error.code, ErrorMessage: error.message }),
  };
}

export interface FcInvokeInput {
  readonly functionName: string;
  readonly qualifier: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly requestId: string;
}

export interface FcFunctions {
  readonly handler: FcHandler | undefined;
  readonly names: ReadonlySet<string>;
  readonly records: FcInvocationRecord[];
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function resultBody(result: unknown): Buffer {
  if (result === undefined || result === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(result)) return result;
  if (result instanceof Uint8Array) return Buffer.from(result);
  if (typeof result === 'string') return Buffer.from(result, 'utf8');
  return Buffer.from(JSON.stringify(result), 'utf8');
}

function logTail(requestId: string, log: string | undefined): string {
  const lines = `FC Invoke Start RequestId: ${requestId}\n${log ?? ''}${log && !log.endsWith('\n') ? '\n' : ''}FC Invoke End RequestId: ${requestId}\n`;
  const bytes = Buffer.from(lines, 'utf8');
  return bytes.subarray(Math.max(0, bytes.length - LOG_TAIL_BYTES)).toString('base64');
}

async function run(handler: FcHandler, name: string, body: Buffer): Promise<FcInvocationOutcome> {
  try {
    return await handler(name, body);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    return { error: { errorMessage: err.message, errorType: err.name || 'Error' }, log: `${err.stack ?? err.message}\n` };
  }
}

export async function invokeFunction(fns: FcFunctions, input: FcInvokeInput): Promise<FcAnswer | ApiError> {
  const { functionName, requestId } = input;
  if (!fns.handler || !fns.names.has(functionName)) {
    return apiError(404, 'FunctionNotFound', `function '${functionName}' does not exist`);
  }
  const handler = fns.handler;
  const type = header(input.headers, 'x-fc-invocation-type') ?? 'Sync';
  if (type !== 'Sync' && type !== 'Async') {
    return apiError(400, 'InvalidArgument', `invalid invocation type: ${type}, must be Sync or Async`);
  }
  const limit = type === 'Async' ? FC_ASYNC_MAX_BYTES : FC_SYNC_MAX_BYTES;
  if (input.body.length > limit) {
    return apiError(413, 'RequestEntityTooLarge', `payload size exceeds maximum allowed size (${limit} bytes)`);
  }
  const record: FcInvocationRecord = { requestId, functionName, qualifier: input.qualifier, invocationType: type, body: input.body };
  fns.records.push(record);
  const finish = (outcome: FcInvocationOutcome): void => {
    record.outcome = outcome.error ? 'error' : 'ok';
    if (outcome.error) record.errorType = outcome.error.errorType;
  };
  if (type === 'Async') {
    setImmediate(() => void run(handler, functionName, input.body).then(finish));
    return { status: 202, headers: { 'x-fc-request-id': requestId }, body: Buffer.alloc(0) };
  }
  const started = performance.now();
  const outcome = await run(handler, functionName, input.body);
  finish(outcome);
  const headers: Record<string, string> = {
    'x-fc-request-id': requestId,
    'x-fc-invocation-duration': String(Math.max(1, Math.round(performance.now() - started))),
    'x-fc-max-memory-usage': '42.5',
  };
  if (header(input.headers, 'x-fc-log-type') === 'Tail') headers['x-fc-log-result'] = logTail(requestId, outcome.log);
  if (outcome.error) {
    headers['x-fc-error-type'] = 'UnhandledInvocationError';
    headers['content-type'] = 'application/json';
    const body = { errorMessage: outcome.error.errorMessage, errorType: outcome.error.errorType, stackTrace: [] as string[] };
    return { status: 200, headers, body: Buffer.from(JSON.stringify(body), 'utf8') };
  }
  return { status: 200, headers, body: resultBody(outcome.result) };
}
