/**
 * ACS3-HMAC-SHA256 (the V3 signature of @alicloud/openapi-core), computed the way the gateway does.
 * Mirrors openapi-core's utils.getAuthorization: canonical URI with `+`->%20, `*`->%2A, %7E->`~`;
 * canonical query = sorted `key=encode(value)`; signed headers lowercased, `name:trimmed value\n`.
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { canonicalQueryString } from './percent-encoding';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

export interface Acs3Authorization {
  readonly algorithm: string;
  readonly accessKeyId: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Parses `ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex`; null when a piece is missing. */
export function parseAcs3Authorization(header: string): Acs3Authorization | null {
  const space = header.indexOf(' ');
  if (space <= 0) return null;
  const algorithm = header.slice(0, space);
  const fields = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || !signedHeaders || !signature) return null;
  return { algorithm, accessKeyId, signedHeaders: signedHeaders.split(';'), signature };
}

export function acs3CanonicalUri(rawPath: string): string {
  return rawPath.replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/g, '~');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  if (value === undefined) return '';
  return (Array.isArray(value) ? value.join(',') : value).trim();
}

export interface Acs3CanonicalInput {
  readonly method: string;
  readonly rawPath: string;
  readonly query: ReadonlyMap<string, string>;
  readonly headers: IncomingHttpHeaders;
  readonly signedHeaders: readonly string[];
  readonly payloadHash: string;
}

export function acs3CanonicalRequest(input: Acs3CanonicalInput): string {
  const names = input.signedHeaders.map((h) => h.toLowerCase());
  const canonicalHeaders = names.map((name) => `${name}:${headerValue(input.headers, name)}\n`).join('');
  return [
    input.method.toUpperCase(),
    acs3CanonicalUri(input.rawPath),
    canonicalQueryString(input.query),
    canonicalHeaders,
    names.join(';'),
    input.payloadHash,
  ].join('\n');
}

export function acs3StringToSign(canonicalRequest: string): string {
  return `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
}

export function acs3Signature(secret: string, stringToSign: string): string {
  return createHmac('sha256', secret).update(stringToSign).digest('hex');
}
