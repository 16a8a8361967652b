/**
 * The OSS document store (adapters/oss-store.ts): the real ali-oss client over HTTP against the
 * simulator's OSS, which checks OSS's V1 signature, the STS token, the Date skew and Content-MD5
 * and answers OSS's XML errors. What was sent is asserted from the simulator's side
 * (cloud.ossRequests, cloud.objects).
 */
import { createHash } from 'node:crypto';
import { request as httpRequest, createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudCredentials } from '../functions/stale-key-detector/src/adapters/credentials';
import { OSS_ACTIONS, ossEndpointFor, OssDocumentStore, type OssStoreOptions } from '../functions/stale-key-detector/src/adapters/oss-store';
import { cloudFix, dispositionOf } from '../functions/stale-key-detector/src/errors/error-codes';
import { clearSecretsForTests, registerSecret } from '../functions/stale-key-detector/src/redact';
import { DEFAULT_CREDENTIALS, startFakeCloud, type FakeCloud, type FakeCredential } from '../simulator';
import { ossCanonicalResource, ossSignature, ossStringToSign } from '../simulator/oss-signature';
import { cloudApiRejection } from './helpers/clouds';

const BUCKET = 'stale-key-state';
const HOST = `${BUCKET}.oss-cn-hangzhou-internal.aliyuncs.com`;
const STS: CloudCredentials = { ...DEFAULT_CREDENTIALS };
const LONG_TERM: FakeCredential = { accessKeyId: 'LTAI5tFakeLongTerm', accessKeySecret: 'fake-long-term-secret' };
const READ_ONLY: FakeCredential = { accessKeyId: 'LTAI5tFakeReadOnly', accessKeySecret: 'fake-read-only-secret', allowedActions: ['oss:GetObject'] };

let cloud: FakeCloud;

const md5 = (body: string): string => createHash('md5').update(body).digest('base64');

beforeAll(() => {
  // As the handler does with the function's credentials (adapters/credentials.ts).
  for (const secret of [STS.accessKeySecret, STS.securityToken, LONG_TERM.accessKeySecret, READ_ONLY.accessKeySecret]) registerSecret(secret);
});
afterAll(() => clearSecretsForTests());
beforeEach(async () => {
  cloud = await startFakeCloud({ credentials: [DEFAULT_CREDENTIALS, LONG_TERM, READ_ONLY] });
});
afterEach(async () => {
  await cloud.close();
});

function store(options: Partial<OssStoreOptions> = {}): OssDocumentStore {
  return new OssDocumentStore({ bucket: BUCKET, prefix: 'state', region: 'cn-hangzhou', endpoint: new URL(cloud.endpoint), credentials: STS, timeoutMs: 5_000, ...options });
}

const rejection = cloudApiRejection;

describe('OssDocumentStore on ali-oss', () => {
  it('reads a missing document as undefined', async () => {
    await expect(store().read('1234/cn-hangzhou/g000001.json.gz')).resolves.toBeUndefined();
    expect(cloud.ossRequests.map((r) => [r.method, r.key, r.status, r.errorCode])).toEqual([['GET', 'state/1234/cn-hangzhou/g000001.json.gz', 404, 'NoSuchKey']]);
  });

  it('creates, then reads the same bytes back; the object is the prefix plus the name', async () => {
    const body = Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 7) % 256));
    await expect(store().create('1234/cn-hangzhou/g000001.json.gz', body)).resolves.toBe(true);
    await expect(store().read('1234/cn-hangzhou/g000001.json.gz')).resolves.toEqual(body);
    expect(cloud.objects.keys(BUCKET)).toEqual(['state/1234/cn-hangzhou/g000001.json.gz']);
    expect(cloud.objects.get(BUCKET, 'state/1234/cn-hangzhou/g000001.json.gz')).toEqual(body);
  });

  it('reads what is in the bucket, an empty object included', async () => {
    cloud.objects.put(BUCKET, 'state/planted.json', '{"v":1}');
    cloud.objects.put(BUCKET, 'state/empty', Buffer.alloc(0));
    await expect(store().read('planted.json')).resolves.toEqual(Buffer.from('{"v":1}'));
    await expect(store().read('empty')).resolves.toEqual(Buffer.alloc(0));
  });

  it('creates only once: a second create answers false and the first body stays', async () => {
    await expect(store().create('head.json', Buffer.from('first'))).resolves.toBe(true);
    await expect(store().create('head.json', Buffer.from('second'))).resolves.toBe(false);
    await expect(store().read('head.json')).resolves.toEqual(Buffer.from('first'));
    expect(cloud.ossRequests.filter((r) => r.method === 'PUT').map((r) => [r.status, r.errorCode])).toEqual([
      [200, undefined],
      [409, 'FileAlreadyExists'],
    ]);
  });

  it('of two concurrent creates of one name, exactly one wins', async () => {
    const results = await Promise.all([store().create('race.json', Buffer.from('a')), store().create('race.json', Buffer.from('b'))]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(cloud.objects.get(BUCKET, 'state/race.json')).toEqual(Buffer.from(results[0] ? 'a' : 'b'));
  });

  it('replaces: overwrites an existing document and writes a missing one', async () => {
    await store().create('head.json', Buffer.from('first'));
    await store().replace('head.json', Buffer.from('second'));
    await store().replace('other.json', Buffer.from('new'));
    await expect(store().read('head.json')).resolves.toEqual(Buffer.from('second'));
    await expect(store().read('other.json')).resolves.toEqual(Buffer.from('new'));
  });

  it('sends what OSS wants: virtual-hosted (the bucket in the Host header, the prefix in the path), signed V1, the STS token, Content-MD5, forbid-overwrite only on create', async () => {
    await store().create('a b+c/d.json', Buffer.from('x'));
    await store().replace('a b+c/d.json', Buffer.from('y'));
    await store().read('a b+c/d.json');
    expect(cloud.ossRequests.map((r) => [r.method, r.host, r.path, r.style, r.key])).toEqual([
      ['PUT', HOST, '/state/a%20b%2Bc/d.json', 'virtual', 'state/a b+c/d.json'],
      ['PUT', HOST, '/state/a%20b%2Bc/d.json', 'virtual', 'state/a b+c/d.json'],
      ['GET', HOST, '/state/a%20b%2Bc/d.json', 'virtual', 'state/a b+c/d.json'],
    ]);
    for (const r of cloud.ossRequests) {
      expect(r.headers.authorization).toMatch(/^OSS STS\.fakeRoleKey:[A-Za-z0-9+/]+=*$/);
      expect(r.headers['x-oss-security-token']).toBe(STS.securityToken);
      expect(r.headers['x-oss-date']).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    }
    const [create, replace] = cloud.ossRequests;
    expect(create?.headers['content-md5']).toBe(md5('x'));
    expect(create?.headers['x-oss-forbid-overwrite']).toBe('true');
    expect(replace?.headers['x-oss-forbid-overwrite']).toBeUndefined();
  });

  it('normalises the prefix: none, or slashes around it', async () => {
    expect(store({ prefix: '' }).location).toBe(`oss://${BUCKET}/`);
    expect(store({ prefix: '/a/b/' }).location).toBe(`oss://${BUCKET}/a/b/`);
    await store({ prefix: '' }).replace('x.json', Buffer.from('1'));
    await store({ prefix: '/a/b/' }).replace('x.json', Buffer.from('2'));
    expect(cloud.objects.keys(BUCKET)).toEqual(['a/b/x.json', 'x.json']);
  });

  it('uses a long-term key without a token', async () => {
    const longTerm = store({ credentials: { ...LONG_TERM, securityToken: undefined } });
    await longTerm.replace('k.json', Buffer.from('1'));
    await expect(longTerm.read('k.json')).resolves.toEqual(Buffer.from('1'));
    expect(cloud.ossRequests.every((r) => r.headers['x-oss-security-token'] === undefined)).toBe(true);
  });

  it('refuses an STS key without its token or with another token, fatally', async () => {
    const without = await rejection(store({ credentials: { ...STS, securityToken: undefined } }).read('x.json'));
    expect([without.code, without.statusCode]).toEqual(['InvalidAccessKeyId', 403]);
    const other = await rejection(store({ credentials: { ...STS, securityToken: 'another-sts-token' } }).read('x.json'));
    expect([other.code, other.statusCode]).toEqual(['InvalidSecurityToken', 403]);
    expect([dispositionOf(without), dispositionOf(other)]).toEqual(['fatal', 'fatal']);
  });

  it('reports a wrong secret as SignatureDoesNotMatch, with neither the secret nor the token in the message or stack', async () => {
    const error = await rejection(store({ credentials: { ...STS, accessKeySecret: 'wrong-role-secret' } }).create('x.json', Buffer.from('1')));
    registerSecret('wrong-role-secret');
    expect(error).toMatchObject({ service: 'OSS', action: 'PutObject', code: 'SignatureDoesNotMatch', statusCode: 403 });
    expect(error.requestId).toMatch(/^[0-9A-F]{24}$/);
    expect(dispositionOf(error)).toBe('fatal');
    for (const text of [error.message, String(error.stack), JSON.stringify(error)]) {
      for (const secret of [STS.accessKeySecret, STS.securityToken as string, 'wrong-role-secret']) expect(text).not.toContain(secret);
    }
    expect(cloud.objects.keys(BUCKET)).toEqual([]);
  });

  it('redacts an OSS message that echoes the string to sign with the token and the secret in it', async () => {
    const echo = `The request signature we calculated does not match. StringToSign: GET\n\n\nx-oss-security-token:${STS.securityToken as string}\n/${BUCKET}/state/x.json secret=${STS.accessKeySecret}`;
    cloud.failNext('oss:GetObject', 1, { kind: 'error', status: 403, code: 'SignatureDoesNotMatch', message: echo });
    const error = await rejection(store().read('x.json'));
    expect(error.code).toBe('SignatureDoesNotMatch');
    for (const text of [error.message, String(error.stack)]) {
      expect(text).not.toContain(STS.securityToken);
      expect(text).not.toContain(STS.accessKeySecret);
    }
  });

  it('reports an unknown bucket as NoSuchBucket, fatal, and says to create it or fix STATE_URL', async () => {
    const error = await rejection(store({ bucket: 'no-such-state-bucket' }).read('x.json'));
    expect([error.code, error.statusCode]).toEqual(['NoSuchBucket', 404]);
    expect(dispositionOf(error)).toBe('fatal');
    expect(cloudFix(error, 'function')).toContain('STATE_URL');
  });

  it('reports a missing grant as AccessDenied, with the policy resource of the bucket and prefix', async () => {
    const readOnly = store({ credentials: { ...READ_ONLY, securityToken: undefined } });
    await expect(readOnly.read('x.json')).resolves.toBeUndefined();
    const error = await rejection(readOnly.create('x.json', Buffer.from('1')));
    expect([error.code, error.statusCode, dispositionOf(error)]).toEqual(['AccessDenied', 403, 'fatal']);
    expect(cloudFix(error, 'function')).toBe(
      "grant the function's role oss:GetObject and oss:PutObject on acs:oss:*:*:stale-key-state/state/*, the bucket and prefix of STATE_URL (policies/stale-key-detector-state.json)",
    );
    expect(OSS_ACTIONS).toEqual(['oss:GetObject', 'oss:PutObject']);
  });

  it('turns injected faults into transient errors: a 503, a reset connection, a gateway page', async () => {
    cloud.failNext('oss:PutObject', 1, { kind: 'error', status: 503, code: 'ServiceUnavailable' });
    cloud.failNext('oss:GetObject', 1, { kind: 'reset' });
    cloud.failNext('oss:GetObject', 1, { kind: 'non-json', status: 502 });
    const unavailable = await rejection(store().replace('x.json', Buffer.from('1')));
    const reset = await rejection(store().read('x.json'));
    const gateway = await rejection(store().read('x.json'));
    expect([unavailable.code, unavailable.statusCode]).toEqual(['ServiceUnavailable', 503]);
    expect([reset.code, reset.statusCode]).toEqual(['NetworkError', undefined]);
    expect([gateway.code, gateway.statusCode]).toEqual(['BadResponse', 502]);
    expect([unavailable, reset, gateway].map(dispositionOf)).toEqual(['transient', 'transient', 'transient']);
    expect(cloud.stats.get('oss:GetObject')).toMatchObject({ requests: 2, injectedErrors: 2 });
  });

  it('reports a refused connection as NetworkError and a silent server as Timeout', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await rejection(store({ endpoint: new URL(`http://127.0.0.1:${port}`) }).read('x.json'));
    expect(refused.code).toBe('NetworkError');

    const silent = await startFakeCloud({ latencyMs: [10_000, 10_000] });
    try {
      const timedOut = await rejection(store({ endpoint: new URL(silent.endpoint), timeoutMs: 200 }).read('x.json'));
      expect([timedOut.code, dispositionOf(timedOut)]).toEqual(['Timeout', 'transient']);
    } finally {
      await silent.close();
    }
  });

  it('defaults to the region\'s internal endpoint over HTTPS, and refuses a bucket or region that cannot be', () => {
    expect(ossEndpointFor('cn-shanghai').href).toBe('https://oss-cn-shanghai-internal.aliyuncs.com/');
    expect(() => store({ bucket: 'Not_A_Bucket' })).toThrow(/bucket/);
    expect(() => store({ region: 'oss-cn-hangzhou.aliyuncs.com' })).toThrow(/region/);
  });

  it('refuses a name that is not a relative path, before any request', async () => {
    for (const name of ['', '/abs.json', 'a//b', '../up.json', 'a/./b']) await expect(store().read(name)).rejects.toThrow(/invalid document name/);
    expect(cloud.ossRequests).toEqual([]);
  });
});

/** A request signed as OSS checks it (simulator/oss-signature.ts), for what ali-oss never sends. */
function signedRequest(options: { method: string; path: string; host?: string; dateMs?: number; body?: Buffer; headers?: Record<string, string> }): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const body = options.body ?? Buffer.alloc(0);
  const headers: Record<string, string> = {
    host: options.host ?? HOST,
    date: new Date(options.dateMs ?? Date.now()).toUTCString(),
    'x-oss-security-token': STS.securityToken as string,
    ...options.headers,
  };
  const key = decodeURIComponent(options.path.slice(1));
  const stringToSign = ossStringToSign(options.method, headers, ossCanonicalResource(BUCKET, key, new Map()));
  headers.authorization = `OSS ${STS.accessKeyId}:${ossSignature(STS.accessKeySecret, stringToSign)}`;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: cloud.port, method: options.method, path: options.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the simulator\'s OSS checks', () => {
  it('accepts its own signature with a Date header, and answers a HEAD with no body', async () => {
    cloud.objects.put(BUCKET, 'k.json', 'body');
    await expect(signedRequest({ method: 'GET', path: '/k.json' })).resolves.toMatchObject({ status: 200, body: 'body' });
    const head = await signedRequest({ method: 'HEAD', path: '/k.json' });
    expect([head.status, head.headers['content-length'], head.headers.etag, head.body]).toEqual([200, '4', `"${createHash('md5').update('body').digest('hex').toUpperCase()}"`, '']);
  });

  it('refuses a Date more than 15 minutes off', async () => {
    const answer = await signedRequest({ method: 'GET', path: '/k.json', dateMs: Date.now() - 20 * 60_000 });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('<Code>RequestTimeTooSkewed</Code>');
  });

  it('refuses a body that does not match its Content-MD5', async () => {
    const answer = await signedRequest({ method: 'PUT', path: '/k.json', body: Buffer.from('tampered'), headers: { 'content-md5': md5('original') } });
    expect([answer.status, answer.body.includes('<Code>InvalidDigest</Code>')]).toEqual([400, true]);
    expect(cloud.objects.keys(BUCKET)).toEqual([]);
  });

  it('refuses path style (the bucket in the path), as OSS does', async () => {
    const answer = await signedRequest({ method: 'GET', path: `/${BUCKET}/k.json`, host: `127.0.0.1:${cloud.port}` });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('<Code>SecondLevelDomainForbidden</Code>');
  });

  it('answers errors in OSS\'s XML, with the request id in x-oss-request-id', async () => {
    const answer = await signedRequest({ method: 'GET', path: '/missing.json' });
    expect([answer.status, answer.headers['content-type']]).toEqual([404, 'application/xml']);
    expect(answer.body).toContain(`<RequestId>${String(answer.headers['x-oss-request-id'])}</RequestId>`);
    expect(answer.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error>\n {2}<Code>NoSuchKey<\/Code>\n {2}<Message>The specified key does not exist.<\/Message>\n {2}<RequestId>[0-9A-F]{24}<\/RequestId>\n {2}<HostId>stale-key-state.oss-cn-hangzhou-internal.aliyuncs.com<\/HostId>\n {2}<Key>missing.json<\/Key>\n<\/Error>\n$/);
  });
});
