/**
 * The organisation's two APIs (organisation.ts): Resource Manager 2020-03-31 ListAccounts and STS
 * 2015-04-01 AssumeRole, both ACS3-signed by their openapi-core SDKs. The gateway's checks come
 * first (admit: scripted faults, signature, key, STS token, nonce, the caller's grant of
 * 'resourcemanager:ListAccounts' / 'sts:AssumeRole', then the caller's account's QPS window); no
 * random faults, as for GetCallerIdentity.
 *
 * What the real services answer, and what is assumed here:
 *  - ListAccounts is answered to the management account and to a delegated administrator (API
 *    reference). Its one documented error is 404 EntityNotExists.ResourceDirectory ("The resource
 *    directory for the account is not enabled", Resource Manager's API metadata): that is what a
 *    member's keys get here. What the real service answers a member is not documented (Resource
 *    Center's APIs answer 409 NoPermission.ResourceDirectory.MemberAccount): assumed.
 *  - PageSize 1..100 (default 10), PageNumber from 1 (default 1), TotalCount: documented. The
 *    error codes for a bad PageSize / PageNumber are assumed (InvalidParameter.<name>).
 *  - AssumeRole: RoleSessionName 2..32 of [\w.@-] (else InvalidParameter.RoleSessionName),
 *    DurationSeconds 900..the role's MaxSessionDuration (else InvalidParameter.DurationSeconds),
 *    NoPermission when the trust policy does not trust the caller, EntityNotExist.Role for a role
 *    that does not exist ("The specified Role not exists"): codes documented (STS's troubleshooting
 *    page, SDK tests); HTTP statuses and the code for a malformed RoleArn (InvalidParameter.RoleArn)
 *    assumed. The roles trust the management account only (ResourceDirectoryAccountAccessRole's
 *    trust policy), so any key of the management account may assume them unless a test says no
 *    (Organisation.setAssumable); the real STS also refuses the root account's own keys, which
 *    the simulator does not model.
 */
import { randomBytes } from 'node:crypto';
import { apiError, errors, type ApiError } from './api-error';
import { failed, ok, type ApiOutcome } from './api-outcome';
import { admit, type Exchange, type Gateway } from './cloud-api';
import { isoSeconds } from './dates';
import type { Organisation, OrgAccount } from './organisation';
import { errorReply, successReply, type Reply } from './replies';
import { roleIdOf } from './sts-api';

const PAGE_SIZE_DEFAULT = 10;
const PAGE_SIZE_MAX = 100;
const MIN_SESSION_SECONDS = 900;
const DEFAULT_SESSION_SECONDS = 3600;
const SESSION_NAME = /^[\w.@-]{2,32}$/;
const ROLE_ARN = /^acs:ram::(\d+):role\/([^/\s]+)$/i;

const orgErrors = {
  noDirectory: (): ApiError =>
    apiError(404, 'EntityNotExists.ResourceDirectory', 'The resource directory for the account is not enabled. We recommend that you first enable the resource directory for the account.'),
  roleNotFound: (arn: string): ApiError => apiError(404, 'EntityNotExist.Role', `The specified Role not exists: ${arn}`),
  notTrusted: (): ApiError => apiError(403, 'NoPermission', 'No permission perform sts:AssumeRole on this Role. Check the trust policy of the role.'),
  sessionName: (): ApiError => apiError(400, 'InvalidParameter.RoleSessionName', 'The parameter RoleSessionName is wrongly formed.'),
  duration: (maxSeconds: number): ApiError =>
    apiError(400, 'InvalidParameter.DurationSeconds', `The Min/Max value of DurationSeconds is 15min/${maxSeconds / 3600}hr.`),
  roleArn: (): ApiError => apiError(400, 'InvalidParameter.RoleArn', 'The parameter RoleArn is wrongly formed: expected acs:ram::<account id>:role/<role name>.'),
};

/** A whole number from a parameter; undefined when absent, NaN when not a whole number. */
function whole(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  return /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
}

function listAccounts(org: Organisation, caller: OrgAccount | undefined, params: ReadonlyMap<string, string>): ApiOutcome {
  if (caller === undefined || (!caller.management && !caller.delegatedAdministrator)) return failed(orgErrors.noDirectory());
  const pageNumber = whole(params.get('PageNumber')) ?? 1;
  if (!(pageNumber >= 1)) return failed(errors.invalidParameter('PageNumber', 'It must be an integer from 1.'));
  const pageSize = whole(params.get('PageSize')) ?? PAGE_SIZE_DEFAULT;
  if (!(pageSize >= 1 && pageSize <= PAGE_SIZE_MAX)) return failed(errors.invalidParameter('PageSize', `It must be an integer between 1 and ${PAGE_SIZE_MAX}.`));
  const listed = org.listed();
  const page = listed.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  return ok({
    TotalCount: listed.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    Accounts: {
      Account: page.map((a) => ({
        AccountId: a.accountId,
        DisplayName: a.displayName,
        Status: a.status,
        Type: a.type,
        JoinMethod: a.joinMethod,
        FolderId: a.folderId,
        ResourceDirectoryId: org.directoryId,
        ResourceDirectoryPath: `${org.directoryId}/${org.rootFolderId}/${a.folderId === org.rootFolderId ? '' : `${a.folderId}/`}${a.accountId}`,
        JoinTime: new Date(a.joinTime).toISOString(),
        ModifyTime: new Date(a.joinTime).toISOString(),
      })),
    },
  });
}

/** Random text of the given length from [A-Za-z0-9], as STS's key ids and secrets look. */
function alphanumeric(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

function assumeRole(org: Organisation, caller: OrgAccount | undefined, params: ReadonlyMap<string, string>): ApiOutcome {
  const arn = params.get('RoleArn');
  if (!arn) return failed(errors.missingParameter('RoleArn'));
  const sessionName = params.get('RoleSessionName');
  if (!sessionName) return failed(errors.missingParameter('RoleSessionName'));
  if (!SESSION_NAME.test(sessionName)) return failed(orgErrors.sessionName());
  const parsed = ROLE_ARN.exec(arn);
  if (!parsed) return failed(orgErrors.roleArn());
  const target = org.get(parsed[1] as string);
  const role = target === undefined ? undefined : org.role(target.accountId, parsed[2] as string);
  if (target === undefined || role === undefined) return failed(orgErrors.roleNotFound(arn));
  const duration = whole(params.get('DurationSeconds')) ?? DEFAULT_SESSION_SECONDS;
  if (!(duration >= MIN_SESSION_SECONDS && duration <= role.maxSessionSeconds)) return failed(orgErrors.duration(role.maxSessionSeconds));
  // The trust policy trusts the management account (any of its RAM users and roles) only.
  if (caller === undefined || !caller.management || !role.assumable) return failed(orgErrors.notTrusted());

  const expiresAt = Date.now() + duration * 1000;
  const credential = {
    accessKeyId: `STS.N${alphanumeric(27)}`,
    accessKeySecret: alphanumeric(44),
    securityToken: `CAIS${randomBytes(240).toString('base64')}`,
    accountId: target.accountId,
    roleName: role.name,
    sessionName,
    expiresAt,
    allowedActions: role.allowedActions,
  };
  org.issue(credential);
  return ok({
    AssumedRoleUser: { Arn: `acs:ram::${target.accountId}:role/${role.name}/${sessionName}`, AssumedRoleId: `${roleIdOf(target.accountId, role.name)}:${sessionName}` },
    Credentials: { AccessKeyId: credential.accessKeyId, AccessKeySecret: credential.accessKeySecret, SecurityToken: credential.securityToken, Expiration: isoSeconds(expiresAt) },
  });
}

/** Answers Resource Manager ListAccounts and STS AssumeRole; undefined for any other request. */
export function answerOrganisation(ex: Exchange, gw: Gateway, org: Organisation): Reply | undefined {
  const { route, requestId } = ex;
  const isListAccounts = route.info.product === 'resourcemanager';
  if (!isListAccounts && route.qualified !== 'sts:AssumeRole') return undefined;
  const admitted = admit(ex, gw, { authorize: true });
  if ('refused' in admitted) return admitted.refused;
  // Routing admits no other Resource Manager action (routes.ts).
  const caller = org.accountOf(admitted.credential);
  const outcome = isListAccounts ? listAccounts(org, caller, ex.signed.params) : assumeRole(org, caller, ex.signed.params);
  return outcome.ok ? successReply(requestId, outcome.body) : errorReply(outcome.error, route.info, requestId);
}
