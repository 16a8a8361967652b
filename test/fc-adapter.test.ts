/**
 * The FC adapter (functions/stale-key-detector/src/adapters/function-compute.ts): the real
 * @alicloud/fc2 client at API version 2023-03-30, over HTTP, against the loopback fake, which
 * checks FC's own `FC` signature, the STS token in x-fc-security-token, the Date skew and
 * Content-MD5. What was sent is asserted from the
 * fake's side (cloud.fcRequests, cloud.fcInvocations).
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import FCClient from '@alicloud/fc2';
import type { CloudCredentials } from '../functions/stale-key-detector/src/adapters/credentials';
import { createFcClient, FC_API_VERSION, fcEndpointFor, invokeFunction } from '../functions/stale-key-detector/src/adapters/function-compute';
import type { Timeouts } from '../functions/stale-key-detector/src/adapters/timeouts';
import type { Summary } from '../functions/stale-key-detector/src/core/summary';
import { CloudApiError } from '../functions/stale-key-detector/src/errors/cloud-api-error';
import { ConfigError } from '../functions/stale-key-detector/src/errors/config-error';
import { cloudFix, dispositionOf } from '../functions/stale-key-detector/src/errors/error-codes';
import { handleInvocation } from '../functions/stale-key-detector/src/handler';
import { createLogger } from '../functions/stale-key-detector/src/logger';
import { DEFAULT_CREDENTIALS, DEMO_KEY_IDS, demoAccount, startFakeCloud, type FakeCloud } from '../simulator';
import { fcContext, simulatorCredentials, simulatorEnv } from '../simulator/function-wiring';
import { rejectionOf } from './helpers/clouds';

const TIMEOUTS: Timeouts = { connectTimeout: 10_000, readTimeout: 10_000 };
const PATH = '/2023-03-30/functions/stale-key-detector/invocations';

let cloud: FakeCloud;

beforeEach(async () => {
  cloud = await startFakeCloud({ account: demoAccount(Date.now()) });
});
afterEach(async () => {
  await cloud.close();
});

function client(credentials: CloudCredentials = simulatorCredentials, timeouts: Timeouts = TIMEOUTS): FCClient {
  return createFcClient(credentials, new URL(cloud.endpoint), timeouts, 'cn-hangzhou');
}

const rejection = rejectionOf;

/** The deployed function: the real handler against the same fake, its log lines as FC's log. */
function deployRealFunction(): void {
  cloud.setFcHandler(async (_name, body) => {
    const lines: string[] = [];
    const summary = await handleInvocation(body, fcContext(), {
      env: simulatorEnv(cloud),
      clock: { now: () => Date.now(), sleep: async () => {} },
      logger: createLogger({ level: 'info', sink: (line) => lines.push(line) }),
    });
    return { result: summary, log: `${lines.join('\n')}\n` };
  });
}

describe('invoke through @alicloud/fc2 at 2023-03-30', () => {
  it('runs the function synchronously: its summary and the decoded log tail; the fake saw the FC 3.0 request fc2 signed', async () => {
    deployRealFunction();
    const outcome = await invokeFunction(client(), { functionName: 'stale-key-detector', event: '{"dryRun":true}' });

    const record = cloud.fcInvocations[0];
    expect(cloud.fcInvocations).toHaveLength(1);
    expect(record).toMatchObject({ functionName: 'stale-key-detector', qualifier: undefined, invocationType: 'Sync', outcome: 'ok' });
    expect(record?.body.toString()).toBe('{"dryRun":true}');

    expect(outcome.error).toBeUndefined();
    expect(outcome.requestId).toBe(record?.requestId);
    const summary = outcome.result as Summary;
    expect(summary).toMatchObject({ trigger: 'manual', dryRun: true, complete: true });
    expect(summary.stale.map((k) => k.accessKeyId).sort()).toEqual(
      [DEMO_KEY_IDS.exEmployee, DEMO_KEY_IDS.legacyNeverUsed, DEMO_KEY_IDS.liNaStale, DEMO_KEY_IDS.wangFangNeverUsed, DEMO_KEY_IDS.zhaoMinCrossed, DEMO_KEY_IDS.backupCrossed].sort(),
    );
    expect(outcome.logTail).toMatch(new RegExp(`^FC Invoke Start RequestId: ${record?.requestId}\n`));
    expect(outcome.logTail).toContain('"message":"run starting"');
    expect(outcome.logTail).toContain(`FC Invoke End RequestId: ${record?.requestId}\n`);

    expect(cloud.fcRequests).toHaveLength(1);
    const seen = cloud.fcRequests[0];
    expect(seen).toMatchObject({ method: 'POST', path: PATH, query: {}, status: 200 });
    expect(seen?.headers).toMatchObject({
      'x-fc-invocation-type': 'Sync',
      'x-fc-log-type': 'Tail',
      'x-fc-security-token': DEFAULT_CREDENTIALS.securityToken,
      'content-type': 'application/octet-stream',
    });
    expect(seen?.headers['authorization']).toMatch(new RegExp(`^FC ${DEFAULT_CREDENTIALS.accessKeyId}:[A-Za-z0-9+/]{43}=$`));
    expect(Date.parse(String(seen?.headers['date']))).toBeGreaterThan(Date.now() - 60_000);
  });

  it('sends the qualifier as the qualifier query parameter', async () => {
    cloud.setFcHandler(async () => ({ result: 'ok' }), ['skd-staging']);
    const outcome = await invokeFunction(client(), { functionName: 'skd-staging', qualifier: 'prod', event: '{}' });
    expect(outcome.result).toBe('ok');
    expect(cloud.fcRequests[0]).toMatchObject({ path: '/2023-03-30/functions/skd-staging/invocations', query: { qualifier: 'prod' }, status: 200 });
    expect(cloud.fcInvocations.map((r) => [r.functionName, r.qualifier])).toEqual([['skd-staging', 'prod']]);
  });

  it('returns a function error as FunctionError with the log tail', async () => {
    cloud.setFcHandler(async () => {
      throw new ConfigError('DINGTALK_WEBHOOK_URL', 'is required');
    });
    const outcome = await invokeFunction(client(), { functionName: 'stale-key-detector', event: '{}' });
    expect(outcome.error).toEqual({ type: 'UnhandledInvocationError', errorType: 'ConfigError', errorMessage: 'DINGTALK_WEBHOOK_URL: is required' });
    expect(outcome.requestId).toBe(cloud.fcInvocations[0]?.requestId);
    expect(outcome.logTail).toContain('ConfigError: DINGTALK_WEBHOOK_URL: is required');
  });

  it('maps an unknown function to CloudApiError FunctionNotFound (HTTP 404) with FC\'s request id', async () => {
    cloud.setFcHandler(async () => ({ result: 'ok' }));
    const error = await rejection(invokeFunction(client(), { functionName: 'no-such-function', event: '{}' }));
    expect(error).toBeInstanceOf(CloudApiError);
    expect(error).toMatchObject({ service: 'FC', action: 'InvokeFunction', code: 'FunctionNotFound', statusCode: 404, requestId: cloud.fcRequests[0]?.requestId });
    expect((error as Error).message).toMatch(/^FC InvokeFunction failed: FunctionNotFound \(HTTP 404\): function 'no-such-function' does not exist \[RequestId [0-9A-F-]{36}\]$/);
    expect(cloud.fcInvocations).toHaveLength(0);
  });

  it('an FC error body in FC 3.0\'s documented {Code, Message} shape: fc2 loses the code, the status and message remain', async () => {
    cloud.failNext('fc:InvokeFunction', 1, { kind: 'body', status: 404, body: { Code: 'FunctionNotFound', Message: 'function not found' } });
    const error = await rejection(invokeFunction(client(), { functionName: 'stale-key-detector', event: '{}' }));
    expect(error).toMatchObject({ service: 'FC', code: 'BadResponse', statusCode: 404 });
    expect((error as Error).message).toContain('failed with 404');
    // The status is all there is to go on, and the fix says so.
    expect(cloudFix(error as CloudApiError, 'function')).toMatch(/^FC refused the call \(HTTP 404\) without a reason @alicloud\/fc2 can read: .*FUNCTION_COMPUTE_ENDPOINT/);
    expect(cloudFix(error as CloudApiError, 'cli')).toContain('check --function, --qualifier, --region and --account-id');
  });

  it('a refusal in that shape (HTTP 403, the code lost) points at the permission, the function\'s or the operator\'s', async () => {
    cloud.failNext('fc:InvokeFunction', 1, { kind: 'body', status: 403, body: { Code: 'AccessDenied', Message: 'the caller is not authorized' } });
    const error = (await rejection(invokeFunction(client(), { functionName: 'stale-key-detector', event: '{}' }))) as CloudApiError;
    expect(error).toMatchObject({ service: 'FC', code: 'BadResponse', statusCode: 403 });
    expect(dispositionOf(error)).toBe('final');
    expect(cloudFix(error, 'function')).toContain("the function's role needs fc:InvokeFunction on this same function (policies/stale-key-detector-organisation.json)");
    expect(cloudFix(error, 'cli')).toContain('fc:InvokeFunction on the function (policies/operator-invoke.json)');
  });

  it('is refused with a wrong secret (SignatureNotMatch) or a wrong or missing security token (InvalidAccessKeyID)', async () => {
    cloud.setFcHandler(async () => ({ result: 'ok' }));
    const call = (credentials: CloudCredentials): Promise<unknown> => rejection(invokeFunction(client(credentials), { functionName: 'stale-key-detector', event: '{}' }));

    expect(await call({ ...simulatorCredentials, accessKeySecret: 'wrong-secret' })).toMatchObject({ code: 'SignatureNotMatch', statusCode: 403 });
    // The token is an x-fc-* header, so it is signed: only the token check can refuse these.
    expect(await call({ ...simulatorCredentials, securityToken: 'someone-elses-token' })).toMatchObject({ code: 'InvalidAccessKeyID', statusCode: 403 });
    cloud.addCredential({ accessKeyId: 'TMPnoStsPrefix', accessKeySecret: 'tmp-secret', securityToken: 'tmp-token' });
    expect(await call({ accessKeyId: 'TMPnoStsPrefix', accessKeySecret: 'tmp-secret', securityToken: undefined })).toMatchObject({ code: 'InvalidAccessKeyID', statusCode: 403 });
    expect(await call({ accessKeyId: 'LTAIunknown', accessKeySecret: 'x', securityToken: undefined })).toMatchObject({ code: 'InvalidAccessKeyID', statusCode: 403 });
    // fc2 sends the token for a key not named STS… too (the adapter adds it to every request).
    await expect(invokeFunction(client({ accessKeyId: 'TMPnoStsPrefix', accessKeySecret: 'tmp-secret', securityToken: 'tmp-token' }), { functionName: 'stale-key-detector', event: '{}' })).resolves.toMatchObject({ result: 'ok' });

    expect(cloud.fcRequests.map((r) => [r.status, r.errorCode ?? null])).toEqual([
      [403, 'SignatureNotMatch'],
      [403, 'InvalidAccessKeyID'],
      [403, 'InvalidAccessKeyID'],
      [403, 'InvalidAccessKeyID'],
      [200, null],
    ]);
    expect(cloud.fcInvocations).toHaveLength(1);
  });

  it('will not build a client for an STS key without its token (fc2 would drop the key silently otherwise)', () => {
    expect(() => client({ ...simulatorCredentials, securityToken: undefined })).toThrow(ConfigError);
  });

  it('checks what is signed: a replayed request with another body, another x-fc-* header or an old Date is refused', async () => {
    cloud.setFcHandler(async () => ({ result: 'ok' }));
    const sent = await capture((endpoint) =>
      invokeFunction(createFcClient(simulatorCredentials, endpoint, TIMEOUTS, 'cn-hangzhou'), { functionName: 'stale-key-detector', event: '{"dryRun":true}' }),
    );
    expect(sent.path).toBe(PATH);

    expect(await replay(sent)).toMatchObject({ status: 200, body: 'ok' });
    expect(await replay({ ...sent, body: Buffer.from('{"dryRun":false}') })).toMatchObject({ status: 400, json: { ErrorCode: 'InvalidArgument' } });
    expect(await replay({ ...sent, headers: { ...sent.headers, 'x-fc-invocation-type': 'Async' } })).toMatchObject({
      status: 403,
      json: { ErrorCode: 'SignatureNotMatch', ErrorMessage: expect.stringMatching(/^The request signature we calculated does not match/) },
    });
    expect(await replay({ ...sent, headers: { ...sent.headers, 'x-fc-security-token': 'x' } })).toMatchObject({ status: 403, json: { ErrorCode: 'InvalidAccessKeyID' } });
    const old = new Date(Date.now() - 20 * 60_000).toUTCString();
    expect(await replay({ ...sent, headers: { ...sent.headers, date: old } })).toMatchObject({ status: 403, json: { ErrorCode: 'RequestTimeTooSkewed' } });
    const { authorization: _dropped, ...unsigned } = sent.headers;
    expect(await replay({ ...sent, headers: unsigned })).toMatchObject({ status: 400, json: { ErrorCode: 'MissingRequiredHeader' } });
    expect(cloud.fcRequests.map((r) => r.status)).toEqual([200, 400, 403, 403, 403, 400]);
    expect(cloud.fcRequests.every((r) => /^[0-9A-F-]{36}$/.test(r.requestId))).toBe(true);
    expect(cloud.fcInvocations).toHaveLength(1);
  });

  it('needs the 2023-03-30 path: fc2 at its default FC 2.0 version is not served', async () => {
    cloud.setFcHandler(async () => ({ result: 'ok' }));
    const fc = client();
    fc.version = '2016-08-15';
    const error = await rejection(invokeFunction(fc, { functionName: 'stale-key-detector', event: '{}' }));
    expect(error).toMatchObject({ service: 'FC', statusCode: 404 });
    expect(cloud.fcRequests).toHaveLength(0);
    expect(cloud.fcInvocations).toHaveLength(0);
    expect(FC_API_VERSION).toBe('2023-03-30');
  });

  it('times out (never retried) when the function outlasts the timeouts, and waits when they cover its run time', async () => {
    cloud.setFcHandler(async () => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      return { result: 'slow' };
    });
    const short = await rejection(invokeFunction(client(simulatorCredentials, { connectTimeout: 150, readTimeout: 150 }), { functionName: 'stale-key-detector', event: '{}' }));
    expect(short).toMatchObject({ code: 'Timeout', service: 'FC' });
    await new Promise((resolve) => setTimeout(resolve, 400));
    // Never retried: at most the one invocation (none if a busy machine timed out before sending).
    const afterShort = cloud.fcInvocations.length;
    expect(afterShort).toBeLessThanOrEqual(1);
    const long = await invokeFunction(client(simulatorCredentials, { connectTimeout: 150, readTimeout: 5_000 }), { functionName: 'stale-key-detector', event: '{}' });
    expect(long.result).toBe('slow');
    expect(cloud.fcInvocations).toHaveLength(afterShort + 1);
  });

  it('maps a network failure to NetworkError', async () => {
    const port = cloud.port;
    await cloud.close();
    const fc = createFcClient(simulatorCredentials, new URL(`http://127.0.0.1:${port}`), TIMEOUTS, 'cn-hangzhou');
    expect(await rejection(invokeFunction(fc, { functionName: 'stale-key-detector', event: '{}' }))).toMatchObject({ code: 'NetworkError', service: 'FC' });
    cloud = await startFakeCloud();
  });

  it('uses the account and region of an FC endpoint', () => {
    const endpoint = fcEndpointFor('1047585191180000', 'cn-shanghai');
    expect(endpoint.href).toBe('https://1047585191180000.cn-shanghai.fc.aliyuncs.com/');
    const fc = createFcClient(simulatorCredentials, endpoint, TIMEOUTS) as FCClient & { accountid: string; region: string; endpoint: string; timeout: number };
    expect([fc.accountid, fc.region, fc.endpoint, fc.version, fc.timeout]).toEqual(['1047585191180000', 'cn-shanghai', 'https://1047585191180000.cn-shanghai.fc.aliyuncs.com', '2023-03-30', 10_000]);
  });

  it('waits at most FC\'s longest function timeout when the run has no deadline (fc2 would put its own 60 s in place of Infinity)', () => {
    const fc = createFcClient(simulatorCredentials, fcEndpointFor('1047585191180000', 'cn-shanghai'), { connectTimeout: 5_000, readTimeout: Number.POSITIVE_INFINITY }) as FCClient & { timeout: number };
    expect(fc.timeout).toBe(86_400_000);
  });
});

// ---------- capture and replay ----------

interface Captured {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** What the client sends, taken by a loopback server that answers 200 with an empty body. */
async function capture(send: (endpoint: URL) => Promise<unknown>): Promise<Captured> {
  let captured: Captured | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      captured = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      res.writeHead(200, { 'x-fc-request-id': 'captured' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await send(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  if (!captured) throw new Error('nothing was captured');
  return captured;
}

/** Sends a captured request (headers as they are, content-length recomputed) to the fake. */
function replay(req: Captured): Promise<{ status: number; body: string; json: unknown }> {
  const { 'content-length': _length, ...headers } = req.headers;
  return new Promise((resolve, reject) => {
    const r = httpRequest({ host: '127.0.0.1', port: cloud.port, method: req.method, path: req.path, headers: { ...headers, 'content-length': String(req.body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body, json });
      });
    });
    r.on('error', reject);
    r.end(req.body);
  });
}
