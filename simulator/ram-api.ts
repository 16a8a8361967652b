/** RAM 2015-05-01: the two actions the detector calls, ListUsers and ListAccessKeys. */
import type { FakeAccount } from './account';
import { errors } from './api-error';
import { failed, ok, type ApiOutcome } from './api-outcome';
import { isoSeconds } from './dates';

export const RAM_ACTIONS = ['ListUsers', 'ListAccessKeys'] as const;

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

/** Undefined for any other action (answered InvalidAction.NotFound). */
export function handleRam(action: string, params: ReadonlyMap<string, string>, account: FakeAccount): ApiOutcome | undefined {
  switch (action) {
    case 'ListUsers':
      return listUsers(account, params);
    case 'ListAccessKeys':
      return listAccessKeys(account, params);
    default:
      return undefined;
  }
}
