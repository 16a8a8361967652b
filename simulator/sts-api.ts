/**
 * STS 2015-04-01 GetCallerIdentity: who the calling credential is. The gateway's checks as for
 * RAM and ActionTrail (scripted faults, signature, key, STS token, nonce, QPS), but no permission
 * check: STS answers GetCallerIdentity for any valid credential ("No authorization for this
 * operation"). No random faults either: the chaos of RAM and ActionTrail stays as it was.
 * (STS AssumeRole: organisation-api.ts.)
 */
import { createHash } from 'node:crypto';
import { errors } from './api-error';
import { admit, type Exchange, type Gateway } from './cloud-api';
import { errorReply, successReply, type Reply } from './replies';
import type { FakeCredential } from './types';

/** The account the simulator plays: the function's (FC's context.accountId) and the CLI's (GetCallerIdentity). */
export const SIMULATOR_ACCOUNT_ID = '1234567890123456';

/** The role the fake's STS keys (DEFAULT_CREDENTIALS) are sessions of. */
const ROLE_NAME = 'stale-key-detector';

/** A stable 16-digit id for a name, as RAM's numeric ids look. */
function numericId(name: string): string {
  return (BigInt(`0x${createHash('sha256').update(name).digest('hex').slice(0, 15)}`) % 10n ** 16n).toString().padStart(16, '2');
}

/** A role's RoleId: stable per account and (case-insensitive) role name. The management account's function role keeps the id it always had. */
export function roleIdOf(accountId: string | undefined, roleName: string): string {
  return numericId(accountId === undefined || accountId === SIMULATOR_ACCOUNT_ID ? `role:${roleName}` : `role:${accountId}:${roleName.toLowerCase()}`);
}

/**
 * The identity of a credential: an STS key is a session of a role (AssumedRoleUser, RoleId); a
 * long-term key is a RAM user's (the account's user that owns it, else "operator"), with UserId.
 * The account is the key's (a member's for the keys AssumeRole issued into it).
 */
export function callerIdentity(credential: FakeCredential, userOf: (accessKeyId: string) => { userId: string; userName: string } | undefined): Record<string, string> {
  const account = credential.accountId ?? SIMULATOR_ACCOUNT_ID;
  if (credential.securityToken !== undefined) {
    const roleName = credential.roleName ?? ROLE_NAME;
    const roleId = roleIdOf(credential.accountId, roleName);
    const session = credential.sessionName ?? `session-${numericId(credential.accessKeyId).slice(0, 8)}`;
    return { IdentityType: 'AssumedRoleUser', AccountId: account, RoleId: roleId, PrincipalId: `${roleId}:${session}`, Arn: `acs:ram::${account}:assumed-role/${roleName}/${session}` };
  }
  const user = userOf(credential.accessKeyId) ?? { userId: numericId(`user:${credential.accessKeyId}`), userName: 'operator' };
  return { IdentityType: 'RAMUser', AccountId: account, UserId: user.userId, PrincipalId: user.userId, Arn: `acs:ram::${account}:user/${user.userName}` };
}

export function answerSts(ex: Exchange, gw: Gateway): Reply {
  const { route, requestId } = ex;
  const admitted = admit(ex, gw, { authorize: false });
  if ('refused' in admitted) return admitted.refused;
  if (route.action !== 'GetCallerIdentity') return errorReply(errors.apiNotFound(), route.info, requestId);
  return successReply(requestId, callerIdentity(admitted.credential, (id) => {
    const key = gw.account.getKey(id);
    const user = key === undefined ? undefined : gw.account.getUser(key.userName);
    return user === undefined ? undefined : { userId: user.userId, userName: user.userName };
  }));
}
