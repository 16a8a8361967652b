import type Sts from '@alicloud/sts20150401';
import type * as $Sts from '@alicloud/sts20150401';
import { CloudApiError } from '../errors/cloud-api-error';
import { redact, registerSecret } from '../redact';
import { DEFAULT_STS_ENDPOINT } from './caller-identity';
import type { CloudCredentials } from './credentials';
import { openApiConfig } from './openapi-config';
import { badResponse, toCloudApiError } from './sdk-error';
import { DEFAULT_TIMEOUTS, type Timeouts } from './timeouts';

/**
 * The STS SDK, loaded when a client is first built: only an organisation's runs assume roles, and
 * every other cold start should not run its module code (as ali-oss and fc2 are loaded).
 */
const stsSdk = (): typeof $Sts => require('@alicloud/sts20150401') as typeof $Sts;

/**
 * STS 2015-04-01 AssumeRole (@alicloud/sts20150401 on openapi-core, ACS3-HMAC-SHA256): temporary
 * credentials in a member account, from a role there whose trust policy trusts the caller (the
 * function's role or the operator's RAM user; never an account's root keys). The caller needs
 * sts:AssumeRole on that role's ARN.
 *
 *   const sts = new AssumeRoleAdapter(createStsClient(ownCredentials));
 *   const member = await sts.assumeRole({ roleArn: memberRoleArn('1000000000000001'), sessionName: 'stale-key-detector' });
 *   cloudAdapters(member, endpoints);   // RAM and ActionTrail of that member
 */

/** STS actions this adapter calls, as they appear in a RAM policy (grant them on the member roles' ARNs only). */
export const STS_ASSUME_ACTIONS = ['sts:AssumeRole'] as const;

/** The role the Resource Directory creates in every member it creates or invites (an administrator: a read-only role of your own is safer). */
export const RESOURCE_DIRECTORY_ROLE = 'ResourceDirectoryAccountAccessRole';

/** DurationSeconds' bounds: 900 s, up to the role's MaxSessionDuration (3600 s unless the role says more, at most 43,200 s). */
export const MIN_SESSION_SECONDS = 900;
export const MAX_SESSION_SECONDS = 43_200;
export const DEFAULT_SESSION_SECONDS = 3600;

/** acs:ram::<account id>:role/<role name>. Role names: up to 64 of letters, digits, '.', '-' and '_'. */
const ROLE_ARN = /^acs:ram::(\d{1,32}):role\/([A-Za-z0-9._-]{1,64})$/;
/** RoleSessionName: 2..32 of letters, digits, '.', '@', '-' and '_' (STS's rule). */
const SESSION_NAME = /^[\w.@-]{2,32}$/;

/** A RoleSessionName that names a run in the member's ActionTrail: <prefix>-<UTC minute>Z-<tag>, e.g. skd-20261201T0900Z-1a2b3c. */
export function roleSessionName(prefix: string, now: number, tag: string): string {
  const minute = new Date(now).toISOString().slice(0, 16).replace(/[-:]/g, '');
  return `${prefix}-${minute}Z-${tag}`;
}

export interface AssumeRoleRequest {
  /** acs:ram::<account id>:role/<role name> (memberRoleArn builds one). */
  readonly roleArn: string;
  /** Names the session in the member's ActionTrail: 2..32 of [A-Za-z0-9_.@-]. */
  readonly sessionName: string;
  /** 900 .. the role's MaxSessionDuration; default 3600. */
  readonly durationSeconds?: number | undefined;
}

/** Temporary credentials in the role's account: pass them to cloudAdapters() as they are. */
export interface AssumedRoleCredentials extends CloudCredentials {
  readonly securityToken: string;
  /** When STS stops accepting them (ms since the epoch). */
  readonly expiresAt: number;
  /** The account the credentials act in (the role ARN's). */
  readonly accountId: string;
  /** The session's identity, e.g. acs:ram::<account>:role/<role>/<session>, when STS said. */
  readonly assumedRoleArn: string | undefined;
}

/** The role ARN of `roleName` in `accountId` (default: the Resource Directory's role). */
export function memberRoleArn(accountId: string, roleName: string = RESOURCE_DIRECTORY_ROLE): string {
  return `acs:ram::${accountId}:role/${roleName}`;
}

/** The account id and role name of a role ARN; undefined when it is not one. */
export function parseRoleArn(roleArn: string): { readonly accountId: string; readonly roleName: string } | undefined {
  const m = ROLE_ARN.exec(roleArn);
  return m === null ? undefined : { accountId: m[1] as string, roleName: m[2] as string };
}

/**
 * What is wrong with a request before it is sent, in words an operator can act on; undefined when
 * nothing is. STS would refuse the same with InvalidParameter.RoleArn / .RoleSessionName /
 * .DurationSeconds (or EntityNotExist.Role for a user's ARN where a role's belongs).
 */
export function assumeRoleProblem(request: AssumeRoleRequest): { readonly code: string; readonly problem: string } | undefined {
  if (parseRoleArn(request.roleArn) === undefined) {
    return { code: 'InvalidParameter.RoleArn', problem: `the role ARN "${request.roleArn.slice(0, 200)}" is not acs:ram::<account id>:role/<role name>` };
  }
  if (!SESSION_NAME.test(request.sessionName)) {
    return { code: 'InvalidParameter.RoleSessionName', problem: `the session name "${request.sessionName.slice(0, 64)}" is not 2 to 32 letters, digits, '.', '@', '-' or '_'` };
  }
  const duration = request.durationSeconds ?? DEFAULT_SESSION_SECONDS;
  if (!Number.isInteger(duration) || duration < MIN_SESSION_SECONDS || duration > MAX_SESSION_SECONDS) {
    return { code: 'InvalidParameter.DurationSeconds', problem: `the session duration ${duration} s is not a whole number from ${MIN_SESSION_SECONDS} to the role's maximum (${DEFAULT_SESSION_SECONDS} unless raised, at most ${MAX_SESSION_SECONDS})` };
  }
  return undefined;
}

export function createStsClient(credentials: CloudCredentials, endpoint: URL = new URL(DEFAULT_STS_ENDPOINT), timeouts: Timeouts = DEFAULT_TIMEOUTS): Sts {
  return new (stsSdk().default)(openApiConfig(credentials, endpoint, timeouts));
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

export class AssumeRoleAdapter {
  constructor(private readonly client: Sts) {}

  /**
   * Assumes the role: one call, no retry (the caller's). The request is checked first (a
   * CloudApiError with STS's own InvalidParameter.* code and no request id, before any call); every
   * failure of the call is a CloudApiError, redacted. The secret and token of the answer are
   * registered for redaction before anything else reads them.
   */
  async assumeRole(request: AssumeRoleRequest): Promise<AssumedRoleCredentials> {
    const action = 'AssumeRole';
    const invalid = assumeRoleProblem(request);
    if (invalid !== undefined) {
      throw new CloudApiError({ service: 'STS', action, code: invalid.code, statusCode: undefined, requestId: undefined }, redact(`checked before the call: ${invalid.problem}`));
    }
    const accountId = (parseRoleArn(request.roleArn) as { accountId: string }).accountId;
    let body: $Sts.AssumeRoleResponseBody | undefined;
    try {
      const sent = new (stsSdk().AssumeRoleRequest)({ roleArn: request.roleArn, roleSessionName: request.sessionName, durationSeconds: request.durationSeconds ?? DEFAULT_SESSION_SECONDS });
      body = (await this.client.assumeRole(sent)).body;
    } catch (error) {
      throw toCloudApiError(error, 'STS', action);
    }
    const requestId = text(body?.requestId);
    const credentials = body?.credentials;
    const accessKeySecret = text(credentials?.accessKeySecret);
    const securityToken = text(credentials?.securityToken);
    // Registered first: even a complaint about another field must not print them.
    registerSecret(accessKeySecret);
    registerSecret(securityToken);
    const accessKeyId = text(credentials?.accessKeyId);
    if (accessKeyId === undefined || accessKeySecret === undefined || securityToken === undefined) {
      throw badResponse('STS', action, requestId, 'Credentials.AccessKeyId, AccessKeySecret or SecurityToken is missing');
    }
    const expiresAt = Date.parse(text(credentials?.expiration) ?? '');
    if (Number.isNaN(expiresAt)) throw badResponse('STS', action, requestId, 'Credentials.Expiration is not a date');
    return { accessKeyId, accessKeySecret, securityToken, expiresAt, accountId, assumedRoleArn: text(body?.assumedRoleUser?.arn) };
  }
}
