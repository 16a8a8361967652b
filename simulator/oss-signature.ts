/**
 * OSS's header signature, V1, computed the way OSS checks it (OSS's "Include signatures in the
 * Authorization header"; ali-oss 6.x lib/common/signUtils.js buildCanonicalString signs the same):
 *
 *   Authorization: OSS <AccessKeyId>:<base64(HMAC-SHA1(secret, stringToSign))>
 *   stringToSign = VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedOSSHeaders CanonicalizedResource
 *
 * Content-MD5 and Content-Type are empty when absent. Date: the Date header; ali-oss sends no Date
 * but x-oss-date (a browser cannot set Date) and signs its value in this slot, which OSS accepts,
 * so without a Date header x-oss-date fills it. CanonicalizedOSSHeaders: every x-oss-* header
 * (x-oss-date, x-oss-security-token, x-oss-forbid-overwrite, ...), names lowercased, values trimmed,
 * sorted, `name:value\n` each. CanonicalizedResource: `/<bucket>/<object>` with the object name
 * decoded, then the signed sub-resources of the query (sorted, `?k[=v]&...`); other query
 * parameters are not signed. V4 (OSS4-HMAC-SHA256) is not served.
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const OSS_V1_SCHEME = 'OSS';
export const OSS_V4_SCHEME = 'OSS4-HMAC-SHA256';

/** The query parameters OSS signs (V1), the ones a GetObject / PutObject / HeadObject may carry among them. */
const SIGNED_SUBRESOURCES = new Set([
  'acl', 'append', 'callback', 'callback-var', 'comp', 'cors', 'delete', 'lifecycle', 'location', 'logging',
  'objectMeta', 'partNumber', 'position', 'referer', 'response-cache-control', 'response-content-disposition',
  'response-content-encoding', 'response-content-language', 'response-content-type', 'response-expires',
  'restore', 'security-token', 'symlink', 'tagging', 'uploadId', 'uploads', 'versionId', 'versioning',
  'versions', 'website', 'x-oss-process',
]);

export interface OssAuthorization {
  readonly accessKeyId: string;
  readonly signature: string;
}

/** `OSS <AccessKeyId>:<signature>`; null when it is not that. */
export function parseOssAuthorization(header: string): OssAuthorization | null {
  const m = /^OSS ([^\s:]+):(\S+)$/.exec(header.trim());
  return m ? { accessKeyId: m[1] as string, signature: m[2] as string } : null;
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** The request's time as signed: Date, or x-oss-date when there is no Date header. */
export function ossRequestDate(headers: IncomingHttpHeaders): string | undefined {
  return headerValue(headers, 'date') ?? headerValue(headers, 'x-oss-date');
}

export function ossCanonicalHeaders(headers: IncomingHttpHeaders): string {
  return Object.keys(headers)
    .map((name) => name.toLowerCase())
    .filter((name) => name.startsWith('x-oss-'))
    .sort()
    .map((name) => `${name}:${(headerValue(headers, name) ?? '').trim()}\n`)
    .join('');
}

export function ossCanonicalResource(bucket: string, key: string, query: ReadonlyMap<string, string>): string {
  const signed = [...query.keys()].filter((k) => SIGNED_SUBRESOURCES.has(k)).sort();
  const sub = signed.map((k) => (query.get(k) ? `${k}=${query.get(k) ?? ''}` : k)).join('&');
  return `/${bucket}/${key}${sub === '' ? '' : `?${sub}`}`;
}

export function ossStringToSign(method: string, headers: IncomingHttpHeaders, resource: string): string {
  return [
    method.toUpperCase(),
    headerValue(headers, 'content-md5') ?? '',
    headerValue(headers, 'content-type') ?? '',
    ossRequestDate(headers) ?? '',
    `${ossCanonicalHeaders(headers)}${resource}`,
  ].join('\n');
}

export function ossSignature(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}

/** Content-MD5 is base64 of the body's MD5 digest (RFC 1864). */
export function ossContentMd5Matches(value: string, body: Buffer): boolean {
  return value === createHash('md5').update(body).digest('base64');
}
