/**
 * Proves the loopback fake (test/fake) against the real SDKs the product uses:
 * @alicloud/ram20150501 + openapi-core (ACS3), @alicloud/pop-core (RPC v1), @alicloud/fc20230330,
 * and plain HTTP for the DingTalk robot.
 */
import { request as httpRequest, createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import Ram, * as $Ram from '@alicloud/ram20150501';
import Fc, * as $Fc from '@alicloud/fc20230330';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import RPCClient from '@alicloud/pop-core';
import * as $dara from '@darabonba/typescript';
import {
  buildAccount,
  DAY_MS,
  DEFAULT_CREDENTIALS,
  DEMO_KEY_IDS,
  demoAccount,
  dingtalkSign,
  isoSeconds,
  productUse,
  startFakeCloud,
  type FakeCloud,
  type FakeCloudOptions,
  type FakeCredential,
} from '../simulator';
import { rpcSignature, rpcStringToSign } from '../simulator/rpc-signature';

// ---------- helpers ----------

const clouds: FakeCloud[] = [];
async function start(options: FakeCloudOptions = {}): Promise<FakeCloud> {
  const cloud = await startFakeCloud(options);
  clouds.push(cloud);
  return cloud;
}
afterEach(async () => {
  await Promise.all(clouds.splice(0).map((c) => c.close()));
});

interface Creds {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

function ramClient(cloud: FakeCloud, creds: Creds = DEFAULT_CREDENTIALS): Ram {
  return new Ram(new $OpenApiUtil.Config({ ...creds, endpoint: cloud.host, protocol: 'http', readTimeout: 5000, connectTimeout: 5000 }));
}

function fcClient(cloud: FakeCloud, creds: Creds = DEFAULT_CREDENTIALS): Fc {
  return new Fc(new $OpenApiUtil.Config({ ...creds, endpoint: cloud.host, protocol: 'http', readTimeout: 5000, connectTimeout: 5000 }));
}

function trailClient(cloud: FakeCloud, creds: Creds = DEFAULT_CREDENTIALS): RPCClient {
  const config: RPCClient.Config = {
    accessKeyId: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
    endpoint: cloud.endpoint,
    apiVersion: '2020-07-06',
  };
  if (creds.securityToken !== undefined) config.securityToken = creds.securityToken;
  return new RPCClient(config);
}

interface TrailProduct {
  ServiceName: string;
  ServiceNameCn: string;
  ServiceNameEn: string;
  Source: string;
  UsedTimestamp: number;
  Detail: string;
}
interface TrailAnswer {
  RequestId: string;
  Products: TrailProduct[];
}

function lastUsedProducts(client: RPCClient, accessKey: string, method: 'POST' | 'GET' = 'POST'): Promise<TrailAnswer> {
  return client.request<TrailAnswer>('GetAccessKeyLastUsedProducts', { AccessKey: accessKey }, { method, timeout: 5000 });
}

/** The rejection of a promise (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (e) {
    return e as Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

async function readAll(stream: Readable | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  if (stream) for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

function invoke(cloud: FakeCloud, name: string, payload: string, type: 'Sync' | 'Async' = 'Sync', creds: Creds = DEFAULT_CREDENTIALS) {
  return fcClient(cloud, creds).invokeFunctionWithOptions(
    name,
    new $Fc.InvokeFunctionRequest({ body: Readable.from([Buffer.from(payload)]), qualifier: 'LATEST' }),
    new $Fc.InvokeFunctionHeaders({ xFcInvocationType: type, xFcLogType: 'Tail' }),
    new $dara.RuntimeOptions({}),
  );
}

interface Captured {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Runs `call` against a throw-away server and returns the HTTP request the SDK sent. */
async function capture(call: (endpointHost: string) => Promise<unknown>): Promise<Captured> {
  let captured: Captured | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      captured = { method: req.method ?? '', path: req.url ?? '', headers: { ...req.headers }, body: Buffer.concat(chunks) };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"RequestId":"x","Users":{"User":[]},"IsTruncated":false}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await call(`127.0.0.1:${(server.address() as AddressInfo).port}`).catch(() => undefined);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  if (!captured) throw new Error('nothing captured');
  return captured;
}

/** Sends a raw request (headers as given, including host) and parses the JSON answer. */
function replay(cloud: FakeCloud, req: Captured): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && k !== 'transfer-encoding') headers[k] = v;
    headers['content-length'] = String(req.body.length);
    const r = httpRequest({ host: '127.0.0.1', port: cloud.port, method: req.method, path: req.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> }));
    });
    r.on('error', reject);
    r.end(req.body);
  });
}

async function postJson(url: string, body: unknown): Promise<{ errcode: number; errmsg: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as { errcode: number; errmsg: string };
}

const text = (content: string, extra: Record<string, unknown> = {}) => ({ msgtype: 'text', text: { content }, ...extra });

// ---------- RAM ----------

describe('RAM (openapi-core, ACS3-HMAC-SHA256)', () => {
  test('ListUsers pages with Marker return every user exactly once', async () => {
    const cloud = await start({ account: buildAccount({ users: 23, keysPerUser: 1, now: Date.now(), seed: 5 }) });
    const client = ramClient(cloud);
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const res = await client.listUsers(new $Ram.ListUsersRequest(marker === undefined ? { maxItems: 5 } : { maxItems: 5, marker }));
      const body = res.body;
      pages += 1;
      for (const u of body?.users?.user ?? []) seen.push(u.userName ?? '');
      marker = body?.isTruncated ? body.marker : undefined;
      if (body?.isTruncated) expect(body.marker).toBeTruthy();
      else expect(body?.marker).toBeUndefined();
    } while (marker !== undefined);
    expect(pages).toBe(5);
    expect(seen).toHaveLength(23);
    expect(new Set(seen).size).toBe(23);
    expect(seen).toEqual(cloud.account.users.map((u) => u.userName));
  });

  test('ListUsers / ListAccessKeys shapes; default page of 100; dates like 2015-01-23T12:33:18Z', async () => {
    const now = Date.now();
    const cloud = await start({ account: demoAccount(now) });
    const client = ramClient(cloud);
    const users = await client.listUsers(new $Ram.ListUsersRequest({}));
    expect(users.statusCode).toBe(200);
    expect(users.body?.isTruncated).toBe(false);
    const liNa = users.body?.users?.user?.find((u) => u.userName === 'li.na');
    expect(liNa).toMatchObject({ displayName: '李娜', comments: '' });
    expect(liNa?.userId).toMatch(/^\d{15,16}$/);
    expect(liNa?.createDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const keys = await client.listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: 'li.na' }));
    expect(keys.body?.accessKeys?.accessKey?.map((k) => [k.accessKeyId, k.status])).toEqual([
      [DEMO_KEY_IDS.liNaStale, 'Active'],
      [DEMO_KEY_IDS.liNaFresh, 'Active'],
    ]);
    expect(keys.body?.accessKeys?.accessKey?.[1]?.createDate).toBe(isoSeconds(now - 90 * DAY_MS));
    const legacy = await client.listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: 'legacy-backup' }));
    expect(legacy.body?.accessKeys?.accessKey?.map((k) => k.status)).toEqual(['Active', 'Inactive']);
  });

  test('errors: unknown user, bad MaxItems, bad Marker', async () => {
    const cloud = await start({ account: demoAccount(Date.now()) });
    const client = ramClient(cloud);
    const notFound = await rejection(client.listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: 'nobody' })));
    expect(notFound).toMatchObject({ name: 'ClientError', code: 'EntityNotExist.User', statusCode: 404 });
    expect(await rejection(client.listUsers(new $Ram.ListUsersRequest({ maxItems: 1001 })))).toMatchObject({
      code: 'InvalidParameter.MaxItems',
      statusCode: 400,
    });
    expect(await rejection(client.listUsers(new $Ram.ListUsersRequest({ maxItems: 0 })))).toMatchObject({ code: 'InvalidParameter.MaxItems' });
    expect(await rejection(client.listUsers(new $Ram.ListUsersRequest({ marker: 'bm9wZQ==' })))).toMatchObject({ code: 'InvalidParameter.Marker' });
  });

  test('signature, key and STS token checks', async () => {
    const cloud = await start();
    const wrongSecret = await rejection(ramClient(cloud, { ...DEFAULT_CREDENTIALS, accessKeySecret: 'wrong' }).listUsers(new $Ram.ListUsersRequest({})));
    expect(wrongSecret).toMatchObject({ name: 'ClientError', code: 'SignatureDoesNotMatch', statusCode: 400 });
    expect(String((wrongSecret['data'] as Record<string, unknown>)['Message'])).toContain('server string to sign is:ACS3-HMAC-SHA256\n');
    expect(wrongSecret['data']).toEqual(
      expect.objectContaining({ RequestId: expect.any(String), HostId: 'ram.aliyuncs.com', Recommend: expect.stringContaining('SignatureDoesNotMatch') }),
    );

    const unknownKey = await rejection(ramClient(cloud, { accessKeyId: 'LTAInope', accessKeySecret: 'x' }).listUsers(new $Ram.ListUsersRequest({})));
    expect(unknownKey).toMatchObject({ code: 'InvalidAccessKeyId.NotFound', statusCode: 404 });

    const { securityToken: _dropped, ...noToken } = DEFAULT_CREDENTIALS;
    expect(await rejection(ramClient(cloud, noToken).listUsers(new $Ram.ListUsersRequest({})))).toMatchObject({
      code: 'MissingSecurityToken',
      statusCode: 400,
    });
    expect(await rejection(ramClient(cloud, { ...DEFAULT_CREDENTIALS, securityToken: 'other' }).listUsers(new $Ram.ListUsersRequest({})))).toMatchObject({
      code: 'InvalidSecurityToken.MismatchWithAccessKey',
    });

    const ok = await ramClient(cloud).listUsers(new $Ram.ListUsersRequest({}));
    expect(ok.statusCode).toBe(200);
  });

  test('a captured SDK request: tampering fails, replaying it twice hits the nonce check', async () => {
    const cloud = await start({ account: demoAccount(Date.now()) });
    const sent = await capture((host) =>
      new Ram(new $OpenApiUtil.Config({ ...DEFAULT_CREDENTIALS, endpoint: host, protocol: 'http' })).listUsers(
        new $Ram.ListUsersRequest({ maxItems: 1000, marker: "a b/c!'()*~+=" }),
      ),
    );
    expect(sent.method).toBe('POST');
    expect(sent.path).toMatch(/^\/\?Marker=a%20b%2Fc!%27\(\)\*~%2B%3D&MaxItems=1000$/);
    expect(sent.headers['x-acs-action']).toBe('ListUsers');
    expect(sent.headers['x-acs-version']).toBe('2015-05-01');
    expect(String(sent.headers['authorization'])).toMatch(
      /^ACS3-HMAC-SHA256 Credential=STS\.fakeRoleKey,SignedHeaders=host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,Signature=[0-9a-f]{64}$/,
    );

    const tamperedQuery = await replay(cloud, { ...sent, path: sent.path.replace('MaxItems=1000', 'MaxItems=999') });
    expect(tamperedQuery).toMatchObject({ status: 400, json: { Code: 'SignatureDoesNotMatch' } });
    const tamperedAction = await replay(cloud, { ...sent, headers: { ...sent.headers, 'x-acs-action': 'ListAccessKeys' } });
    expect(tamperedAction.json['Code']).toBe('SignatureDoesNotMatch');
    const { authorization: _a, ...unsigned } = sent.headers;
    expect((await replay(cloud, { ...sent, headers: unsigned })).json['Code']).toBe('IncompleteSignature');
    const { 'x-acs-signature-nonce': _n, ...noNonce } = sent.headers;
    expect((await replay(cloud, { ...sent, headers: noNonce })).json['Code']).toBe('IncompleteSignature');

    // The marker is not valid for this account, but the signature is: it gets past authentication.
    expect(await replay(cloud, sent)).toMatchObject({ status: 400, json: { Code: 'InvalidParameter.Marker' } });
    expect(await replay(cloud, sent)).toMatchObject({ status: 400, json: { Code: 'SignatureNonceUsed' } });
  });

  test('NoPermission names the action', async () => {
    const limited: FakeCredential = { accessKeyId: 'LTAIlimitedAuditor00001', accessKeySecret: 'sek', allowedActions: ['actiontrail:GetAccessKeyLastUsedProducts'] };
    const cloud = await start({ credentials: [DEFAULT_CREDENTIALS, limited], account: demoAccount(Date.now()) });
    const denied = await rejection(ramClient(cloud, limited).listUsers(new $Ram.ListUsersRequest({})));
    expect(denied).toMatchObject({ code: 'NoPermission', statusCode: 403 });
    expect(String((denied['data'] as Record<string, unknown>)['Message'])).toBe('You are not authorized to do action: ram:ListUsers');
    const allowed = await lastUsedProducts(trailClient(cloud, limited), DEMO_KEY_IDS.opsAdmin);
    expect(allowed.Products).toHaveLength(3);
  });
});

// ---------- ActionTrail ----------

describe('ActionTrail (pop-core, RPC HMAC-SHA1)', () => {
  test('GetAccessKeyLastUsedProducts: shape, unknown key, retention, GET and POST', async () => {
    const now = Date.now();
    const cloud = await start({ account: demoAccount(now) });
    const client = trailClient(cloud);
    const answer = await lastUsedProducts(client, DEMO_KEY_IDS.ciDaily);
    expect(answer.RequestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(answer.Products.map((p) => p.ServiceName).sort()).toEqual(['Cr', 'Ecs', 'Fc', 'Oss']);
    const oss = answer.Products.find((p) => p.ServiceName === 'Oss');
    expect(oss).toMatchObject({ ServiceNameEn: 'Object Storage Service', ServiceNameCn: '对象存储', Source: 'DataEvent' });
    expect(typeof oss?.UsedTimestamp).toBe('number');
    expect(JSON.parse(oss?.Detail ?? '{}')).toMatchObject({ serviceName: 'Oss', eventName: 'PutObject', userIdentity: { userName: 'ci-deployer' } });
    expect(Math.max(...answer.Products.map((p) => p.UsedTimestamp))).toBe(now - 2 * 3_600_000);

    expect((await lastUsedProducts(client, 'LTAIneverSeenAnywhere0000')).Products).toEqual([]);
    expect((await lastUsedProducts(client, DEMO_KEY_IDS.ciRotation)).Products).toEqual([]);
    // last used 500 days ago: beyond ActionTrail's 400 days
    expect((await lastUsedProducts(client, DEMO_KEY_IDS.legacyInactive)).Products).toEqual([]);
    expect((await lastUsedProducts(client, DEMO_KEY_IDS.exEmployee, 'GET')).Products).toHaveLength(2);

    cloud.setProducts('LTAIdeletedKey000000000', [productUse('Ecs', now - DAY_MS)]);
    expect((await lastUsedProducts(client, 'LTAIdeletedKey000000000')).Products).toHaveLength(1);
  });

  test('the order of Products is not sorted by time (seeded shuffle)', async () => {
    const now = Date.now();
    const cloud = await start({ seed: 3 });
    cloud.addUser({ userName: 'many' });
    const services = ['Ecs', 'Oss', 'Rds', 'Sts', 'Ram', 'Sls', 'Vpc', 'Kms'];
    cloud.addKey('many', { accessKeyId: 'LTAImanyProducts00000000', products: services.map((s, i) => productUse(s, now - i * DAY_MS)) });
    const orders = new Set<string>();
    for (let i = 0; i < 4; i += 1) {
      const answer = await lastUsedProducts(trailClient(cloud), 'LTAImanyProducts00000000');
      expect(answer.Products).toHaveLength(8);
      orders.add(answer.Products.map((p) => p.ServiceName).join(','));
    }
    expect(orders.size).toBeGreaterThan(1);
    expect(orders.has(services.join(','))).toBe(false);
  });

  test('signature, token, missing parameter and timestamp errors', async () => {
    const cloud = await start();
    const wrong = await rejection(lastUsedProducts(trailClient(cloud, { ...DEFAULT_CREDENTIALS, accessKeySecret: 'bad' }), 'LTAIx'));
    expect(wrong).toMatchObject({ name: 'SignatureDoesNotMatchError', code: 'SignatureDoesNotMatch' });
    expect(String((wrong['data'] as Record<string, unknown>)['Message'])).toContain('server string to sign is:POST&%2F&AccessKey%3DLTAIx%26');

    const { securityToken: _t, ...noToken } = DEFAULT_CREDENTIALS;
    expect(await rejection(lastUsedProducts(trailClient(cloud, noToken), 'LTAIx'))).toMatchObject({ code: 'MissingSecurityToken' });
    expect(await rejection(lastUsedProducts(trailClient(cloud, { ...DEFAULT_CREDENTIALS, securityToken: 'stale' }), 'LTAIx'))).toMatchObject({
      code: 'InvalidSecurityToken.MismatchWithAccessKey',
    });
    expect(await rejection(lastUsedProducts(trailClient(cloud, { accessKeyId: 'LTAIzzz', accessKeySecret: 'x' }), 'LTAIx'))).toMatchObject({
      code: 'InvalidAccessKeyId.NotFound',
    });
    const missing = await rejection(trailClient(cloud).request('GetAccessKeyLastUsedProducts', {}, { method: 'POST' }));
    expect(missing).toMatchObject({ code: 'MissingAccessKey' });

    // A correctly signed request whose Timestamp is 20 minutes old.
    const params = new Map<string, string>([
      ['AccessKey', 'LTAIx'], ['AccessKeyId', DEFAULT_CREDENTIALS.accessKeyId], ['Action', 'GetAccessKeyLastUsedProducts'],
      ['Format', 'JSON'], ['SecurityToken', DEFAULT_CREDENTIALS.securityToken], ['SignatureMethod', 'HMAC-SHA1'],
      ['SignatureNonce', 'n-1'], ['SignatureVersion', '1.0'], ['Timestamp', isoSeconds(Date.now() - 20 * 60_000)], ['Version', '2020-07-06'],
    ]);
    params.set('Signature', rpcSignature(DEFAULT_CREDENTIALS.accessKeySecret, rpcStringToSign('GET', params)));
    const res = await fetch(`${cloud.endpoint}/?${new URLSearchParams([...params]).toString()}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ Code: 'InvalidTimeStamp.Expired' });
  });
});

// ---------- rate limits, latency, faults ----------

describe('realism knobs', () => {
  test('qps: a sliding 1 s window per API answers Throttling.User beyond the limit', async () => {
    const cloud = await start({ account: demoAccount(Date.now()), qps: { 'ram:ListUsers': 5, 'actiontrail:GetAccessKeyLastUsedProducts': 3 }, recordRequests: true });
    const ram = ramClient(cloud);
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => ram.listUsers(new $Ram.ListUsersRequest({ maxItems: 1 }))));
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(results.length - rejected.length).toBe(5);
    for (const r of rejected) expect(r.reason).toMatchObject({ name: 'ThrottlingError', code: 'Throttling.User', statusCode: 400 });
    expect(cloud.stats.get('ram:ListUsers')).toMatchObject({ requests: 12, successes: 5, throttled: 7, errors: 7, injectedErrors: 0 });
    expect(cloud.stats.arrivals('ram:ListUsers')).toHaveLength(12);

    const trail = trailClient(cloud);
    const trailResults = await Promise.allSettled(Array.from({ length: 5 }, () => lastUsedProducts(trail, DEMO_KEY_IDS.liNaFresh)));
    expect(trailResults.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(trailResults.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as { code: string }).code)).toEqual([
      'Throttling.User',
      'Throttling.User',
    ]);

    // Other APIs have their own windows; after a second the window has room again.
    await ram.listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: 'li.na' }));
    await new Promise((r) => setTimeout(r, 1050));
    await ram.listUsers(new $Ram.ListUsersRequest({ maxItems: 1 }));
    cloud.setQps({});
    await Promise.all(Array.from({ length: 10 }, () => ram.listUsers(new $Ram.ListUsersRequest({ maxItems: 1 }))));
    expect(cloud.requestLog.filter((e) => e.action === 'ram:ListUsers' && e.code === 'Throttling.User')).toHaveLength(7);
  });

  test('latency and max in-flight per action', async () => {
    const cloud = await start({ account: demoAccount(Date.now()), latencyMs: [60, 80] });
    const ram = ramClient(cloud);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 6 }, () => ram.listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: 'wang.fang' }))));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
    expect(cloud.stats.get('ram:ListAccessKeys')).toMatchObject({ requests: 6, successes: 6, maxInFlight: 6, inFlight: 0 });
    cloud.setLatency([0, 0]);
  });

  test('failNext: error, non-json, no-code-5xx, hang, reset (real SDK behaviour)', async () => {
    const cloud = await start({ account: demoAccount(Date.now()) });
    const ram = ramClient(cloud);
    const trail = trailClient(cloud);
    const key = DEMO_KEY_IDS.wangFang;

    cloud.failNext('ram:ListUsers', 2, { kind: 'error', status: 503, code: 'ServiceUnavailable' });
    expect(await rejection(ram.listUsers(new $Ram.ListUsersRequest({})))).toMatchObject({ name: 'ServerError', code: 'ServiceUnavailable', statusCode: 503 });
    expect(await rejection(ram.listUsers(new $Ram.ListUsersRequest({})))).toMatchObject({ code: 'ServiceUnavailable' });
    expect((await ram.listUsers(new $Ram.ListUsersRequest({}))).statusCode).toBe(200);

    cloud.failNext('GetAccessKeyLastUsedProducts', 1, { kind: 'error', status: 400, code: 'Throttling.User', message: 'slow down' });
    expect(await rejection(lastUsedProducts(trail, key))).toMatchObject({ name: 'Throttling.UserError', code: 'Throttling.User' });

    // A gateway's HTML page: openapi-core throws a SyntaxError; pop-core throws a plain object.
    cloud.failNext('ram:ListUsers', 1, { kind: 'non-json', status: 502 });
    const htmlRam = await rejection(ram.listUsers(new $Ram.ListUsersRequest({})));
    expect(htmlRam).toBeInstanceOf(SyntaxError);
    cloud.failNext('actiontrail:GetAccessKeyLastUsedProducts', 1, { kind: 'non-json', status: 502 });
    const htmlTrail = await rejection(lastUsedProducts(trail, key));
    expect(htmlTrail).not.toBeInstanceOf(Error);
    expect(htmlTrail).toMatchObject({ name: 'SyntaxError', text: expect.stringContaining('502 Bad Gateway') });

    // JSON without Code: openapi-core -> ServerError with code "undefined"; pop-core resolves!
    cloud.failNext('ram:ListUsers', 1, { kind: 'no-code-5xx', status: 503 });
    expect(await rejection(ram.listUsers(new $Ram.ListUsersRequest({})))).toMatchObject({ name: 'ServerError', statusCode: 503, code: 'undefined' });
    cloud.failNext('actiontrail:GetAccessKeyLastUsedProducts', 1, { kind: 'no-code-5xx', status: 504 });
    const silent = await lastUsedProducts(trail, key);
    expect(silent).toEqual({ RequestId: expect.any(String), Message: 'gateway' });
    expect(silent.Products).toBeUndefined();

    cloud.failNext('ram:ListUsers', 1, { kind: 'hang', ms: 150 });
    const t0 = performance.now();
    expect((await ram.listUsers(new $Ram.ListUsersRequest({}))).statusCode).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);

    cloud.failNext('ram:ListUsers', 1, { kind: 'reset' });
    expect(await rejection(ram.listUsers(new $Ram.ListUsersRequest({})))).toMatchObject({ code: 'ECONNRESET' });
    cloud.failNext('actiontrail:GetAccessKeyLastUsedProducts', 1, { kind: 'reset' });
    expect(await rejection(lastUsedProducts(trail, key))).toMatchObject({ code: 'ECONNRESET' });

    // 7 calls: 2 errors, 1 ok, non-json, no-code, hang (answered normally), reset
    expect(cloud.stats.get('ram:ListUsers')).toMatchObject({ requests: 7, successes: 2, injectedErrors: 5, errors: 5 });
    expect(cloud.stats.get('actiontrail:GetAccessKeyLastUsedProducts')).toMatchObject({ requests: 4, injectedErrors: 4, throttled: 1, successes: 0 });
  });

  test('failKey fails every look-up of one key until clearFaults', async () => {
    const cloud = await start({ account: demoAccount(Date.now()) });
    const trail = trailClient(cloud);
    cloud.failKey(DEMO_KEY_IDS.opsAdmin, { kind: 'error', status: 500, code: 'InternalError' });
    for (let i = 0; i < 3; i += 1) expect(await rejection(lastUsedProducts(trail, DEMO_KEY_IDS.opsAdmin))).toMatchObject({ code: 'InternalError' });
    expect((await lastUsedProducts(trail, DEMO_KEY_IDS.liNaFresh)).Products).toHaveLength(2);
    cloud.clearFaults();
    expect((await lastUsedProducts(trail, DEMO_KEY_IDS.opsAdmin)).Products).toHaveLength(3);
  });

  test('random faults are seeded and deterministic', async () => {
    const outcomes = async (seed: number): Promise<string[]> => {
      const cloud = await start({ seed, faults: { throttleRate: 0.2, serverErrorRate: 0.3 } });
      const trail = trailClient(cloud);
      const out: string[] = [];
      for (let i = 0; i < 20; i += 1) {
        out.push(await lastUsedProducts(trail, 'LTAIk').then(() => 'ok', (e: { code: string }) => e.code));
      }
      return out;
    };
    const a = await outcomes(11);
    expect(await outcomes(11)).toEqual(a);
    expect(new Set(a)).toEqual(new Set(['ok', 'Throttling.User', 'ServiceUnavailable', 'InternalError']));

    const cloud = await start({ faults: { serverErrorRate: 1 } });
    expect(await rejection(ramClient(cloud).listUsers(new $Ram.ListUsersRequest({})))).toMatchObject({ statusCode: expect.any(Number) });
    cloud.setFaults({});
    expect((await ramClient(cloud).listUsers(new $Ram.ListUsersRequest({}))).statusCode).toBe(200);
  });
});

// ---------- FC 3.0 ----------

describe('FC 3.0 InvokeFunction (@alicloud/fc20230330)', () => {
  test('Sync: result body, x-fc-request-id, base64 log tail; the handler gets the raw body', async () => {
    const calls: Array<[string, string]> = [];
    const cloud = await start({
      fcHandler: async (name, body) => {
        calls.push([name, body.toString()]);
        return { result: { scanned: 14, stale: 3 }, log: 'scan started\nscan done\n' };
      },
    });
    const res = await invoke(cloud, 'stale-key-detector', '{"triggerName":"timer-trigger"}');
    expect(res.statusCode).toBe(200);
    expect(JSON.parse((await readAll(res.body)).toString())).toEqual({ scanned: 14, stale: 3 });
    const requestId = res.headers?.['x-fc-request-id'];
    expect(requestId).toMatch(/^[0-9A-F-]{36}$/);
    const log = Buffer.from(res.headers?.['x-fc-log-result'] ?? '', 'base64').toString();
    expect(log).toBe(`FC Invoke Start RequestId: ${requestId}\nscan started\nscan done\nFC Invoke End RequestId: ${requestId}\n`);
    expect(res.headers?.['x-fc-error-type']).toBeUndefined();
    expect(calls).toEqual([['stale-key-detector', '{"triggerName":"timer-trigger"}']]);
    expect(cloud.fcInvocations[0]).toMatchObject({ functionName: 'stale-key-detector', qualifier: 'LATEST', invocationType: 'Sync', outcome: 'ok' });
  });

  test('handler errors: still 200, x-fc-error-type UnhandledInvocationError, {errorMessage, errorType}', async () => {
    const cloud = await start({
      fcHandler: async (_name, body) => {
        if (body.length === 0) throw new TypeError('event is empty');
        return { error: { errorMessage: 'DingTalk said 310000', errorType: 'NotifyError' }, log: 'failing\n' };
      },
    });
    const thrown = await invoke(cloud, 'stale-key-detector', '');
    expect(thrown.statusCode).toBe(200);
    expect(thrown.headers?.['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(JSON.parse((await readAll(thrown.body)).toString())).toMatchObject({ errorMessage: 'event is empty', errorType: 'TypeError' });
    const reported = await invoke(cloud, 'stale-key-detector', '{}');
    expect(JSON.parse((await readAll(reported.body)).toString())).toMatchObject({ errorMessage: 'DingTalk said 310000', errorType: 'NotifyError' });
  });

  test('Async answers 202 and runs the handler afterwards; unknown function is 404; auth applies', async () => {
    let done: () => void = () => undefined;
    const ran = new Promise<void>((resolve) => (done = resolve));
    const cloud = await start({
      fcFunctions: ['stale-key-detector'],
      fcHandler: async () => {
        done();
        return { result: 'ok' };
      },
    });
    const res = await invoke(cloud, 'stale-key-detector', '{"payload":"x"}', 'Async');
    expect(res.statusCode).toBe(202);
    expect((await readAll(res.body)).length).toBe(0);
    await ran;
    expect(cloud.fcInvocations[0]?.invocationType).toBe('Async');

    const missing = await rejection(invoke(cloud, 'no-such-fn', '{}'));
    expect(missing).toMatchObject({ name: 'ClientError', code: 'FunctionNotFound', statusCode: 404 });

    const wrong = await rejection(invoke(cloud, 'stale-key-detector', '{}', 'Sync', { ...DEFAULT_CREDENTIALS, accessKeySecret: 'x' }));
    expect(wrong).toMatchObject({ code: 'SignatureDoesNotMatch' });
    const limited: FakeCredential = { accessKeyId: 'LTAIramOnly', accessKeySecret: 's', allowedActions: ['ram:ListUsers'] };
    cloud.addCredential(limited);
    expect(await rejection(invoke(cloud, 'stale-key-detector', '{}', 'Sync', limited))).toMatchObject({ code: 'NoPermission', statusCode: 403 });
  });

  test('the payload hash is checked: a captured invocation with another body fails', async () => {
    const cloud = await start({ fcHandler: async () => ({ result: 'ok' }) });
    const sent = await capture((host) =>
      new Fc(new $OpenApiUtil.Config({ ...DEFAULT_CREDENTIALS, endpoint: host, protocol: 'http' })).invokeFunctionWithOptions(
        'stale-key-detector',
        new $Fc.InvokeFunctionRequest({ body: Readable.from([Buffer.from('{"a":1}')]) }),
        new $Fc.InvokeFunctionHeaders({ xFcInvocationType: 'Sync' }),
        new $dara.RuntimeOptions({}),
      ),
    );
    expect(sent.path).toBe('/2023-03-30/functions/stale-key-detector/invocations');
    expect(sent.headers['content-type']).toBe('application/octet-stream');
    expect(String(sent.headers['authorization'])).toContain('SignedHeaders=content-type;host;');
    expect(await replay(cloud, { ...sent, body: Buffer.from('{"a":2}') })).toMatchObject({ status: 400, json: { Code: 'SignatureDoesNotMatch' } });
  });
});

// ---------- DingTalk ----------

describe('DingTalk robot', () => {
  let clock = 0;
  const now = (): number => clock;
  beforeEach(() => {
    clock = Date.UTC(2026, 10, 25, 8, 0, 0);
  });

  test('signed messages are accepted; bad or missing sign, old timestamp and unknown token are not', async () => {
    const cloud = await start({ now });
    expect(await postJson(cloud.signedDingtalkUrl(), text('hello'))).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(cloud.dingtalk.messages).toHaveLength(1);
    expect(cloud.dingtalk.messages[0]).toMatchObject({ msgtype: 'text', text: 'hello', body: text('hello'), query: { access_token: 'fake-robot-token' } });

    const badSign = await postJson(`${cloud.dingtalkWebhookUrl}&timestamp=${clock}&sign=${encodeURIComponent(dingtalkSign('SECwrong', clock))}`, text('x'));
    expect(badSign).toEqual({ errcode: 310000, errmsg: 'sign not match' });
    // A sign that is not URL-encoded: its '+' arrives as a space (the clock is chosen so that it has one).
    const raw = dingtalkSign('SECfake-signing-secret', clock);
    expect(raw).toContain('+');
    expect((await postJson(`${cloud.dingtalkWebhookUrl}&timestamp=${clock}&sign=${raw}`, text('x'))).errmsg).toBe('sign not match');
    expect((await postJson(cloud.dingtalkWebhookUrl, text('x'))).errmsg).toBe('invalid timestamp');
    expect(await postJson(cloud.signedDingtalkUrl(clock - 2 * 3_600_000), text('x'))).toEqual({ errcode: 310000, errmsg: 'invalid timestamp' });
    expect((await postJson(`${cloud.endpoint}/robot/send?access_token=nope`, text('x'))).errcode).toBe(300005);
    expect(cloud.dingtalk.messages).toHaveLength(1);
    expect(cloud.dingtalk.attempts.map((a) => a.errcode)).toEqual([0, 310000, 310000, 310000, 310000, 300005]);
  });

  test('keywords, message shape, size limit, msgUuid de-duplication, scripted errors', async () => {
    const cloud = await start({ now, dingtalk: { accessToken: 'tok', secret: 'SECabc', keywords: ['AccessKey'] } });
    const url = (): string => cloud.signedDingtalkUrl();
    expect(await postJson(url(), text('hello'))).toEqual({ errcode: 310000, errmsg: 'keywords not in content' });
    expect((await postJson(url(), { msgtype: 'markdown', markdown: { title: 'AccessKey report', text: '### 3 stale keys' } })).errcode).toBe(0);
    expect((await postJson(url(), { msgtype: 'markdown', markdown: { text: 'AccessKey' } })).errcode).toBe(40035);
    expect((await postJson(url(), { msgtype: 'text' })).errcode).toBe(40035);
    expect((await postJson(url(), 'not json')).errcode).toBe(40035);
    expect((await postJson(url(), text(`AccessKey ${'x'.repeat(20_000)}`))).errcode).toBe(460101);

    const once = text('AccessKey LTAI… is stale', { msgUuid: 'run-2026-11-25' });
    expect((await postJson(url(), once)).errcode).toBe(0);
    expect((await postJson(url(), once)).errcode).toBe(0);
    expect(cloud.dingtalk.messages.map((m) => m.msgtype)).toEqual(['markdown', 'text']);

    cloud.dingtalk.failNext(2, -1, 'system busy');
    expect(await postJson(url(), text('AccessKey'))).toEqual({ errcode: -1, errmsg: 'system busy' });
    expect((await postJson(url(), text('AccessKey'))).errcode).toBe(-1);
    expect((await postJson(url(), text('AccessKey'))).errcode).toBe(0);
    expect(cloud.dingtalk.messages).toHaveLength(3);
  });

  test('more than 20 messages a minute blocks the robot for 10 minutes', async () => {
    const cloud = await start({ now });
    for (let i = 0; i < 20; i += 1) {
      expect((await postJson(cloud.signedDingtalkUrl(), text(`m${i}`))).errcode).toBe(0);
      clock += 1000;
    }
    expect(await postJson(cloud.signedDingtalkUrl(), text('21st'))).toEqual({ errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' });
    const blockedAt = clock;
    clock += 5 * 60_000; // the minute has passed, but the block lasts 10 minutes
    expect((await postJson(cloud.signedDingtalkUrl(), text('still blocked'))).errcode).toBe(130101);
    expect(cloud.dingtalk.blockedUntil).toBe(blockedAt + 10 * 60_000);
    clock = blockedAt + 10 * 60_000 + 1;
    expect((await postJson(cloud.signedDingtalkUrl(), text('back'))).errcode).toBe(0);
    expect(cloud.dingtalk.messages).toHaveLength(21);
    expect(cloud.stats.get('dingtalk:send')).toMatchObject({ requests: 23, successes: 21, throttled: 2 });
  });
});

// ---------- seed ----------

describe('seed data', () => {
  test('buildAccount is deterministic and realistic; fast enough for 20,000 keys', () => {
    const now = Date.UTC(2026, 10, 25);
    const a = buildAccount({ users: 10_000, keysPerUser: 2, now, seed: 9 });
    const b = buildAccount({ users: 500, keysPerUser: 2, now, seed: 9 });
    expect(a.keyCount).toBe(20_000);
    const ids = (users: readonly { keys: readonly { accessKeyId: string }[] }[]): string => users.map((u) => u.keys.map((k) => k.accessKeyId).join()).join();
    expect(ids(b.users)).toBe(ids(a.users.slice(0, 500)));
    expect(ids(buildAccount({ users: 500, keysPerUser: 2, now, seed: 10 }).users)).not.toBe(ids(b.users));
    const keys = a.users.flatMap((u) => u.keys);
    expect(keys.every((k) => /^LTAI[A-Za-z0-9]{20}$/.test(k.accessKeyId))).toBe(true);
    const neverUsed = keys.filter((k) => k.products.length === 0).length / keys.length;
    const inactive = keys.filter((k) => k.status === 'Inactive').length / keys.length;
    const lastUsed = (k: (typeof keys)[number]): number => Math.max(...k.products.map((p) => p.usedTimestamp));
    const stale = keys.filter((k) => k.status === 'Active' && k.products.length > 0 && now - lastUsed(k) >= 30 * DAY_MS).length / keys.length;
    expect(neverUsed).toBeGreaterThan(0.08);
    expect(neverUsed).toBeLessThan(0.16);
    expect(inactive).toBeGreaterThan(0.03);
    expect(inactive).toBeLessThan(0.07);
    expect(stale).toBeGreaterThan(0.2);
    expect(stale).toBeLessThan(0.3);
    expect(keys.every((k) => k.products.every((p) => p.usedTimestamp > k.createDate && p.usedTimestamp <= now))).toBe(true);
    expect(new Set(a.users.map((u) => u.userId)).size).toBe(10_000);
  });

  test('demoAccount has 9 users and 14 keys with their stories', () => {
    const now = Date.UTC(2026, 10, 25);
    const account = demoAccount(now);
    expect(account.users).toHaveLength(9);
    expect(account.keyCount).toBe(14);
    expect(account.getUser('zhang.wei')?.displayName).toBe('张伟');
    const idle = (id: string): number => (now - Math.max(...account.productsOf(id).map((p) => p.usedTimestamp))) / DAY_MS;
    expect(idle(DEMO_KEY_IDS.exEmployee)).toBe(200);
    expect(account.productsOf(DEMO_KEY_IDS.legacyNeverUsed)).toEqual([]);
    expect(account.getKey(DEMO_KEY_IDS.monitorInactive)?.status).toBe('Inactive');
  });
});
