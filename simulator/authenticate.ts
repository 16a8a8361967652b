/**
 * Authenticates a signed API request the way the gateway does: ACS3-HMAC-SHA256 (Authorization
 * header, openapi-core) or RPC v1 HMAC-SHA1 (Signature parameter, pop-core). Checks, in order:
 * complete signature pieces, AccessKeyId, timestamp skew, STS token, signature, nonce reuse.
 * Function Compute checks its own `FC` signature instead (authenticateFc, @alicloud/fc2).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { errors, type ApiError } from './api-error';
import {
  ACS3_ALGORITHM,
  acs3CanonicalRequest,
  acs3Signature,
  acs3StringToSign,
  parseAcs3Authorization,
  sha256Hex,
} from './acs3-signature';
import { CredentialStore } from './credentials';
import { fcErrors } from './fc-invoke';
import { contentMd5Matches, fcSignature, fcStringToSign, parseFcAuthorization } from './fc-signature';
import type { NonceCache } from './nonce-cache';
import { rpcSignature, rpcStringToSign } from './rpc-signature';
import type { FakeCredential } from './types';

export interface SignedRequest {
  readonly method: string;
  /** The path as received (still percent-encoded). */
  readonly rawPath: string;
  /** Parameters of the URL query only. */
  readonly query: ReadonlyMap<string, string>;
  /** URL query plus form body parameters. */
  readonly params: ReadonlyMap<string, string>;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface AuthContext {
  readonly credentials: CredentialStore;
  readonly nonces: NonceCache;
  /** The server's wall clock. */
  readonly nowMs: number;
  readonly maxSkewMs: number;
}

export type AuthResult =
  | { readonly ok: true; readonly credential: FakeCredential; readonly style: 'acs3' | 'rpc' | 'fc' }
  | { readonly ok: false; readonly error: ApiError; readonly accessKeyId?: string };

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function checkTimestamp(value: string, ctx: AuthContext): ApiError | undefined {
  const t = ISO_SECONDS.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(t)) return errors.timestampFormat();
  if (Math.abs(ctx.nowMs - t) > ctx.maxSkewMs) return errors.timestampExpired();
  return undefined;
}

function checkToken(credential: FakeCredential, token: string | undefined): ApiError | undefined {
  if (credential.securityToken === undefined) return undefined;
  if (token === undefined || token === '') return errors.missingSecurityToken();
  if (token !== credential.securityToken) return errors.securityTokenMismatch();
  return undefined;
}

function fail(error: ApiError, accessKeyId?: string): AuthResult {
  return accessKeyId === undefined ? { ok: false, error } : { ok: false, error, accessKeyId };
}

function authenticateAcs3(req: SignedRequest, authorization: string, ctx: AuthContext): AuthResult {
  const auth = parseAcs3Authorization(authorization);
  if (!auth) return fail(errors.incompleteSignature('The Authorization header is malformed.'));
  if (auth.algorithm !== ACS3_ALGORITHM) {
    return fail(errors.incompleteSignature(`Unsupported signature algorithm: ${auth.algorithm}.`));
  }
  const signed = new Set(auth.signedHeaders.map((h) => h.toLowerCase()));
  if (!signed.has('host')) return fail(errors.incompleteSignature('Header host must be signed.'));
  for (const name of Object.keys(req.headers)) {
    if (name.startsWith('x-acs-') && !signed.has(name)) {
      return fail(errors.incompleteSignature(`Header ${name} must be signed.`));
    }
  }
  const date = single(req.headers, 'x-acs-date');
  const nonce = single(req.headers, 'x-acs-signature-nonce');
  if (!date) return fail(errors.incompleteSignature('Header x-acs-date is missing.'));
  if (!nonce) return fail(errors.incompleteSignature('Header x-acs-signature-nonce is missing.'));
  if (!single(req.headers, 'x-acs-content-sha256')) {
    return fail(errors.incompleteSignature('Header x-acs-content-sha256 is missing.'));
  }
  const credential = ctx.credentials.get(auth.accessKeyId);
  if (!credential) return fail(errors.accessKeyNotFound(), auth.accessKeyId);
  const timeError = checkTimestamp(date, ctx);
  if (timeError) return fail(timeError, auth.accessKeyId);
  const tokenError = checkToken(credential, single(req.headers, 'x-acs-security-token'));
  if (tokenError) return fail(tokenError, auth.accessKeyId);
  const stringToSign = acs3StringToSign(
    acs3CanonicalRequest({
      method: req.method,
      rawPath: req.rawPath,
      query: req.query,
      headers: req.headers,
      signedHeaders: auth.signedHeaders,
      payloadHash: sha256Hex(req.body),
    }),
  );
  if (acs3Signature(credential.accessKeySecret, stringToSign) !== auth.signature) {
    return fail(errors.signatureDoesNotMatch(stringToSign), auth.accessKeyId);
  }
  if (ctx.nonces.checkAndRemember(`${auth.accessKeyId}\n${nonce}`, ctx.nowMs)) {
    return fail(errors.nonceUsed(), auth.accessKeyId);
  }
  return { ok: true, credential, style: 'acs3' };
}

function authenticateRpc(req: SignedRequest, ctx: AuthContext): AuthResult {
  const p = req.params;
  for (const name of ['AccessKeyId', 'Signature', 'SignatureNonce', 'Timestamp', 'SignatureMethod']) {
    if (!p.get(name)) return fail(errors.incompleteSignature(`Parameter ${name} is missing.`));
  }
  if (p.get('SignatureMethod') !== 'HMAC-SHA1') {
    return fail(errors.incompleteSignature(`Unsupported SignatureMethod: ${p.get('SignatureMethod') ?? ''}.`));
  }
  const version = p.get('SignatureVersion');
  if (version !== undefined && version !== '1.0') {
    return fail(errors.incompleteSignature(`Unsupported SignatureVersion: ${version}.`));
  }
  const accessKeyId = p.get('AccessKeyId') as string;
  const credential = ctx.credentials.get(accessKeyId);
  if (!credential) return fail(errors.accessKeyNotFound(), accessKeyId);
  const timeError = checkTimestamp(p.get('Timestamp') as string, ctx);
  if (timeError) return fail(timeError, accessKeyId);
  const tokenError = checkToken(credential, p.get('SecurityToken'));
  if (tokenError) return fail(tokenError, accessKeyId);
  const stringToSign = rpcStringToSign(req.method, p);
  if (rpcSignature(credential.accessKeySecret, stringToSign) !== p.get('Signature')) {
    return fail(errors.signatureDoesNotMatch(stringToSign), accessKeyId);
  }
  if (ctx.nonces.checkAndRemember(`${accessKeyId}\n${p.get('SignatureNonce') ?? ''}`, ctx.nowMs)) {
    return fail(errors.nonceUsed(), accessKeyId);
  }
  return { ok: true, credential, style: 'rpc' };
}

export function authenticate(req: SignedRequest, ctx: AuthContext): AuthResult {
  const authorization = single(req.headers, 'authorization');
  if (authorization) return authenticateAcs3(req, authorization, ctx);
  if (req.params.has('Signature')) return authenticateRpc(req, ctx);
  return fail(errors.incompleteSignature('Neither an Authorization header nor a Signature parameter was given.'));
}

const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Function Compute's `FC` signature (fc-signature.ts), with FC's errors (fcErrors): Authorization
 * and Date present, a known AccessKeyID, Date within the allowed skew, an STS key's
 * x-fc-security-token present and its own, the signature, then Content-MD5 against the body. FC
 * has no nonce: a captured request can be replayed within the skew, as on FC.
 */
export function authenticateFc(req: SignedRequest, ctx: AuthContext): AuthResult {
  const authorization = single(req.headers, 'authorization');
  if (!authorization) return fail(fcErrors.missingHeader('Authorization'));
  const auth = parseFcAuthorization(authorization);
  if (!auth) return fail(fcErrors.badAuthorization());
  const date = single(req.headers, 'date');
  if (!date) return fail(fcErrors.missingHeader('Date'), auth.accessKeyId);
  const credential = ctx.credentials.get(auth.accessKeyId);
  if (!credential) return fail(fcErrors.invalidAccessKey(auth.accessKeyId), auth.accessKeyId);
  const t = HTTP_DATE.test(date) ? Date.parse(date) : Number.NaN;
  if (Number.isNaN(t)) return fail(fcErrors.badDate(date), auth.accessKeyId);
  if (Math.abs(ctx.nowMs - t) > ctx.maxSkewMs) return fail(fcErrors.dateSkewed(date, ctx.nowMs), auth.accessKeyId);
  if (credential.securityToken !== undefined) {
    const token = single(req.headers, 'x-fc-security-token');
    if (!token) return fail(fcErrors.invalidAccessKey(auth.accessKeyId, 'a temporary (STS) key needs its security token in x-fc-security-token'), auth.accessKeyId);
    if (token !== credential.securityToken) return fail(fcErrors.invalidAccessKey(auth.accessKeyId, 'the security token is not this key\'s'), auth.accessKeyId);
  }
  if (fcSignature(credential.accessKeySecret, fcStringToSign(req.method, req.rawPath, req.headers)) !== auth.signature) {
    return fail(fcErrors.signatureNotMatch(), auth.accessKeyId);
  }
  const md5 = single(req.headers, 'content-md5');
  if (md5 !== undefined && !contentMd5Matches(md5, req.body)) return fail(fcErrors.contentMd5(), auth.accessKeyId);
  return { ok: true, credential, style: 'fc' };
}

/** Is the action allowed for the credential? (403 NoPermission otherwise.) */
export function authorize(credential: FakeCredential, qualifiedAction: string): ApiError | undefined {
  return CredentialStore.allows(credential, qualifiedAction) ? undefined : errors.noPermission(qualifiedAction);
}
