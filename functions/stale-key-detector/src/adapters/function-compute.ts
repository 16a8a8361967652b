import { Readable } from 'node:stream';
import FC, * as $FC from '@alicloud/fc20230330';
import * as $dara from '@darabonba/typescript';
import type { CloudCredentials } from './credentials';
import { openApiConfig } from './openapi-config';
import { badResponse, toCloudApiError } from './sdk-error';
import type { Timeouts } from './timeouts';

/**
 * Function Compute 3.0 InvokeFunction, for the CLI's `invoke` command (the function itself never
 * calls FC). FC 3.0 has no services: the path is /2023-03-30/functions/{name}/invocations on
 * <accountId>.<region>.fc.aliyuncs.com. (@alicloud/fc2 only speaks FC 2.0's
 * /2016-08-15/services/{service}/functions/{name}/invocations.)
 */
export const FC_ACTIONS = ['fc:InvokeFunction'] as const;

export interface InvokeRequest {
  readonly functionName: string;
  /** A version or an alias; undefined invokes LATEST. */
  readonly qualifier?: string | undefined;
  /** The event: the raw body the function receives. */
  readonly event: string | Buffer;
}

/** The function ran and failed (FC answers 200 with x-fc-error-type and {errorMessage, errorType}). */
export interface FunctionError {
  /** x-fc-error-type, e.g. UnhandledInvocationError. */
  readonly type: string;
  /** The error's class in the function, e.g. ConfigError. */
  readonly errorType: string;
  readonly errorMessage: string;
}

export interface InvokeOutcome {
  readonly statusCode: number;
  readonly requestId: string | undefined;
  /** The function's answer: parsed JSON when it is JSON, else the text; undefined when empty. */
  readonly result: unknown;
  /** The log tail (x-fc-log-result, base64-decoded): the last 4 KB of the invocation's log. */
  readonly logTail: string | undefined;
  readonly error?: FunctionError;
}

/** `endpoint` is scheme://host[:port]; normally https://<accountId>.<region>.fc.aliyuncs.com (see fcEndpointFor). */
export function createFcClient(credentials: CloudCredentials, endpoint: URL, timeouts: Timeouts, regionId?: string): FC {
  // A synchronous invoke sends nothing until the function returns, and openapi-core uses
  // connectTimeout as the socket's idle timeout: both timeouts must cover the function's run time.
  return new FC(openApiConfig(credentials, endpoint, timeouts, regionId));
}

/** FC 3.0's public endpoint for an account and region. */
export function fcEndpointFor(accountId: string, region: string): URL {
  return new URL(`https://${accountId}.${region}.fc.aliyuncs.com`);
}

/** One synchronous invocation with the log tail. Never retried: a second run could post twice. */
export async function invokeFunction(client: FC, request: InvokeRequest): Promise<InvokeOutcome> {
  const action = 'InvokeFunction';
  let response: $FC.InvokeFunctionResponse;
  let body: Buffer;
  try {
    response = await client.invokeFunctionWithOptions(
      request.functionName,
      new $FC.InvokeFunctionRequest({
        body: Readable.from([Buffer.from(request.event)]),
        ...(request.qualifier === undefined ? {} : { qualifier: request.qualifier }),
      }),
      new $FC.InvokeFunctionHeaders({ xFcInvocationType: 'Sync', xFcLogType: 'Tail' }),
      new $dara.RuntimeOptions({}),
    );
    body = await readAll(response.body);
  } catch (error) {
    throw toCloudApiError(error, 'FC', action);
  }
  const headers = response.headers ?? {};
  const requestId = headers['x-fc-request-id'] ?? headers['x-acs-request-id'];
  const statusCode = response.statusCode ?? 0;
  const encodedLog = headers['x-fc-log-result'];
  const logTail = encodedLog === undefined || encodedLog === '' ? undefined : Buffer.from(encodedLog, 'base64').toString('utf8');
  const result = parseResult(body);
  const errorType = headers['x-fc-error-type'];
  if (errorType !== undefined && errorType !== '') {
    const answer = (typeof result === 'object' && result !== null ? result : {}) as Record<string, unknown>;
    const error: FunctionError = {
      type: errorType,
      errorType: typeof answer['errorType'] === 'string' ? answer['errorType'] : 'Error',
      errorMessage: typeof answer['errorMessage'] === 'string' ? answer['errorMessage'] : typeof result === 'string' ? result : 'no message',
    };
    return { statusCode, requestId, result, logTail, error };
  }
  if (statusCode !== 200) {
    // 202 is an asynchronous invocation, which this adapter never asks for.
    throw badResponse('FC', action, requestId, `expected HTTP 200 for a synchronous invocation, got ${statusCode}`);
  }
  return { statusCode, requestId, result, logTail };
}

async function readAll(body: Readable | undefined): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

function parseResult(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
