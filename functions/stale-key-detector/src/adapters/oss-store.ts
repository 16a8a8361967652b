import type OSS from 'ali-oss';
import type { DocumentStore } from '../core/ports';
import { ConfigError } from '../errors/config-error';
import type { CloudCredentials } from './credentials';
import { badResponse, toCloudApiError } from './sdk-error';

/**
 * ali-oss, loaded when a store is first built: it (with urllib) is a third of the function's
 * bundle, and a run without STATE_URL, or a cold start before it is needed, should not pay for
 * running its module code (about 50 ms of the bundle's 225 ms require time).
 */
const aliOss = (): typeof OSS => require('ali-oss') as typeof OSS;

/** OSS actions this adapter calls, as they appear in a RAM policy (on acs:oss:*:*:<bucket>/<prefix>*). */
export const OSS_ACTIONS = ['oss:GetObject', 'oss:PutObject'] as const;

/** OSS bucket names: 3-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit (ali-oss checks the same). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const REGION_ID = /^[a-z]{2,}(?:-[a-z0-9]+)+$/;

/**
 * The internal endpoint of a region (`cn-hangzhou` -> https://oss-cn-hangzhou-internal.aliyuncs.com):
 * reachable only from inside the region, free of traffic charges. Function Compute runs in the
 * region of its state bucket, so this is the default. `internal: false`: the public endpoint
 * (https://oss-cn-hangzhou.aliyuncs.com), for a caller outside the region (the CLI).
 */
export function ossEndpointFor(region: string, internal = true): URL {
  return new URL(`https://oss-${region}${internal ? '-internal' : ''}.aliyuncs.com`);
}

export interface OssStoreOptions {
  readonly bucket: string;
  /** Where the documents live in the bucket: '' for the bucket's root, or "a/b" (leading and trailing '/' ignored). */
  readonly prefix: string;
  /** The bucket's Alibaba Cloud region id, e.g. cn-hangzhou. */
  readonly region: string;
  /** scheme://host[:port]; default ossEndpointFor(region, internal). A VPC endpoint, or the simulator's http://127.0.0.1:PORT. */
  readonly endpoint?: URL | undefined;
  /** The region's internal endpoint (default, on FC) or its public one (false: outside the region). */
  readonly internal?: boolean | undefined;
  readonly credentials: CloudCredentials;
  /** One limit for connecting and for the answer, per call. */
  readonly timeoutMs: number;
}

/** "a/b/c.json": relative, no empty, '.' or '..' segment, no backslash or NUL. A bad name is a bug of the caller. */
function checkName(name: string): string {
  if (name === '' || name.includes('\\') || name.includes('\0') || name.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`invalid document name ${JSON.stringify(name)}: expected a relative path like "a/b.json"`);
  }
  return name;
}

/**
 * A DocumentStore in an OSS bucket, on ali-oss (the official client): GetObject, PutObject, and
 * PutObject with `x-oss-forbid-overwrite: true` for create-only writes (OSS answers 409
 * FileAlreadyExists and keeps the object). Signature V1 (`Authorization: OSS <AccessKeyId>:<sig>`),
 * the STS token in x-oss-security-token. Requests are virtual-hosted
 * (`<bucket>.oss-<region>-internal.aliyuncs.com/<prefix>/<name>`); for an endpoint whose host is
 * an IP address ali-oss sends the path `/<prefix>/<name>` to that address with that Host header.
 * No retry here (ali-oss's retryMax stays 0): retries are the core's. Every failure but "no such
 * object" (read) and "already exists" (create) is a CloudApiError with OSS's code, redacted.
 *
 * The ali-oss client is held in `oss`, not `client`: the policy test reads the actions an adapter
 * calls from `client.<method>(` and from toCloudApiError's action names, and ali-oss's method
 * names (get, put) are not OSS's action names (GetObject, PutObject).
 */
export class OssDocumentStore implements DocumentStore {
  readonly location: string;
  private readonly oss: OSS;
  /** '' or "a/b/". */
  private readonly prefix: string;
  /** The RAM policy resource the calls need, for the fix of an AccessDenied. */
  private readonly resource: string;

  constructor(options: OssStoreOptions) {
    const { bucket, region, credentials } = options;
    if (!BUCKET_NAME.test(bucket)) throw new ConfigError('bucket', `"${bucket}" is not an OSS bucket name (3-63 lowercase letters, digits and hyphens)`);
    if (!REGION_ID.test(region)) throw new ConfigError('region', `"${region}" is not an Alibaba Cloud region id like cn-hangzhou`);
    const trimmed = options.prefix.replace(/^\/+|\/+$/g, '');
    this.prefix = trimmed === '' ? '' : `${trimmed}/`;
    this.location = `oss://${bucket}/${this.prefix}`;
    this.resource = `acs:oss:*:*:${bucket}/${this.prefix}*`;
    const internal = options.internal ?? true;
    const endpoint = options.endpoint ?? ossEndpointFor(region, internal);
    this.oss = new (aliOss())({
      bucket,
      // ali-oss's region is the endpoint's first label (oss-cn-hangzhou). With an explicit endpoint it
      // only names the Host header when the endpoint is an IP address: the internal or public one, as by default.
      region: `oss-${region}`,
      internal,
      endpoint: endpoint.origin,
      secure: endpoint.protocol === 'https:',
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      ...(credentials.securityToken === undefined
        ? {}
        : {
            stsToken: credentials.securityToken,
            // ali-oss warns on the console about a token without a refresh interval; it refreshes
            // only through refreshSTSToken, which is not set: a run's token outlives the run.
            refreshSTSTokenInterval: 3_600_000,
          }),
      timeout: options.timeoutMs,
    });
  }

  async read(name: string): Promise<Buffer | undefined> {
    const object = this.objectName(name);
    try {
      const { content } = await this.oss.get(object);
      if (!Buffer.isBuffer(content)) throw badResponse('OSS', 'GetObject', undefined, `the object ${object} came back as ${typeof content}, not bytes`);
      return content;
    } catch (error) {
      if (codeOf(error) === 'NoSuchKey') return undefined;
      throw toCloudApiError(error, 'OSS', 'GetObject', this.resource);
    }
  }

  async create(name: string, body: Buffer): Promise<boolean> {
    const object = this.objectName(name);
    try {
      await this.oss.put(object, body, { headers: { 'x-oss-forbid-overwrite': 'true' } });
      return true;
    } catch (error) {
      if (codeOf(error) === 'FileAlreadyExists') return false;
      throw toCloudApiError(error, 'OSS', 'PutObject', this.resource);
    }
  }

  async replace(name: string, body: Buffer): Promise<void> {
    const object = this.objectName(name);
    try {
      await this.oss.put(object, body);
    } catch (error) {
      throw toCloudApiError(error, 'OSS', 'PutObject', this.resource);
    }
  }

  private objectName(name: string): string {
    return `${this.prefix}${checkName(name)}`;
  }
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}
