/**
 * The simulator's contract: it answers the real SDK clients, configured as the product configures
 * them (adapters/ram.ts: @alicloud/ram20150501 on openapi-core, ACS3-HMAC-SHA256;
 * adapters/actiontrail.ts: @alicloud/pop-core, RPC HMAC-SHA1, verbose, POST), as the cloud does,
 * and the SDKs receive its answers and errors in the shapes adapters/sdk-error.ts reads. The
 * DingTalk robot is pinned to its documented signing, errcodes and 20-a-minute limit.
 * Only what the product calls or relies on is here. (FC InvokeFunction: test/fc-adapter.test.ts.)
 */
import { request as httpRequest, createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as $Ram from '@alicloud/ram20150501';
import type RPCClient from '@alicloud/pop-core';
import { createActionTrailClient } from '../functions/stale-key-detector/src/adapters/actiontrail';
import type { CloudCredentials } from '../functions/stale-key-detector/src/adapters/credentials';
import { DingTalkRobot } from '../functions/stale-key-detector/src/adapters/dingtalk';
import { createRamClient } from '../functions/stale-key-detector/src/adapters/ram';
import { DEFAULT_TIMEOUTS } from '../functions/stale-key-detector/src/adapters/timeouts';
import {
  buildAccount,
  DAY_MS,
  DEFAULT_CREDENTIALS,
  DEMO_KEY_IDS,
  demoAccount,
  dingtalkSign,
  isoSeconds,
  productUse,
  type FakeCloud,
  type FakeCredential,
} from '../simulator';
import { rpcSignature, rpcStringToSign } from '../simulator/rpc-signature';
import { cloudsClosedAfterEach } from './helpers/clouds';

// ---------- helpers ----------

const start = cloudsClosedAfterEach();

const STS: CloudCredentials = { ...DEFAULT_CREDENTIALS };

/** The RAM client exactly as the function builds it. */
const ramClient = (cloud: FakeCloud, creds: CloudCredentials = STS) => createRamClient(creds, new URL(cloud.endpoint), DEFAULT_TIMEOUTS);

interface TrailAnswer {
  RequestId: string;
  Products: Array<{ ServiceName: string; ServiceNameCn: string; ServiceNameEn: string; Source: string; UsedTimestamp: number; Detail: string }>;
}

/** GetAccessKeyLastUsedProducts as the adapter sends it: pop-core, verbose, POST. */
async function lookUp(cloud: FakeCloud, accessKey: string, creds: CloudCredentials = STS): Promise<{ json: TrailAnswer; status: number | undefined }> {
  const client: RPCClient = createActionTrailClient(creds, new URL(cloud.endpoint));
  const [json, exchange] = await client.request<[TrailAnswer, { response?: { statusCode?: number } }]>('GetAccessKeyLastUsedProducts', { AccessKey: accessKey }, { method: 'POST', timeout: 5000 });
  return { json, status: exchange.response?.statusCode };
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

interface Captured {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Runs `call` against a throw-away server and returns the HTTP request the SDK sent. */
async function capture(call: (endpoint: URL) => Promise<unknown>): Promise<Captured> {
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
    await call(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)).catch(() => undefined);
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

// ---------- RAM ----------

describe('RAM (ram20150501 on openapi-core, ACS3-HMAC-SHA256)', () => {
  test('ListUsers pages with Marker while IsTruncated, and lists every user exactly once', async () => {
    const cloud = await start({ account: buildAccount({ users: 23, keysPerUser: 1, now: Date.now(), seed: 5 }) });
    const client = ramClient(cloud);
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const body = (await client.listUsers(new $Ram.ListUsersRequest(marker === undefined ? { maxItems: 5 } : { maxItems: 5, marker }))).body;
      pages += 1;
      for (const u of body?.users?.user ?? []) seen.push(u.userName ?? '');
      if (body?.isTruncated) expect(body.marker).toBeTruthy();
      else expect(body?.marker).toBeUndefined();
      marker = body?.isTruncated ? body.marker : undefined;
    } while (marker !== undefined);
    expect(pages).toBe(5);
    expect(seen).toEqual(cloud.account.users.map((u) => u.userName));
    expect(new Set(seen).size).toBe(23);
  });

  test('ListUsers and ListAccessKeys carry the fields the adapter reads; an unknown user is EntityNotExist.User', async () => {
    const now = Date.now();
    const cloud = await start({ account: demoAccount(now) });
    const client = ramClient(cloud);
    const users = (await client.listUsers(new $Ram.ListUsersRequest({ maxItems: 1000 }))).body;
    expect(users?.isTruncated).toBe(false);
    expect(users?.users?.user?.find((u) => u.userName === 'li.na')).toMatchObject({ displayName: '李娜', createDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) });

    const keys = (await client.listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: 'li.na' }))).body?.accessKeys?.accessKey;
    expect(keys?.map((k) => [k.accessKeyId, k.status])).toEqual([[DEMO_KEY_IDS.liNaStale, 'Active'], [DEMO_KEY_IDS.liNaFresh, 'Active']]);
    expect(keys?.[1]?.createDate).toBe(isoSeconds(now - 90 * DAY_MS));
    const legacy = (await client.listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: 'legacy-backup' }))).body;
    expect(legacy?.accessKeys?.accessKey?.map((k) => k.status)).toEqual(['Active', 'Inactive']);

    // The scan skips a user deleted between ListUsers and ListAccessKeys by this code.
    expect(await rejection(client.listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: 'nobody' })))).toMatchObject({ name: 'ClientError', code: 'EntityNotExist.User', statusCode: 404 });
  });

  test('checks the signature, the AccessKeyId and the STS token', async () => {
    const cloud = await start();
    const wrongSecret = await rejection(ramClient(cloud, { ...STS, accessKeySecret: 'wrong' }).listUsers(new $Ram.ListUsersRequest({})));
    expect(wrongSecret).toMatchObject({ name: 'ClientError', code: 'SignatureDoesNotMatch', statusCode: 400 });
    expect(String((wrongSecret['data'] as Record<string, unknown>)['Message'])).toContain('server string to sign is:ACS3-HMAC-SHA256\n');
    expect(wrongSecret['data']).toEqual(expect.objectContaining({ RequestId: expect.any(String), HostId: 'ram.aliyuncs.com', Recommend: expect.stringContaining('SignatureDoesNotMatch') }));

    const unknownKey = await rejection(ramClient(cloud, { accessKeyId: 'LTAInope', accessKeySecret: 'x', securityToken: undefined }).listUsers(new $Ram.ListUsersRequest({})));
    expect(unknownKey).toMatchObject({ code: 'InvalidAccessKeyId.NotFound', statusCode: 404 });
    expect(await rejection(ramClient(cloud, { ...STS, securityToken: undefined }).listUsers(new $Ram.ListUsersRequest({})))).toMatchObject({ code: 'MissingSecurityToken', statusCode: 400 });
    expect(await rejection(ramClient(cloud, { ...STS, securityToken: 'other' }).listUsers(new $Ram.ListUsersRequest({})))).toMatchObject({ code: 'InvalidSecurityToken.MismatchWithAccessKey' });

    expect((await ramClient(cloud).listUsers(new $Ram.ListUsersRequest({}))).statusCode).toBe(200);
  });

  test('a captured SDK request: tampering breaks the signature, a replayed nonce is refused', async () => {
    const cloud = await start({ account: demoAccount(Date.now()) });
    const sent = await capture((endpoint) => createRamClient(STS, endpoint, DEFAULT_TIMEOUTS).listUsers(new $Ram.ListUsersRequest({ maxItems: 1000, marker: "a b/c!'()*~+=" })));
    expect(sent.method).toBe('POST');
    expect(sent.path).toMatch(/^\/\?Marker=a%20b%2Fc!%27\(\)\*~%2B%3D&MaxItems=1000$/);
    expect(sent.headers['x-acs-action']).toBe('ListUsers');
    expect(sent.headers['x-acs-version']).toBe('2015-05-01');
    expect(String(sent.headers['authorization'])).toMatch(
      /^ACS3-HMAC-SHA256 Credential=STS\.fakeRoleKey,SignedHeaders=host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,Signature=[0-9a-f]{64}$/,
    );

    expect(await replay(cloud, { ...sent, path: sent.path.replace('MaxItems=1000', 'MaxItems=999') })).toMatchObject({ status: 400, json: { Code: 'SignatureDoesNotMatch' } });
    expect((await replay(cloud, { ...sent, headers: { ...sent.headers, 'x-acs-action': 'ListAccessKeys' } })).json['Code']).toBe('SignatureDoesNotMatch');
    const { authorization: _a, ...unsigned } = sent.headers;
    expect((await replay(cloud, { ...sent, headers: unsigned })).json['Code']).toBe('IncompleteSignature');
    const { 'x-acs-signature-nonce': _n, ...noNonce } = sent.headers;
    expect((await replay(cloud, { ...sent, headers: noNonce })).json['Code']).toBe('IncompleteSignature');

    // The marker is not one this account gave, but the signature is good: it gets past authentication, once.
    expect(await replay(cloud, sent)).toMatchObject({ status: 400, json: { Code: 'InvalidParameter.Marker' } });
    expect(await replay(cloud, sent)).toMatchObject({ status: 400, json: { Code: 'SignatureNonceUsed' } });
  });

  test('NoPermission names the action the role lacks', async () => {
    const limited: FakeCredential = { accessKeyId: 'LTAIlimitedAuditor00001', accessKeySecret: 'sek', allowedActions: ['actiontrail:GetAccessKeyLastUsedProducts'] };
    const cloud = await start({ credentials: [DEFAULT_CREDENTIALS, limited], account: demoAccount(Date.now()) });
    const creds = { accessKeyId: limited.accessKeyId, accessKeySecret: limited.accessKeySecret, securityToken: undefined };
    const denied = await rejection(ramClient(cloud, creds).listUsers(new $Ram.ListUsersRequest({})));
    expect(denied).toMatchObject({ code: 'NoPermission', statusCode: 403 });
    expect(String((denied['data'] as Record<string, unknown>)['Message'])).toBe('You are not authorized to do action: ram:ListUsers');
    expect((await lookUp(cloud, DEMO_KEY_IDS.opsAdmin, creds)).json.Products).toHaveLength(3);
  });
});

// ---------- ActionTrail ----------

describe('ActionTrail (pop-core, RPC HMAC-SHA1)', () => {
  test('GetAccessKeyLastUsedProducts: the answer\'s shape, no records for an unknown key, 400 days kept', async () => {
    const now = Date.now();
    const cloud = await start({ account: demoAccount(now) });
    const { json, status } = await lookUp(cloud, DEMO_KEY_IDS.ciDaily);
    expect(status).toBe(200);
    expect(json.RequestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(json.Products.map((p) => p.ServiceName).sort()).toEqual(['Cr', 'Ecs', 'Fc', 'Oss']);
    const oss = json.Products.find((p) => p.ServiceName === 'Oss');
    expect(oss).toMatchObject({ ServiceNameEn: 'Object Storage Service', ServiceNameCn: '对象存储', Source: 'DataEvent', UsedTimestamp: expect.any(Number) });
    expect(JSON.parse(oss?.Detail ?? '{}')).toMatchObject({ serviceName: 'Oss', eventName: 'PutObject', userIdentity: { userName: 'ci-deployer' } });
    expect(Math.max(...json.Products.map((p) => p.UsedTimestamp))).toBe(now - 2 * 3_600_000);

    expect((await lookUp(cloud, 'LTAIneverSeenAnywhere0000')).json.Products).toEqual([]);
    expect((await lookUp(cloud, DEMO_KEY_IDS.ciRotation)).json.Products).toEqual([]);
    // Last used 500 days ago: beyond the 400 days ActionTrail keeps.
    expect((await lookUp(cloud, DEMO_KEY_IDS.legacyInactive)).json.Products).toEqual([]);
  });

  test('Products come in no particular order (the adapter must not rely on one)', async () => {
    const now = Date.now();
    const cloud = await start({ seed: 3 });
    cloud.addUser({ userName: 'many' });
    const services = ['Ecs', 'Oss', 'Rds', 'Sts', 'Ram', 'Sls', 'Vpc', 'Kms'];
    cloud.addKey('many', { accessKeyId: 'LTAImanyProducts00000000', products: services.map((s, i) => productUse(s, now - i * DAY_MS)) });
    const orders = new Set<string>();
    for (let i = 0; i < 4; i += 1) orders.add((await lookUp(cloud, 'LTAImanyProducts00000000')).json.Products.map((p) => p.ServiceName).join(','));
    expect(orders.size).toBeGreaterThan(1);
    expect(orders.has(services.join(','))).toBe(false);
  });

  test('checks the signature, the STS token and the Timestamp', async () => {
    const cloud = await start();
    const wrong = await rejection(lookUp(cloud, 'LTAIx', { ...STS, accessKeySecret: 'bad' }));
    expect(wrong).toMatchObject({ name: 'SignatureDoesNotMatchError', code: 'SignatureDoesNotMatch' });
    expect(String((wrong['data'] as Record<string, unknown>)['Message'])).toContain('server string to sign is:POST&%2F&AccessKey%3DLTAIx%26');
    expect(await rejection(lookUp(cloud, 'LTAIx', { ...STS, securityToken: undefined }))).toMatchObject({ code: 'MissingSecurityToken' });
    expect(await rejection(lookUp(cloud, 'LTAIx', { ...STS, securityToken: 'stale' }))).toMatchObject({ code: 'InvalidSecurityToken.MismatchWithAccessKey' });
    expect(await rejection(lookUp(cloud, 'LTAIx', { accessKeyId: 'LTAIzzz', accessKeySecret: 'x', securityToken: undefined }))).toMatchObject({ code: 'InvalidAccessKeyId.NotFound' });

    // A correctly signed request whose Timestamp is 20 minutes old (a function whose clock is off).
    const params = new Map<string, string>([
      ['AccessKey', 'LTAIx'], ['AccessKeyId', STS.accessKeyId], ['Action', 'GetAccessKeyLastUsedProducts'],
      ['Format', 'JSON'], ['SecurityToken', DEFAULT_CREDENTIALS.securityToken], ['SignatureMethod', 'HMAC-SHA1'],
      ['SignatureNonce', 'n-1'], ['SignatureVersion', '1.0'], ['Timestamp', isoSeconds(Date.now() - 20 * 60_000)], ['Version', '2020-07-06'],
    ]);
    params.set('Signature', rpcSignature(STS.accessKeySecret, rpcStringToSign('GET', params)));
    const res = await fetch(`${cloud.endpoint}/?${new URLSearchParams([...params]).toString()}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ Code: 'InvalidTimeStamp.Expired' });
  });
});

// ---------- what the SDKs receive when things go wrong ----------

describe('QPS limits (as the benchmark sets them), on the simulator\'s clock', () => {
  test('beyond the limit in a one-second window, both SDKs receive Throttling.User; each API has its own window', async () => {
    let clock = 1_000_000;
    const cloud = await start({ account: demoAccount(Date.now()), now: () => clock, qps: { 'ram:ListUsers': 5, 'actiontrail:GetAccessKeyLastUsedProducts': 3 } });
    const ram = ramClient(cloud);
    const listUsers = () => Promise.allSettled(Array.from({ length: 8 }, () => ram.listUsers(new $Ram.ListUsersRequest({ maxItems: 1 }))));
    const first = await listUsers();
    expect(first.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    for (const r of first.filter((x): x is PromiseRejectedResult => x.status === 'rejected')) expect(r.reason).toMatchObject({ name: 'ThrottlingError', code: 'Throttling.User', statusCode: 400 });

    const trail = await Promise.allSettled(Array.from({ length: 5 }, () => lookUp(cloud, DEMO_KEY_IDS.liNaFresh)));
    expect(trail.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(trail.flatMap((r) => (r.status === 'rejected' ? [r.reason as { name: string; code: string }] : [])).map((e) => [e.name, e.code])).toEqual([
      ['Throttling.UserError', 'Throttling.User'],
      ['Throttling.UserError', 'Throttling.User'],
    ]);
    // ListAccessKeys has no limit of its own here.
    expect((await ram.listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: 'li.na' }))).statusCode).toBe(200);
    // The benchmark reads these counters.
    expect(cloud.stats.totals()).toMatchObject({ throttled: 5, injectedErrors: 0 });

    clock += 999;
    expect((await listUsers()).filter((r) => r.status === 'fulfilled')).toHaveLength(0);
    clock += 1;
    expect((await listUsers()).filter((r) => r.status === 'fulfilled')).toHaveLength(5);
  });
});

describe('faults, as the SDKs receive them (adapters/sdk-error.ts reads these shapes)', () => {
  test('error codes, a gateway\'s HTML page, a 5xx without Code, a 500 with a body, a reset connection', async () => {
    const cloud = await start({ account: demoAccount(Date.now()) });
    const ram = ramClient(cloud);
    const key = DEMO_KEY_IDS.wangFang;

    cloud.failNext('ram:ListUsers', 1, { kind: 'error', status: 503, code: 'ServiceUnavailable' });
    expect(await rejection(ram.listUsers(new $Ram.ListUsersRequest({})))).toMatchObject({ name: 'ServerError', code: 'ServiceUnavailable', statusCode: 503 });
    cloud.failNext('GetAccessKeyLastUsedProducts', 1, { kind: 'error', status: 400, code: 'Throttling.User', message: 'slow down' });
    expect(await rejection(lookUp(cloud, key))).toMatchObject({ name: 'Throttling.UserError', code: 'Throttling.User' });

    // A gateway's HTML page: openapi-core throws a SyntaxError; pop-core throws a plain object.
    cloud.failNext('ram:ListUsers', 1, { kind: 'non-json', status: 502 });
    expect(await rejection(ram.listUsers(new $Ram.ListUsersRequest({})))).toBeInstanceOf(SyntaxError);
    cloud.failNext('actiontrail:GetAccessKeyLastUsedProducts', 1, { kind: 'non-json', status: 502 });
    const html = await rejection(lookUp(cloud, key));
    expect(html).not.toBeInstanceOf(Error);
    expect(html).toMatchObject({ name: 'SyntaxError', text: expect.stringContaining('502 Bad Gateway') });

    // JSON without Code: openapi-core throws ServerError with code "undefined"; pop-core resolves, only the status tells.
    cloud.failNext('ram:ListUsers', 1, { kind: 'no-code-5xx', status: 503 });
    expect(await rejection(ram.listUsers(new $Ram.ListUsersRequest({})))).toMatchObject({ name: 'ServerError', statusCode: 503, code: 'undefined' });
    cloud.failNext('actiontrail:GetAccessKeyLastUsedProducts', 1, { kind: 'no-code-5xx', status: 504 });
    expect(await lookUp(cloud, key)).toEqual({ json: { RequestId: expect.any(String), Message: 'gateway' }, status: 504 });
    cloud.failNext('actiontrail:GetAccessKeyLastUsedProducts', 1, { kind: 'body', status: 500, body: { Products: [] } });
    expect(await lookUp(cloud, key)).toEqual({ json: { RequestId: expect.any(String), Products: [] }, status: 500 });

    cloud.failNext('ram:ListUsers', 1, { kind: 'reset' });
    expect(await rejection(ram.listUsers(new $Ram.ListUsersRequest({})))).toMatchObject({ code: 'ECONNRESET' });
    cloud.failNext('actiontrail:GetAccessKeyLastUsedProducts', 1, { kind: 'reset' });
    expect(await rejection(lookUp(cloud, key))).toMatchObject({ code: 'ECONNRESET' });

    // Scripts are used up: the next calls succeed.
    expect((await ram.listUsers(new $Ram.ListUsersRequest({}))).statusCode).toBe(200);
    expect((await lookUp(cloud, key)).status).toBe(200);
  });
});

// ---------- DingTalk ----------

describe('DingTalk robot', () => {
  let clock = 0;
  const now = (): number => clock;
  beforeEach(() => {
    clock = Date.UTC(2026, 10, 25, 8, 0, 0);
  });

  const markdown = (text: string, msgUuid = `uuid-${text}`) => ({ msgtype: 'markdown', markdown: { title: text.slice(0, 20), text }, msgUuid });
  const signedUrl = (cloud: FakeCloud, secret = 'SECfake-signing-secret', at = clock): string =>
    `${cloud.dingtalkWebhookUrl}&timestamp=${at}&sign=${encodeURIComponent(dingtalkSign(secret, at))}`;
  async function post(url: string, body: unknown): Promise<{ errcode: number; errmsg: string }> {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    return (await res.json()) as { errcode: number; errmsg: string };
  }

  test('accepts what the product\'s client signs; refuses a wrong or unencoded sign, a missing or old timestamp, an unknown token', async () => {
    const cloud = await start({ now });
    const robot = new DingTalkRobot({ url: new URL(cloud.dingtalkWebhookUrl), accessToken: 'fake-robot-token', secret: 'SECfake-signing-secret' }, { clock: { now, sleep: async () => {} } });
    await robot.send({ title: 'RAM keys', text: '### 1 stale key', mentions: undefined, msgUuid: 'run-1' });
    expect(cloud.dingtalk.messages).toHaveLength(1);
    expect(cloud.dingtalk.messages[0]).toMatchObject({ msgtype: 'markdown', query: { access_token: 'fake-robot-token', timestamp: String(clock) }, body: { msgUuid: 'run-1' } });

    expect(await post(signedUrl(cloud, 'SECwrong'), markdown('x'))).toEqual({ errcode: 310000, errmsg: 'sign not match' });
    // A sign that is not URL-encoded: its '+' arrives as a space (the clock is chosen so that it has one).
    const raw = dingtalkSign('SECfake-signing-secret', clock);
    expect(raw).toContain('+');
    expect((await post(`${cloud.dingtalkWebhookUrl}&timestamp=${clock}&sign=${raw}`, markdown('x'))).errmsg).toBe('sign not match');
    expect((await post(cloud.dingtalkWebhookUrl, markdown('x'))).errmsg).toBe('invalid timestamp');
    expect(await post(signedUrl(cloud, undefined, clock - 2 * 3_600_000), markdown('x'))).toEqual({ errcode: 310000, errmsg: 'invalid timestamp' });
    expect((await post(`${cloud.endpoint}/robot/send?access_token=nope`, markdown('x'))).errcode).toBe(300005);
    expect(cloud.dingtalk.messages).toHaveLength(1);
    expect(cloud.dingtalk.attempts.map((a) => a.errcode)).toEqual([0, 310000, 310000, 310000, 310000, 300005]);
  });

  test('keywords, the 20,000-byte limit, msgUuid shown once, scripted errcodes', async () => {
    const cloud = await start({ now, dingtalk: { accessToken: 'tok', secret: 'SECabc', keywords: ['AccessKey'] } });
    const url = (): string => signedUrl(cloud, 'SECabc');
    expect(await post(url(), markdown('hello'))).toEqual({ errcode: 310000, errmsg: 'keywords not in content' });
    expect((await post(url(), markdown(`AccessKey ${'x'.repeat(20_000)}`))).errcode).toBe(460101);

    const once = markdown('AccessKey LTAI… is stale', 'run-2026-11-25');
    expect((await post(url(), once)).errcode).toBe(0);
    expect((await post(url(), once)).errcode).toBe(0);
    expect(cloud.dingtalk.messages).toHaveLength(1);

    cloud.dingtalk.failNext(2, -1, 'system busy');
    expect(await post(url(), markdown('AccessKey a'))).toEqual({ errcode: -1, errmsg: 'system busy' });
    expect((await post(url(), markdown('AccessKey a'))).errcode).toBe(-1);
    expect((await post(url(), markdown('AccessKey a'))).errcode).toBe(0);
    expect(cloud.dingtalk.messages).toHaveLength(2);
  });

  test('more than 20 messages a minute blocks the robot for 10 minutes', async () => {
    const cloud = await start({ now });
    for (let i = 0; i < 20; i += 1) {
      expect((await post(signedUrl(cloud), markdown(`m${i}`))).errcode).toBe(0);
      clock += 1000;
    }
    expect(await post(signedUrl(cloud), markdown('21st'))).toEqual({ errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' });
    const blockedAt = clock;
    clock += 5 * 60_000; // the minute has passed, but the block lasts 10 minutes
    expect((await post(signedUrl(cloud), markdown('still blocked'))).errcode).toBe(130101);
    expect(cloud.dingtalk.blockedUntil).toBe(blockedAt + 10 * 60_000);
    clock = blockedAt + 10 * 60_000 + 1;
    expect((await post(signedUrl(cloud), markdown('back'))).errcode).toBe(0);
    expect(cloud.dingtalk.messages).toHaveLength(21);
  });
});
