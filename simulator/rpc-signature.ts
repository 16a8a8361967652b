/**
 * RPC signature v1 (HMAC-SHA1) as @alicloud/pop-core computes it (lib/rpc.js): every parameter but
 * Signature, sorted, `encode(k)=encode(v)` joined by `&`; string to sign = `METHOD&%2F&encode(that)`;
 * signature = base64 HMAC-SHA1 with key `secret + "&"`.
 */
import { createHmac } from 'node:crypto';
import { canonicalQueryString, percentEncode } from './percent-encoding';

export function rpcStringToSign(method: string, params: ReadonlyMap<string, string>): string {
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalQueryString(params, 'Signature'))}`;
}

export function rpcSignature(secret: string, stringToSign: string): string {
  return createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64');
}
