/**
 * FC 3.0 InvokeFunction (`POST /2023-03-30/functions/{name}/invocations[?qualifier=..]`), answering
 * like Function Compute: Sync -> 200 with the function's result as the body, x-fc-request-id, and
 * x-fc-log-result (base64 of the last 4 KB of the log) with x-fc-log-type: Tail; an unhandled error
 * is still 200, with x-fc-error-type: UnhandledInvocationError and {"errorMessage","errorType",
 * "stackTrace"}. Async -> 202 with an empty body; the handler runs afterwards.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { apiError, type ApiError } from './api-error';
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
