import Ram, * as $Ram from '@alicloud/ram20150501';
import { DateTime } from 'luxon';
import type { RamApi, UsersPage } from '../core/ports';
import type { AccessKey, KeyStatus, RamUser } from '../model';
import type { CloudCredentials } from './credentials';
import { openApiConfig } from './openapi-config';
import { badResponse, toCloudApiError } from './sdk-error';
import type { Timeouts } from './timeouts';


/** RAM actions this adapter calls, as they appear in a RAM policy. */
export const RAM_ACTIONS = ['ram:ListUsers', 'ram:ListAccessKeys'] as const;

export const LIST_USERS_PAGE_SIZE = 1000;

export function createRamClient(credentials: CloudCredentials, endpoint: URL, timeouts: Timeouts): Ram {
  return new Ram(openApiConfig(credentials, endpoint, timeouts));
}

export class RamAdapter implements RamApi {
  constructor(private readonly client: Ram) {}

  async listUsersPage(marker: string | undefined): Promise<UsersPage> {
    const request = new $Ram.ListUsersRequest({ maxItems: LIST_USERS_PAGE_SIZE, ...(marker === undefined ? {} : { marker }) });
    let body: $Ram.ListUsersResponseBody | undefined;
    try {
      body = (await this.client.listUsers(request)).body;
    } catch (error) {
      throw toCloudApiError(error, 'RAM', 'ListUsers');
    }
    const requestId = body?.requestId;
    const list = body?.users?.user;
    if (!Array.isArray(list)) throw badResponse('RAM', 'ListUsers', requestId, 'Users.User is missing');
    const users = list.map((user, i) => {
      if (typeof user.userName !== 'string' || user.userName === '') {
        throw badResponse('RAM', 'ListUsers', requestId, `Users.User[${i}].UserName is missing`);
      }
      return { userName: user.userName, displayName: user.displayName || undefined };
    });
    // Paging is checked by the scan (core/scan.ts), which sees every page: pass RAM's answer on as it is.
    return { users, isTruncated: body?.isTruncated === true, marker: typeof body?.marker === 'string' && body.marker !== '' ? body.marker : undefined };
  }

  async listAccessKeys(user: RamUser): Promise<AccessKey[]> {
    let body: $Ram.ListAccessKeysResponseBody | undefined;
    try {
      body = (await this.client.listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: user.userName }))).body;
    } catch (error) {
      throw toCloudApiError(error, 'RAM', 'ListAccessKeys');
    }
    const requestId = body?.requestId;
    const list = body?.accessKeys?.accessKey;
    if (!Array.isArray(list)) throw badResponse('RAM', 'ListAccessKeys', requestId, `AccessKeys.AccessKey is missing for user ${user.userName}`);
    return list.map((key, i) => {
      const where = `AccessKeys.AccessKey[${i}] of user ${user.userName}`;
      if (typeof key.accessKeyId !== 'string' || key.accessKeyId === '') throw badResponse('RAM', 'ListAccessKeys', requestId, `${where}: AccessKeyId is missing`);
      if (key.status !== 'Active' && key.status !== 'Inactive') throw badResponse('RAM', 'ListAccessKeys', requestId, `${where}: Status is "${String(key.status)}", expected Active or Inactive`);
      const created = DateTime.fromISO(key.createDate ?? '', { zone: 'utc' });
      if (!created.isValid) throw badResponse('RAM', 'ListAccessKeys', requestId, `${where}: CreateDate "${String(key.createDate)}" is not an ISO date`);
      return {
        accessKeyId: key.accessKeyId,
        userName: user.userName,
        displayName: user.displayName,
        status: key.status as KeyStatus,
        createdAt: created.toMillis(),
      };
    });
  }
}
