/** RAM 2015-05-01: ListUsers, ListAccessKeys, GetAccessKeyLastUsed, UpdateAccessKey. */
import type { FakeAccount } from './account';
import { errors } from './api-error';
import { failed, ok, type ApiOutcome } from './api-outcome';
import { isoSeconds } from './dates';

export const RAM_ACTIONS = ['ListUsers', 'ListAccessKeys', 'GetAccessKeyLastUsed', 'UpdateAccessKey'] as const;

export function encodeMarker(nextIndex: number): string {
  return Buffer.from(`ram:users:${nextIndex}`).toString('base64');
}

function decodeMarker(marker: string): number | undefined {
  const match = /^ram:users:(\d+)$/.exec(Buffer.from(marker, 'base64').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

function listUsers(account: FakeAccount, params: ReadonlyMap<string, string>): ApiOutcome {
  const maxItemsRaw = params.get('MaxItems');
  let maxItems = 100;
  if (maxItemsRaw !== undefined) {
    maxItems = /^\d{1,4}$/.test(maxItemsRaw) ? Number(maxItemsRaw) : Number.NaN;
    if (!(maxItems >= 1 && maxItems <= 1000)) {
      return failed(errors.invalidParameter('MaxItems', 'It must be an integer between 1 and 1000.'));
    }
  }
  const marker = params.get('Marker');
  let start = 0;
  if (marker !== undefined && marker !== '') {
    const decoded = decodeMarker(marker);
    if (decoded === undefined || decoded > account.users.length) return failed(errors.invalidParameter('Marker'));
    start = decoded;
  }
  const page = account.users.slice(start, start + maxItems);
  const next = start + page.length;
  const truncated = next < account.users.length;
  return ok({
    IsTruncated: truncated,
    ...(truncated ? { Marker: encodeMarker(next) } : {}),
    Users: {
      User: page.map((u) => ({
        UserId: u.userId,
        UserName: u.userName,
        DisplayName: u.displayName,
        Comments: u.comments,
        CreateDate: isoSeconds(u.createDate),
        UpdateDate: isoSeconds(u.updateDate),
      })),
    },
  });
}

function userOf(account: FakeAccount, params: ReadonlyMap<string, string>) {
  const userName = params.get('UserName');
  if (!userName) return failed(errors.missingParameter('UserName'));
  const user = account.getUser(userName);
  return user ?? failed(errors.userNotFound(userName));
}

function listAccessKeys(account: FakeAccount, params: ReadonlyMap<string, string>): ApiOutcome {
  const user = userOf(account, params);
  if ('ok' in user) return user;
  return ok({
    AccessKeys: {
      AccessKey: user.keys.map((k) => ({
        AccessKeyId: k.accessKeyId,
        Status: k.status,
        CreateDate: isoSeconds(k.createDate),
      })),
    },
  });
}

function keyOf(account: FakeAccount, params: ReadonlyMap<string, string>) {
  const user = userOf(account, params);
  if ('ok' in user) return user;
  const accessKeyId = params.get('UserAccessKeyId');
  if (!accessKeyId) return failed(errors.missingParameter('UserAccessKeyId'));
  const key = user.keys.find((k) => k.accessKeyId === accessKeyId);
  return key ?? failed(errors.accessKeyOfUserNotFound(accessKeyId));
}

function getAccessKeyLastUsed(account: FakeAccount, params: ReadonlyMap<string, string>): ApiOutcome {
  const key = keyOf(account, params);
  if ('ok' in key) return key;
  let last = -Infinity;
  for (const p of key.products) last = Math.max(last, p.usedTimestamp);
  return ok({ AccessKeyLastUsed: { LastUsedDate: Number.isFinite(last) ? isoSeconds(last) : 'N/A' } });
}

function updateAccessKey(account: FakeAccount, params: ReadonlyMap<string, string>): ApiOutcome {
  const key = keyOf(account, params);
  if ('ok' in key) return key;
  const status = params.get('Status');
  if (status !== 'Active' && status !== 'Inactive') return failed(errors.invalidParameter('Status'));
  key.status = status;
  return ok({});
}

/** Undefined when RAM has no such action (the fake implements only these four). */
export function handleRam(action: string, params: ReadonlyMap<string, string>, account: FakeAccount): ApiOutcome | undefined {
  switch (action) {
    case 'ListUsers':
      return listUsers(account, params);
    case 'ListAccessKeys':
      return listAccessKeys(account, params);
    case 'GetAccessKeyLastUsed':
      return getAccessKeyLastUsed(account, params);
    case 'UpdateAccessKey':
      return updateAccessKey(account, params);
    default:
      return undefined;
  }
}
