/**
 * OSS's error answers: an XML body `<Error><Code/><Message/><RequestId/><HostId/>...</Error>` with
 * content-type application/xml and the request id in x-oss-request-id. A HEAD answer has no body:
 * OSS puts the same XML, base64-encoded, in x-oss-err (ali-oss reads it from there).
 * Codes, statuses and messages are OSS's (its "HTTP 403 status code" and error-code pages).
 */
import type { ApiError } from './api-error';
import type { HttpAnswer } from './http-io';

export interface OssError extends ApiError {
  /** Further elements OSS adds for this error (Key, BucketName, StringToSign, ...), in order. */
  readonly details?: Readonly<Record<string, string>>;
}

function ossError(status: number, code: string, message: string, details?: Record<string, string>): OssError {
  return details === undefined ? { status, code, message } : { status, code, message, details };
}

export const ossErrors = {
  noSuchBucket: (bucket: string): OssError => ossError(404, 'NoSuchBucket', 'The specified bucket does not exist.', { BucketName: bucket }),
  noSuchKey: (key: string): OssError => ossError(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key }),
  fileAlreadyExists: (key: string): OssError =>
    ossError(409, 'FileAlreadyExists', 'The object you specified already exists and can not be overwritten.', { Key: key }),
  /** A request path `/<bucket>/<object>` (path style): OSS wants the bucket in the host name. */
  secondLevelDomainForbidden: (): OssError =>
    ossError(403, 'SecondLevelDomainForbidden', 'The bucket you are attempting to access must be addressed using OSS third level domain.'),
  anonymous: (): OssError => ossError(403, 'AccessDenied', 'Anonymous access is forbidden for this operation.'),
  badAuthorization: (): OssError => ossError(400, 'InvalidArgument', 'Authorization header is invalid.'),
  notSignedV1: (): OssError => ossError(400, 'InvalidArgument', 'The simulator checks signature V1 (Authorization: OSS <AccessKeyId>:<Signature>) only.'),
  invalidDate: (): OssError => ossError(403, 'AccessDenied', 'OSS authentication requires a valid Date.'),
  invalidAccessKeyId: (accessKeyId: string): OssError =>
    ossError(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.', { OSSAccessKeyId: accessKeyId }),
  invalidSecurityToken: (): OssError => ossError(403, 'InvalidSecurityToken', 'The security token you provided is invalid.'),
  timeTooSkewed: (requestTime: string, serverMs: number): OssError =>
    ossError(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
      RequestTime: requestTime,
      ServerTime: new Date(serverMs).toISOString().replace(/\.\d{3}Z$/, '.000Z'),
    }),
  /** OSS echoes its string to sign, which holds every x-oss-* header, the STS token included. */
  signatureDoesNotMatch: (accessKeyId: string, provided: string, stringToSign: string): OssError =>
    ossError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
      OSSAccessKeyId: accessKeyId,
      SignatureProvided: provided,
      StringToSign: stringToSign,
      StringToSignBytes: [...Buffer.from(stringToSign, 'utf8')].map((b) => b.toString(16).padStart(2, '0')).join(' '),
    }),
  accessDenied: (): OssError => ossError(403, 'AccessDenied', 'You have no right to access this object.'),
  invalidDigest: (): OssError => ossError(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.'),
  invalidForbidOverwrite: (): OssError => ossError(400, 'InvalidArgument', 'x-oss-forbid-overwrite must be true or false.'),
  notImplemented: (what: string): OssError => ossError(501, 'NotImplemented', `The simulator does not serve ${what}.`),
};

function xmlEscape(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

export function ossErrorXml(error: OssError, requestId: string, hostId: string): string {
  const elements: [string, string][] = [
    ['Code', error.code],
    ['Message', error.message],
    ['RequestId', requestId],
    ['HostId', hostId],
    ...Object.entries(error.details ?? {}),
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n${elements.map(([k, v]) => `  <${k}>${xmlEscape(v)}</${k}>\n`).join('')}</Error>\n`;
}

/** OSS's request ids: 24 upper-case hex digits. */
export function ossRequestId(uuid: string): string {
  return uuid.replace(/-/g, '').slice(0, 24).toUpperCase();
}

export function ossHeaders(requestId: string, nowMs: number): Record<string, string> {
  return { server: 'AliyunOSS', date: new Date(nowMs).toUTCString(), 'x-oss-request-id': requestId };
}

export function ossErrorAnswer(error: OssError, requestId: string, hostId: string, method: string, nowMs: number): HttpAnswer {
  const xml = ossErrorXml(error, requestId, hostId);
  const headers = { ...ossHeaders(requestId, nowMs), 'content-type': 'application/xml' };
  if (method === 'HEAD') return { status: error.status, headers: { ...headers, 'x-oss-err': Buffer.from(xml, 'utf8').toString('base64') }, body: '' };
  return { status: error.status, headers, body: xml };
}
