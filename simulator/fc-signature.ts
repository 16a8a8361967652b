/**
 * Function Compute's own request signature, computed the way FC checks it (FC's "Signature
 * authentication" page; @alicloud/fc2's lib/helper.js composeStringToSign signs the same):
 *
 *   Authorization: FC <AccessKeyID>:<base64(HMAC-SHA256(secret, stringToSign))>
 *   stringToSign = METHOD \n Content-MD5 \n Content-Type \n Date \n CanonicalizedFCHeaders CanonicalizedResource
 *
 * Content-MD5 and Content-Type are empty when absent. CanonicalizedFCHeaders: every x-fc-* header
 * (so x-fc-security-token, x-fc-invocation-type, x-fc-log-type, x-fc-account-id), names lowercased
 * and sorted, `name:value\n` each. CanonicalizedResource: the URL path, decoded, without the query
 * (queries are signed only for HTTP triggers with authentication, which the fake does not serve).
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const FC_SIGNATURE_SCHEME = 'FC';

export interface FcAuthorization {
  readonly accessKeyId: string;
  readonly signature: string;
}

/** `FC <AccessKeyID>:<signature>`; null when it is not that. */
export function parseFcAuthorization(header: string): FcAuthorization | null {
  const m = /^FC ([^\s:]+):(\S+)$/.exec(header.trim());
  return m ? { accessKeyId: m[1] as string, signature: m[2] as string } : null;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(', ') : value;
}

export function fcCanonicalHeaders(headers: IncomingHttpHeaders): string {
  return Object.keys(headers)
    .map((name) => name.toLowerCase())
    .filter((name) => name.startsWith('x-fc-'))
    .sort()
    .map((name) => `${name}:${headerValue(headers, name)}\n`)
    .join('');
}

/** The decoded path (`%24` -> `$`); a malformed escape is kept as it is. */
export function fcCanonicalResource(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath;
  }
}

export function fcStringToSign(method: string, rawPath: string, headers: IncomingHttpHeaders): string {
  return [
    method.toUpperCase(),
    headerValue(headers, 'content-md5'),
    headerValue(headers, 'content-type'),
    headerValue(headers, 'date'),
    `${fcCanonicalHeaders(headers)}${fcCanonicalResource(rawPath)}`,
  ].join('\n');
}

export function fcSignature(secret: string, stringToSign: string): string {
  return createHmac('sha256', secret).update(stringToSign, 'utf8').digest('base64');
}

/**
 * Does Content-MD5 match the body? The signature covers Content-MD5, not the body, so this is what
 * ties the body to the signature. The standard value is base64 of the MD5 digest; fc2 sends base64
 * of the digest's hex text (kitx.md5(buf, 'hex')) and FC serves it: the fake takes either.
 */
export function contentMd5Matches(value: string, body: Buffer): boolean {
  const digest = createHash('md5').update(body).digest();
  return value === digest.toString('base64') || value === Buffer.from(digest.toString('hex'), 'utf8').toString('base64');
}
