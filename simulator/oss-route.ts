/**
 * OSS, as the ali-oss client meets it: GetObject, HeadObject and PutObject (with
 * x-oss-forbid-overwrite) on the buckets of an ObjectStore, behind OSS's V1 header signature
 * (oss-signature.ts) and OSS's XML errors (oss-errors.ts). Scripted faults apply
 * (failNext('oss:PutObject', ...)); random faults and QPS limits do not. Every request is recorded
 * in `records`, refused ones too.
 *
 * Addressing: OSS wants the bucket in the host name, `<bucket>.oss-<region>[-internal].aliyuncs.com`
 * (virtual-hosted style). Given an endpoint whose host is an IP address, ali-oss 6.x sends the
 * request to that address with that Host header and the path `/<object>` (lib/common/utils/
 * createRequest.js and lib/common/client/getReqUrl.js), which is how it reaches the simulator. A
 * path-style request (`/<bucket>/<object>`, bucket not in the host) is refused as OSS refuses it
 * (403 SecondLevelDomainForbidden).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { apiError } from './api-error';
import type { SignedRequest } from './authenticate';
import { type Exchange, type Gateway, MAX_CLOCK_SKEW_MS } from './cloud-api';
import { CredentialStore } from './credentials';
import type { HttpAnswer } from './http-io';
import type { ObjectStore } from './object-store';
import { ossErrorAnswer, ossErrors, ossHeaders, ossRequestId, type OssError } from './oss-errors';
import {
  headerValue,
  OSS_V4_SCHEME,
  OSS_V1_SCHEME,
  ossCanonicalResource,
  ossContentMd5Matches,
  ossRequestDate,
  ossSignature,
  ossStringToSign,
  parseOssAuthorization,
} from './oss-signature';
import { faultReply, type Reply } from './replies';
import type { ProductInfo, Route } from './routes';
import type { Outcome } from './stats';
import type { FakeCredential } from './types';

const OSS_INFO: ProductInfo = { product: 'oss', hostId: 'oss-cn-hangzhou.aliyuncs.com', label: 'OSS', actions: new Set(['GetObject', 'HeadObject', 'PutObject']) };

/** `<bucket>.oss-<region>[-internal].aliyuncs.com[:port]` */
const BUCKET_HOST = /^([a-z0-9][a-z0-9-]{1,61}[a-z0-9])\.oss-[a-z0-9-]+\.aliyuncs\.com(?::\d+)?$/;
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const OBJECT_ACTIONS: Readonly<Record<string, string>> = { GET: 'GetObject', HEAD: 'HeadObject', PUT: 'PutObject', DELETE: 'DeleteObject', POST: 'PostObject' };

export interface OssAddress {
  /** virtual: the bucket came from the Host header; path: from the first path segment. */
  readonly style: 'virtual' | 'path';
  readonly bucket: string;
  /** The object name, decoded ('' for the bucket itself). */
  readonly key: string;
  /** The Host header without its port (OSS's HostId). */
  readonly host: string;
}

/** Every request the OSS route received (FakeCloud.ossRequests), oldest first. */
export interface OssRequestRecord {
  readonly requestId: string;
  readonly method: string;
  /** The Host header as received. */
  readonly host: string;
  /** The path as received (still percent-encoded). */
  readonly path: string;
  readonly style: 'virtual' | 'path';
  readonly bucket: string;
  readonly key: string;
  readonly headers: IncomingHttpHeaders;
  status: number;
  errorCode?: string;
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function ossAddress(headers: IncomingHttpHeaders, rawPath: string): OssAddress {
  const host = headerValue(headers, 'host') ?? '';
  const hostId = host.replace(/:\d+$/, '');
  const virtual = BUCKET_HOST.exec(host);
  if (virtual) return { style: 'virtual', bucket: virtual[1] as string, key: decodePath(rawPath.slice(1)), host: hostId };
  const [, first = '', ...rest] = rawPath.split('/');
  return { style: 'path', bucket: decodePath(first), key: decodePath(rest.join('/')), host: hostId };
}

/**
 * The OSS route, when this is an OSS request: signed `OSS ...` or `OSS4-HMAC-SHA256 ...`, or sent
 * to a bucket's host name, or (path style) to a path under a bucket the simulator holds.
 */
export function ossRoute(method: string, rawPath: string, headers: IncomingHttpHeaders, store: ObjectStore): Route | undefined {
  const authorization = headerValue(headers, 'authorization') ?? '';
  const address = ossAddress(headers, rawPath);
  const isOss =
    authorization.startsWith(`${OSS_V1_SCHEME} `) || authorization.startsWith(`${OSS_V4_SCHEME} `) || address.style === 'virtual' || store.hasBucket(address.bucket);
  if (!isOss) return undefined;
  const action = address.key === '' ? 'BucketOperation' : (OBJECT_ACTIONS[method] ?? method);
  return { info: OSS_INFO, action, qualified: `oss:${action}` };
}

export function answerOss(ex: Exchange, gw: Gateway, store: ObjectStore, records: OssRequestRecord[]): Reply {
  const { signed } = ex;
  const requestId = ossRequestId(ex.requestId);
  const address = ossAddress(signed.headers, signed.rawPath);
  const record: OssRequestRecord = {
    requestId,
    method: signed.method,
    host: headerValue(signed.headers, 'host') ?? '',
    path: signed.rawPath,
    style: address.style,
    bucket: address.bucket,
    key: address.key,
    headers: { ...signed.headers },
    status: 0,
  };
  records.push(record);
  const reply = answer(ex, gw, store, address, requestId);
  if (reply.kind === 'answer') {
    record.status = reply.answer.status;
    if (reply.code !== undefined) record.errorCode = reply.code;
  }
  return reply;
}

function answer(ex: Exchange, gw: Gateway, store: ObjectStore, address: OssAddress, requestId: string): Reply {
  const { route, signed } = ex;
  const nowMs = Date.now();
  const refuse = (error: OssError, outcome: Outcome = 'error'): Reply => ({
    kind: 'answer',
    answer: ossErrorAnswer(error, requestId, address.host, signed.method, nowMs),
    outcome,
    code: error.code,
  });
  const scripted = gw.faults.takeScripted(route.qualified, route.action);
  if (scripted?.kind === 'error') return refuse(apiError(scripted.status, scripted.code, scripted.message ?? `Injected fault: ${scripted.code}`), 'injected');
  if (scripted) return faultReply(scripted, route.info, requestId);
  if (address.style === 'path') return refuse(ossErrors.secondLevelDomainForbidden());
  if (!store.hasBucket(address.bucket)) return refuse(ossErrors.noSuchBucket(address.bucket));
  const credential = authenticateOss(signed, address, gw.credentials, nowMs);
  if (!('accessKeySecret' in credential)) return refuse(credential);
  if (!CredentialStore.allows(credential, route.qualified)) return refuse(ossErrors.accessDenied());
  const outcome = operate(route.action, signed, address, store, nowMs);
  if ('code' in outcome) return refuse(outcome);
  return { kind: 'answer', answer: { ...outcome, headers: { ...ossHeaders(requestId, nowMs), ...outcome.headers } }, outcome: 'success', code: undefined };
}

/**
 * OSS's checks, in this order: a V1 Authorization, a valid Date (or x-oss-date), a known
 * AccessKeyId, the STS token, the clock skew (15 minutes), the signature.
 *
 * The STS answers: a wrong x-oss-security-token is 403 InvalidSecurityToken ("The security token
 * you provided is invalid.", OSS's docs); a token sent with a long-term key is 403
 * InvalidAccessKeyId (OSS's docs: the request is taken for an STS one and the key is not an STS
 * key). An STS key sent without its token is answered 403 InvalidAccessKeyId here too, as OSS
 * answers an expired STS key ("does not exist in our records"): an assumption, not verified
 * against OSS.
 */
function authenticateOss(req: SignedRequest, address: OssAddress, credentials: CredentialStore, nowMs: number): FakeCredential | OssError {
  const authorization = headerValue(req.headers, 'authorization');
  if (authorization === undefined || authorization === '') return ossErrors.anonymous();
  if (authorization.startsWith(`${OSS_V4_SCHEME} `)) return ossErrors.notSignedV1();
  const auth = parseOssAuthorization(authorization);
  if (!auth) return ossErrors.badAuthorization();
  const date = ossRequestDate(req.headers) ?? '';
  const time = HTTP_DATE.test(date) ? Date.parse(date) : Number.NaN;
  if (Number.isNaN(time)) return ossErrors.invalidDate();
  const credential = credentials.get(auth.accessKeyId);
  if (!credential) return ossErrors.invalidAccessKeyId(auth.accessKeyId);
  const token = headerValue(req.headers, 'x-oss-security-token') || undefined;
  if ((credential.securityToken === undefined) !== (token === undefined)) return ossErrors.invalidAccessKeyId(auth.accessKeyId);
  if (token !== credential.securityToken) return ossErrors.invalidSecurityToken();
  if (Math.abs(nowMs - time) > MAX_CLOCK_SKEW_MS) return ossErrors.timeTooSkewed(date, nowMs);
  const stringToSign = ossStringToSign(req.method, req.headers, ossCanonicalResource(address.bucket, address.key, req.query));
  if (ossSignature(credential.accessKeySecret, stringToSign) !== auth.signature) {
    return ossErrors.signatureDoesNotMatch(auth.accessKeyId, auth.signature, stringToSign);
  }
  return credential;
}

function operate(action: string, req: SignedRequest, address: OssAddress, store: ObjectStore, nowMs: number): HttpAnswer | OssError {
  const { bucket, key } = address;
  switch (action) {
    case 'GetObject':
    case 'HeadObject': {
      const object = store.object(bucket, key);
      if (object === undefined) return ossErrors.noSuchKey(key);
      const headers = {
        'content-type': object.contentType,
        etag: object.etag,
        'last-modified': new Date(object.lastModified).toUTCString(),
        'content-md5': Buffer.from(object.etag.slice(1, -1), 'hex').toString('base64'),
        'x-oss-object-type': 'Normal',
      };
      // Node's server sends no body with a HEAD answer; the content-length is the object's either way.
      return { status: 200, headers, body: object.body };
    }
    case 'PutObject': {
      const md5 = headerValue(req.headers, 'content-md5');
      if (md5 !== undefined && !ossContentMd5Matches(md5, req.body)) return ossErrors.invalidDigest();
      const forbid = headerValue(req.headers, 'x-oss-forbid-overwrite')?.toLowerCase();
      if (forbid !== undefined && forbid !== 'true' && forbid !== 'false') return ossErrors.invalidForbidOverwrite();
      const contentType = headerValue(req.headers, 'content-type') || 'application/octet-stream';
      const stored = forbid === 'true' ? store.create(bucket, key, req.body, contentType, nowMs) : store.put(bucket, key, req.body, contentType, nowMs);
      if (stored === undefined) return ossErrors.fileAlreadyExists(key);
      return { status: 200, headers: { etag: stored.etag, 'content-md5': Buffer.from(stored.etag.slice(1, -1), 'hex').toString('base64') }, body: '' };
    }
    default:
      return ossErrors.notImplemented(action === 'BucketOperation' ? 'bucket operations' : `${req.method} on objects`);
  }
}
