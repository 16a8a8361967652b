import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DingTalkRobot } from '../../functions/stale-key-detector/src/adapters/dingtalk';
import { main } from '../../cli/main';
import { EXIT } from '../../cli/io';
import { DingTalkError } from '../../functions/stale-key-detector/src/errors/dingtalk-error';
import { createLogger } from '../../functions/stale-key-detector/src/logger';
import { clearSecretsForTests, cutStringToSign, describeError, redact, redactDeep, redactError, registerSecret } from '../../functions/stale-key-detector/src/redact';
import { handleInvocation } from '../../functions/stale-key-detector/src/handler';
import { ConfigError } from '../../functions/stale-key-detector/src/errors/config-error';

describe('redact', () => {
  it('masks registered secrets, raw and URL-encoded', () => {
    registerSecret('SECsigning+secret/value');
    expect(redact('secret SECsigning+secret/value and SECsigning%2Bsecret%2Fvalue')).toBe('secret (redacted) and (redacted)');
  });

  it('ends, and masks once, when a secret is part of the mask itself', () => {
    clearSecretsForTests();
    registerSecret('redacted');
    // Before: each pass put the secret back inside "(redacted)", and redact never returned.
    expect(redact('token redacted here')).toBe('token (redacted) here');
    clearSecretsForTests();
  });

  it('masks secrets it never saw by their shape', () => {
    const text = 'POST https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=1&sign=xyz%3D SecurityToken=tok&Signature=sig Authorization: ACS3-HMAC-SHA256 Credential=AK,Signature=0123456789abcdef0123 {"accessKeySecret":"s3cr3t"}';
    const out = redact(text);
    for (const secret of ['abc123', 'xyz%3D', 'tok&', 'sig ', '0123456789abcdef0123', 's3cr3t']) expect(out).not.toContain(secret);
    expect(out).toContain('timestamp=1');
  });

  it('describes plain objects thrown by pop-core without leaking', () => {
    registerSecret('plain-object-secret');
    expect(describeError({ message: 'bad', data: 'plain-object-secret' })).not.toContain('plain-object-secret');
  });

  it('redacts every log line', () => {
    registerSecret('logged-secret-value');
    const lines: string[] = [];
    const logger = createLogger({ sink: (l) => lines.push(l) });
    logger.info('x logged-secret-value', { detail: 'url?access_token=zzz' });
    logger.debug('not shown at info');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('logged-secret-value');
    expect(lines[0]).not.toContain('zzz');
  });
});

/** RFC 3986 percent-encoding as pop-core's `encode` does it. */
const rfc3986 = (v: string): string => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

describe('redact: every form of a registered secret', () => {
  beforeEach(() => clearSecretsForTests());

  const secret = 'SEC!re"t\\ (x)*+/=&?#:@é中';
  const forms: Record<string, string> = {
    raw: secret,
    'encodeURIComponent once': encodeURIComponent(secret),
    'encodeURIComponent twice': encodeURIComponent(encodeURIComponent(secret)),
    'RFC 3986 once': rfc3986(secret),
    'RFC 3986 twice': rfc3986(rfc3986(secret)),
    'JSON-escaped': JSON.stringify(secret).slice(1, -1),
    'form, + for space': encodeURIComponent(secret).replace(/%20/g, '+'),
    'URLSearchParams': new URLSearchParams({ v: secret }).toString().slice(2),
  };

  it.each(Object.entries(forms))('masks it %s', (_name, form) => {
    registerSecret(secret);
    expect(form.length).toBeGreaterThanOrEqual(secret.length);
    expect(redact(`<<${form}>>`)).toBe('<<(redacted)>>');
  });

  it('masks it inside JSON text', () => {
    registerSecret(secret);
    expect(redact(JSON.stringify({ note: `a ${secret} b` }))).toBe(JSON.stringify({ note: 'a (redacted) b' }));
  });

  it('masks the longer of two overlapping secrets first, leaving no fragment', () => {
    registerSecret('inner-secret');
    registerSecret('outer-inner-secret-tail');
    expect(redact('[outer-inner-secret-tail] [inner-secret]')).toBe('[(redacted)] [(redacted)]');
    expect(redact(`[${rfc3986(rfc3986('outer-inner-secret-tail'))}]`)).toBe('[(redacted)]');
  });

  it('still refuses short values, and survives a value no encoder accepts', () => {
    registerSecret('short');
    expect(redact('short')).toBe('short');
    const lone = 'lone\uD800surrogate';
    expect(() => registerSecret(lone)).not.toThrow();
    expect(redact(`x ${lone} x`)).toBe('x (redacted) x');
  });
});

describe('redact: URL user info', () => {
  it.each([
    ['raw', 'see https://alice:pa%40ss@example.com/path', 'see https://(redacted)@example.com/path'],
    ['encoded once', 'u=https%3A%2F%2Falice%3Apa%2540ss%40example.com%2Fp', 'u=https%3A%2F%2F(redacted)%40example.com%2Fp'],
    ['encoded twice', 'u=https%253A%252F%252Falice%253Apass%2540example.com', 'u=https%253A%252F%252F(redacted)%2540example.com'],
    ['user only', 'git clone ssh://deploy@git.example.com/repo', 'git clone ssh://(redacted)@git.example.com/repo'],
  ])('masks it %s', (_name, text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it('leaves a URL without user info alone', () => {
    const text = 'https://ram.aliyuncs.com/?Action=ListUsers&Marker=a@b and mailto-like x@y';
    expect(redact(text)).toBe(text);
  });
});

describe('cutStringToSign', () => {
  it.each(['string to sign is:POST&%2F&X', 'StringToSign: GET\n/x', 'String-To-Sign was GET', 'string_to_sign=GET', 'CanonicalRequest: POST\n/', 'canonical request: POST'])('cuts %j', (tail) => {
    expect(cutStringToSign(`SignatureDoesNotMatch: bad. server ${tail}`)).toBe('SignatureDoesNotMatch: bad. server string to sign: (removed)');
  });

  it('is idempotent: a second pass keeps what followed the first cut', () => {
    const line = JSON.stringify({ message: redact('Specified signature does not match. server string to sign is:POST&%2F'), requestId: 'R-1' });
    expect(redact(line)).toBe(line);
    expect(JSON.parse(redact(line))).toEqual({ message: 'Specified signature does not match. server string to sign: (removed)', requestId: 'R-1' });
  });

  it('leaves text without a string to sign alone', () => {
    expect(cutStringToSign('Throttling.User: Request was denied due to user flow control.')).toBe('Throttling.User: Request was denied due to user flow control.');
  });
});

describe('redactDeep', () => {
  it('copies a JSON-like value with every string, keys included, redacted', () => {
    registerSecret('deep-secret-value');
    const input = { a: ['x deep-secret-value', 1, true, null, { b: 'deep%2Dsecret-value is fine', c: encodeURIComponent('deep-secret-value/') }], 'deep-secret-value': 'k' };
    const out = redactDeep(input);
    expect(out).toEqual({ a: ['x (redacted)', 1, true, null, { b: 'deep%2Dsecret-value is fine', c: '(redacted)%2F' }], '(redacted)': 'k' });
    expect(input.a[0]).toBe('x deep-secret-value');
  });
});

describe('the last points before text leaves the process', () => {
  it('the handler\'s thrown error (FC\'s errorMessage and logged stack) is masked, its class kept', async () => {
    const secret = 'fc-context-secret/+value';
    const event = Buffer.from(JSON.stringify({ report: secret }));
    const context = { requestId: 'r-1', credentials: { accessKeyId: 'LTAI5tContextKey0001', accessKeySecret: secret } };
    const thrown = await handleInvocation(event, context, { env: {}, clock: { now: () => Date.now(), sleep: async () => {} }, logger: createLogger({ level: 'error', sink: () => {} }) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as ConfigError;
    expect(error.message).toBe('event.report: must be one of "full", "changes", got "(redacted)"');
    expect(`${error.message} ${error.stack ?? ''}`).not.toContain('fc-context-secret');
  });

  it('a thrown value that is not an Error becomes one, described and masked', () => {
    registerSecret('plain-object-secret-1');
    const error = redactError({ code: 'Forbidden', message: 'token plain-object-secret-1 refused' });
    expect(error).toBeInstanceOf(Error);
    expect(error.message).not.toContain('plain-object-secret-1');
    expect(error.message).toContain('Forbidden');
  });

  it('a CLI error quoting a secret from the environment is masked', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['cli-env-secret/+value'], {
      env: { ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'cli-env-secret/+value' },
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
      isTTY: false,
      cwd: process.cwd(),
    });
    expect(code).toBe(EXIT.error);
    expect(err.join('')).toContain('(redacted): unknown command');
    expect(err.join('') + out.join('')).not.toContain('cli-env-secret');
  });

  it('DingTalkRobot.send masks the outgoing markdown and the error', async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        bodies.push(body);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ errcode: 310000, errmsg: `sign not match, url ${req.url ?? ''}` }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const accessToken = 'robot-access-token-0123456789';
      const signingSecret = 'SECrobot+signing/secret=';
      const robot = new DingTalkRobot({ url: new URL(`http://127.0.0.1:${port}/robot/send?access_token=${accessToken}`), accessToken, secret: signingSecret });
      const error = await robot
        .send({ title: `t ${signingSecret}`, text: `body ${encodeURIComponent(accessToken)} https://u:p@h/`, mentions: undefined, msgUuid: 'u-1' })
        .then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(DingTalkError);
      const message = (error as DingTalkError).message;
      expect(message).toContain('errcode 310000');
      for (const leak of [accessToken, signingSecret, encodeURIComponent(signingSecret)]) {
        expect(message).not.toContain(leak);
        expect(bodies.join('')).not.toContain(leak);
      }
      expect(message).toMatch(/sign=\(redacted\)/);
      expect(JSON.parse(bodies[0] ?? '{}')).toMatchObject({ markdown: { title: 't (redacted)', text: 'body (redacted) https://(redacted)@h/' } });
    } finally {
      server.close();
    }
  });
});
