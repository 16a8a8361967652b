import RPCClient from '@alicloud/pop-core';
import type { ProductUse } from '../model';
import type { CloudCredentials } from './credentials';
import { badResponse, toCloudApiError } from './sdk-error';
import type { Timeouts } from './timeouts';

/** The ActionTrail call the detector makes: one API call, pacing and retries are the caller's. */
export interface ActionTrailApi {
  lastUsedProducts(accessKeyId: string): Promise<ProductUse[]>;
}

export const ACTIONTRAIL_ACTIONS = ['actiontrail:GetAccessKeyLastUsedProducts'] as const;
export const ACTIONTRAIL_API_VERSION = '2020-07-06';

interface ProductsAnswer {
  RequestId?: unknown;
  Products?: unknown;
}

export function createActionTrailClient(credentials: CloudCredentials, endpoint: URL): RPCClient {
  return new RPCClient({
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    ...(credentials.securityToken === undefined ? {} : { securityToken: credentials.securityToken }),
    endpoint: endpoint.origin,
    apiVersion: ACTIONTRAIL_API_VERSION,
  });
}

export class ActionTrailAdapter implements ActionTrailApi {
  constructor(
    private readonly client: RPCClient,
    private readonly timeouts: Timeouts,
  ) {}

  async lastUsedProducts(accessKeyId: string): Promise<ProductUse[]> {
    const action = 'GetAccessKeyLastUsedProducts';
    let answer: ProductsAnswer;
    try {
      // POST: with GET, pop-core's error messages carry the AccessKeyId, token and signature in the URL.
      answer = await this.client.request<ProductsAnswer>(action, { AccessKey: accessKeyId }, {
        method: 'POST',
        readTimeout: this.timeouts.readTimeout,
        connectTimeout: this.timeouts.connectTimeout,
      });
    } catch (error) {
      throw toCloudApiError(error, 'ActionTrail', action);
    }
    const requestId = typeof answer?.RequestId === 'string' ? answer.RequestId : undefined;
    // pop-core resolves an HTTP 5xx whose JSON has no Code: it has no Products either.
    if (typeof answer !== 'object' || answer === null || !Array.isArray(answer.Products)) {
      throw badResponse('ActionTrail', action, requestId, `no Products list in the answer for ${accessKeyId}`);
    }
    return answer.Products.map((raw: unknown, i) => {
      const p = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
      const usedAt = typeof p['UsedTimestamp'] === 'string' ? Number(p['UsedTimestamp']) : p['UsedTimestamp'];
      if (typeof usedAt !== 'number' || !Number.isFinite(usedAt) || usedAt <= 0) {
        throw badResponse('ActionTrail', action, requestId, `Products[${i}].UsedTimestamp is not a time in ms for ${accessKeyId}`);
      }
      const serviceName = typeof p['ServiceName'] === 'string' ? p['ServiceName'] : 'unknown';
      return {
        serviceName,
        serviceNameEn: typeof p['ServiceNameEn'] === 'string' && p['ServiceNameEn'] !== '' ? p['ServiceNameEn'] : serviceName,
        source: typeof p['Source'] === 'string' ? p['Source'] : 'unknown',
        usedAt,
      };
    });
  }
}
