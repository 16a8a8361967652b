export type CloudService = 'RAM' | 'ActionTrail' | 'FC' | 'OSS' | 'STS' | 'ResourceManager';

export interface CloudApiErrorDetails {
  readonly service: CloudService;
  readonly action: string;
  /** The cloud's error code (e.g. Throttling.User), or a local one: NetworkError, Timeout, BadResponse. */
  readonly code: string;
  readonly statusCode: number | undefined;
  readonly requestId: string | undefined;
  /** Milliseconds the cloud asked us to wait before retrying (x-acs-retry-after), when it said so. */
  readonly retryAfterMs?: number | undefined;
  /** What the call was on, as a RAM policy names it (OSS: acs:oss:*:*:<bucket>/<prefix>*), for "grant ... on ..." advice. */
  readonly resource?: string | undefined;
}

/** A failed call to an Alibaba Cloud API, normalized across the SDKs. The message is redacted. */
export class CloudApiError extends Error {
  override readonly name = 'CloudApiError';
  readonly service: CloudService;
  readonly action: string;
  readonly code: string;
  readonly statusCode: number | undefined;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly resource: string | undefined;

  constructor(details: CloudApiErrorDetails, message: string) {
    const where = `${details.service} ${details.action}`;
    const status = details.statusCode === undefined ? '' : ` (HTTP ${details.statusCode})`;
    const request = details.requestId === undefined ? '' : ` [RequestId ${details.requestId}]`;
    super(`${where} failed: ${details.code}${status}: ${message}${request}`);
    this.service = details.service;
    this.action = details.action;
    this.code = details.code;
    this.statusCode = details.statusCode;
    this.requestId = details.requestId;
    this.retryAfterMs = details.retryAfterMs;
    this.resource = details.resource;
  }
}
