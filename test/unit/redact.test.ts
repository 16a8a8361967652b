import { createLogger } from '../../functions/stale-key-detector/src/logger';
import { describeError, redact, registerSecret } from '../../functions/stale-key-detector/src/redact';

describe('redact', () => {
  it('masks registered secrets, raw and URL-encoded', () => {
    registerSecret('SECsigning+secret/value');
    expect(redact('secret SECsigning+secret/value and SECsigning%2Bsecret%2Fvalue')).toBe('secret *** and ***');
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
