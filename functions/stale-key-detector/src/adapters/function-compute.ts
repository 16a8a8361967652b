import type FCClient from '@alicloud/fc2';
import { ConfigError } from '../errors/config-error';
import type { CloudCredentials } from './credentials';
import { toCloudApiError } from './sdk-error';
import type { Timeouts } from './timeouts';

/**
 * Function Compute 3.0 InvokeFunction, for the function's coordinator (it fans a run out over the
 * member accounts by invoking the function itself) and for the CLI's `invoke` command.
 * `POST /2023-03-30/functions/{name}/invocations` on <accountId>.<region>.fc.aliyuncs.com,
 * sent by @alicloud/fc2's client at API version 2023-03-30.
 *
 * fc2's typed helpers (invokeFunction(service, function, ...)) build FC 2.0 paths
 * (/2016-08-15/services/{service}/functions/{name}/invocations), and FC 3.0 functions have no
 * service, so they are not used. Its client, though, signs (FC's `FC <AccessKeyID>:<signature>`
 * scheme, the STS token in x-fc-security-token) and sends any request as
 * `/${client.version}${path}`. Alibaba's own fc3 component does the same for FC 3.0: devsapp/fc3
 * src/resources/fc/impl/client.ts sets `client.version = '2023-03-30'` on an fc2 client for
 * instanceExec (and deploys through fc2's getTempBucketToken at its default version).
 */
/**
 * @alicloud/fc2, loaded when a client is first built (as oss-store.ts loads ali-oss): a run that
 * never invokes, and a cold start before the coordinator fans out, does not run its module code.
 * The CLI bundle makes it the file beside it (scripts/build.ts, fc2Beside); the function's bundle
 * holds it inside.
 */
const fc2 = (): typeof FCClient => require('@alicloud/fc2') as typeof FCClient;

export const FC_ACTIONS = ['fc:InvokeFunction'] as const;

export const FC_API_VERSION = '2023-03-30';

/** <accountId>.<region>[-internal].fc.aliyuncs.com */
const FC_HOST = /^(\d+)\.([a-z0-9-]+?)(?:-internal)?\.fc\.aliyuncs\.com$/;

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
  /**
   * Always 200: fc2 resolves only for a 2xx answer and does not say which, and a synchronous
   * invocation (the only kind this adapter asks for) is answered 200.
   */
  readonly statusCode: number;
  readonly requestId: string | undefined;
  /** The function's answer: parsed JSON when it is JSON, else the text; undefined when empty. */
  readonly result: unknown;
  /** The log tail (x-fc-log-result, base64-decoded): the last 4 KB of the invocation's log. */
  readonly logTail: string | undefined;
  readonly error?: FunctionError;
}

/** FC's longest function timeout (86,400 s): no synchronous invocation can take longer. */
export const FC_MAX_TIMEOUT_MS = 86_400_000;

/**
 * `endpoint` is scheme://host[:port]; normally https://<accountId>.<region>.fc.aliyuncs.com (see
 * fcEndpointFor). Throws ConfigError for an STS key (STS.…) without its security token.
 */
export function createFcClient(credentials: CloudCredentials, endpoint: URL, timeouts: Timeouts, regionId?: string): FCClient {
  if (credentials.accessKeyId.startsWith('STS') && credentials.securityToken === undefined) {
    throw new ConfigError('credentials', 'an STS access key (STS.…) needs its security token (ALIBABA_CLOUD_SECURITY_TOKEN, or the profile\'s sts_token)');
  }
  const host = FC_HOST.exec(endpoint.hostname);
  // fc2 requires an account id (it also sends it as x-fc-account-id) and a region (used only for
  // its default endpoint, and ours is always given). FC 3.0 finds the account by the host; an
  // endpoint that does not name it (FUNCTION_COMPUTE_ENDPOINT) lends its hostname instead.
  const Client = fc2();
  const client = new Client(host?.[1] ?? endpoint.hostname, {
    accessKeyID: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    ...(credentials.securityToken === undefined
      ? {}
      : {
          securityToken: credentials.securityToken,
          // fc2 sends the token itself only for keys named STS…: send (and sign) it for any key.
          headers: { 'x-fc-security-token': credentials.securityToken },
        }),
    region: regionId ?? host?.[2] ?? 'cn-hangzhou',
    endpoint: endpoint.origin,
    secure: endpoint.protocol === 'https:',
    // One httpx timer for connecting (the socket's idle timeout) and one for the whole answer: a
    // synchronous invoke sends nothing until the function returns, so both must cover its run time.
    // fc2 replaces a timeout that is not finite (a run without a deadline) with its own 60 s: FC's
    // longest function timeout is the cap instead.
    timeout: Math.min(Math.max(timeouts.connectTimeout, timeouts.readTimeout), FC_MAX_TIMEOUT_MS),
  });
  client.version = FC_API_VERSION;
  return client;
}

/** FC 3.0's public endpoint for an account and region. */
export function fcEndpointFor(accountId: string, region: string): URL {
  return new URL(`https://${accountId}.${region}.fc.aliyuncs.com`);
}

/**
 * The function name as a path segment. FC signs the decoded path and fc2 signs the path as sent,
 * so valid names (letters, digits, _ and -, and `$` of an FC 2.0 `service$function`) go as they
 * are; anything else is percent-encoded, and FC refuses it anyway.
 */
function pathSegment(name: string): string {
  return encodeURIComponent(name).replace(/%24/g, '$');
}

/**
 * One synchronous invocation with the log tail. Never retried (fc2 does not retry either): a
 * second run could post twice. The parameter is `fc`: test/policy.test.ts reads a request call on
 * a `client` as pop-core's (first argument = the action), and fc2's first argument is the HTTP
 * method; the scan finds this adapter's action where it is named to toCloudApiError.
 */
export async function invokeFunction(fc: FCClient, request: InvokeRequest): Promise<InvokeOutcome> {
  const action = 'InvokeFunction';
  let response: FCClient.Response;
  try {
    response = await fc.request(
      'POST',
      `/functions/${pathSegment(request.functionName)}/invocations`,
      request.qualifier === undefined ? null : { qualifier: request.qualifier },
      Buffer.from(request.event),
      { 'x-fc-invocation-type': 'Sync', 'x-fc-log-type': 'Tail' },
      { rawBuf: true },
    );
  } catch (error) {
    throw toCloudApiError(error, 'FC', action);
  }
  const headers = response.headers;
  const requestId = header(headers, 'x-fc-request-id');
  const encodedLog = header(headers, 'x-fc-log-result');
  const logTail = encodedLog === undefined || encodedLog === '' ? undefined : Buffer.from(encodedLog, 'base64').toString('utf8');
  const result = parseResult(response.data);
  const errorType = header(headers, 'x-fc-error-type');
  if (errorType !== undefined && errorType !== '') {
    const answer = (typeof result === 'object' && result !== null ? result : {}) as Record<string, unknown>;
    const error: FunctionError = {
      type: errorType,
      errorType: typeof answer['errorType'] === 'string' ? answer['errorType'] : 'Error',
      errorMessage: typeof answer['errorMessage'] === 'string' ? answer['errorMessage'] : typeof result === 'string' ? result : 'no message',
    };
    return { statusCode: 200, requestId, result, logTail, error };
  }
  return { statusCode: 200, requestId, result, logTail };
}

function header(headers: FCClient.Response['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** fc2 hands over JSON already parsed (content-type application/json), else a Buffer or text. */
function parseResult(data: unknown): unknown {
  if (!Buffer.isBuffer(data) && typeof data !== 'string') return data;
  const text = Buffer.isBuffer(data) ? data.toString('utf8') : data;
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
