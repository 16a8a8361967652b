/**
 * The simulator's organisation (a Resource Directory): the management account, which the fake has
 * always played (SIMULATOR_ACCOUNT_ID, FakeCloud.account, the default credentials), and member
 * accounts. Each account has its own RAM users and keys (a FakeAccount), its own credentials, its
 * own QPS windows and its own request counters: flow-control quotas are per account on the cloud.
 *
 * Which account a request is for is decided by its key, as on the cloud: a key belongs to one
 * account (FakeCredential.accountId; none = the management account), and RAM, ActionTrail and STS
 * GetCallerIdentity answer from that account. Members are reached with the STS keys AssumeRole
 * issues (organisation-api.ts) into one of their roles; Resource Manager ListAccounts lists them.
 *
 *   const alpha = cloud.addMemberAccount({ accountId: '1000000000000001', displayName: 'alpha', account: buildAccount({ ... }) });
 *   cloud.organisation.setAssumable(alpha.accountId, DEFAULT_MEMBER_ROLE, false);   // its trust policy no longer trusts us
 *   cloud.statsOf(alpha.accountId).get('ram:ListUsers');                             // that account's counters
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FakeAccount } from './account';
import { parseAcs3Authorization } from './acs3-signature';
import type { CredentialStore } from './credentials';
import { ActionRateLimits } from './rate-window';
import { CloudStats } from './stats';
import type { FakeCredential, QpsLimits } from './types';

/** The role the Resource Directory creates in every member it creates or invites, trusting the management account. */
export const DEFAULT_MEMBER_ROLE = 'ResourceDirectoryAccountAccessRole';

/** The longest session a role grants unless it says otherwise (RAM's MaxSessionDuration default). */
export const DEFAULT_MAX_SESSION_SECONDS = 3600;

export interface NewRole {
  readonly name: string;
  /** Does the role's trust policy trust the management account? Default true. */
  readonly assumable?: boolean | undefined;
  /** What the role's sessions may do, like 'ram:ListUsers' or 'ram:*'; undefined = everything (ResourceDirectoryAccountAccessRole is an administrator). */
  readonly allowedActions?: readonly string[] | undefined;
  /** MaxSessionDuration, 3600..43200 s (default 3600). */
  readonly maxSessionSeconds?: number | undefined;
}

/** A RAM role of an account. Mutable: a test may stop trusting the management account. */
export interface FakeRole {
  readonly name: string;
  assumable: boolean;
  readonly allowedActions: readonly string[] | undefined;
  readonly maxSessionSeconds: number;
}

export interface NewMemberAccount {
  /** Digits, unique in the organisation (real ids have 16). */
  readonly accountId: string;
  readonly displayName: string;
  /** Its RAM users and keys, and what ActionTrail knows of them. */
  readonly account: FakeAccount;
  /** Its roles, by name or in full (default [DEFAULT_MEMBER_ROLE], assumable). */
  readonly roles?: readonly (string | NewRole)[] | undefined;
  /** ListAccounts' Status (default 'CreateSuccess'). */
  readonly status?: string | undefined;
  /** ListAccounts' Type (default 'ResourceAccount'). */
  readonly type?: 'ResourceAccount' | 'CloudAccount' | undefined;
  /** ListAccounts' JoinMethod (default 'created'). */
  readonly joinMethod?: 'created' | 'invited' | undefined;
  readonly folderId?: string | undefined;
  /** A delegated administrator may call ListAccounts like the management account. Default false. */
  readonly delegatedAdministrator?: boolean | undefined;
  /** Its QPS limits (default: the cloud's, FakeCloudOptions.qps); its windows are its own either way. */
  readonly qps?: QpsLimits | undefined;
  /** Long-term keys of its own RAM users (accountId is set to this account's). */
  readonly credentials?: readonly FakeCredential[] | undefined;
}

/** One account of the organisation, management or member. */
export interface OrgAccount {
  readonly accountId: string;
  readonly displayName: string;
  readonly management: boolean;
  readonly account: FakeAccount;
  /** Its roles by lower-cased name (role names are case-insensitive). */
  readonly roles: ReadonlyMap<string, FakeRole>;
  readonly status: string;
  readonly type: 'ResourceAccount' | 'CloudAccount';
  readonly joinMethod: 'created' | 'invited';
  readonly folderId: string;
  /** Milliseconds since the epoch. */
  readonly joinTime: number;
  delegatedAdministrator: boolean;
  /** Requests made with this account's keys (the cloud-wide FakeCloud.stats counts them too). */
  readonly stats: CloudStats;
  /** This account's QPS windows. @internal */
  readonly limits: ActionRateLimits;
}

export interface OrganisationOptions {
  readonly managementAccountId: string;
  readonly managementAccount: FakeAccount;
  /** The fake's key store: members' keys go there too, each marked with its account. */
  readonly credentials: CredentialStore;
  /** Every account's QPS limits unless it has its own. */
  readonly qps: QpsLimits;
  readonly managementDisplayName?: string | undefined;
}

const ACCOUNT_ID = /^\d{1,32}$/;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The AccessKeyId a request is signed with, read without checking anything: ACS3's
 * `Credential=`, FC's and OSS's `FC <id>:` / `OSS <id>:`, RPC's AccessKeyId parameter.
 */
function accessKeyIdOf(headers: IncomingHttpHeaders, params: ReadonlyMap<string, string>): string | undefined {
  const authorization = header(headers, 'authorization');
  if (authorization !== undefined) return parseAcs3Authorization(authorization)?.accessKeyId ?? /^(?:FC|OSS) ([^:\s]+):/.exec(authorization)?.[1];
  return params.get('AccessKeyId');
}

function role(input: string | NewRole): FakeRole {
  const spec = typeof input === 'string' ? { name: input } : input;
  const maxSessionSeconds = spec.maxSessionSeconds ?? DEFAULT_MAX_SESSION_SECONDS;
  if (!Number.isInteger(maxSessionSeconds) || maxSessionSeconds < 3600 || maxSessionSeconds > 43_200) throw new RangeError(`maxSessionSeconds must be 3600..43200: ${maxSessionSeconds}`);
  return { name: spec.name, assumable: spec.assumable ?? true, allowedActions: spec.allowedActions, maxSessionSeconds };
}

export class Organisation {
  readonly management: OrgAccount;
  /** 'rd-' id of the directory, in ListAccounts' ResourceDirectoryId and ResourceDirectoryPath. */
  readonly directoryId = 'rd-Fk3x9Q';
  readonly rootFolderId = 'r-Fk3x9Q';
  /**
   * Does ListAccounts list the management account too? Off by default (members only). Whether
   * the real ListAccounts lists the management account is not documented: a coordinator should
   * cope with both, and this switch lets a test show it does.
   */
  listManagementAccount = false;

  private readonly byId = new Map<string, OrgAccount>();
  private readonly memberList: OrgAccount[] = [];

  constructor(private readonly options: OrganisationOptions) {
    this.management = this.account({
      accountId: options.managementAccountId,
      displayName: options.managementDisplayName ?? 'management',
      account: options.managementAccount,
      roles: [],
      type: 'CloudAccount',
    }, true);
  }

  /** Adds a member account; its keys (spec.credentials) are accepted from now on. */
  addMember(spec: NewMemberAccount): OrgAccount {
    if (!ACCOUNT_ID.test(spec.accountId)) throw new Error(`an account id is digits: ${spec.accountId}`);
    if (this.byId.has(spec.accountId)) throw new Error(`account exists: ${spec.accountId}`);
    const member = this.account(spec, false);
    this.memberList.push(member);
    for (const credential of spec.credentials ?? []) this.options.credentials.add({ ...credential, accountId: member.accountId });
    return member;
  }

  /** The member accounts, in the order they joined (ListAccounts' order). */
  members(): readonly OrgAccount[] {
    return this.memberList;
  }

  /** What ListAccounts lists, in order. */
  listed(): readonly OrgAccount[] {
    return this.listManagementAccount ? [this.management, ...this.memberList] : this.memberList;
  }

  get(accountId: string): OrgAccount | undefined {
    return this.byId.get(accountId);
  }

  /** The account, or an error naming it (for test set-up). */
  require(accountId: string): OrgAccount {
    const found = this.byId.get(accountId);
    if (!found) throw new Error(`no such account in the organisation: ${accountId}`);
    return found;
  }

  /** A role of an account (case-insensitive name), if it exists. */
  role(accountId: string, roleName: string): FakeRole | undefined {
    return this.byId.get(accountId)?.roles.get(roleName.toLowerCase());
  }

  /** Makes a role's trust policy trust the management account, or not (AssumeRole then answers NoPermission). */
  setAssumable(accountId: string, roleName: string, assumable: boolean): void {
    const found = this.role(accountId, roleName);
    if (!found) throw new Error(`no role ${roleName} in account ${accountId}`);
    found.assumable = assumable;
  }

  /** The account a (valid) key belongs to; undefined for a key of an account that is not in the organisation. */
  accountOf(credential: FakeCredential): OrgAccount | undefined {
    return credential.accountId === undefined ? this.management : this.byId.get(credential.accountId);
  }

  /**
   * The account a request is made for, read from its key before it is authenticated (the QPS
   * windows and counters are the account's at arrival): the management account when the key is
   * unknown or unreadable, so a refused request counts where it always did.
   */
  callerOf(headers: IncomingHttpHeaders, params: ReadonlyMap<string, string>): OrgAccount {
    const accessKeyId = accessKeyIdOf(headers, params);
    const credential = accessKeyId === undefined ? undefined : this.options.credentials.get(accessKeyId);
    return (credential && this.accountOf(credential)) ?? this.management;
  }

  /** Accepts a key from now on (AssumeRole's session keys). */
  issue(credential: FakeCredential): void {
    this.options.credentials.add(credential);
  }

  private account(spec: NewMemberAccount, management: boolean): OrgAccount {
    const roles = new Map<string, FakeRole>();
    for (const input of spec.roles ?? [DEFAULT_MEMBER_ROLE]) {
      const r = role(input);
      roles.set(r.name.toLowerCase(), r);
    }
    const created: OrgAccount = {
      accountId: spec.accountId,
      displayName: spec.displayName,
      management,
      account: spec.account,
      roles,
      status: spec.status ?? 'CreateSuccess',
      type: spec.type ?? 'ResourceAccount',
      joinMethod: spec.joinMethod ?? 'created',
      folderId: spec.folderId ?? this.rootFolderId,
      joinTime: Date.now(),
      delegatedAdministrator: spec.delegatedAdministrator ?? false,
      stats: new CloudStats(),
      limits: new ActionRateLimits(spec.qps ?? this.options.qps),
    };
    this.byId.set(created.accountId, created);
    return created;
  }
}
