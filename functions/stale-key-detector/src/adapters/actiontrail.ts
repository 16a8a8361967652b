import RPCClient from '@alicloud/pop-core';
import type { ActionTrailApi } from '../core/ports';
import type { ProductUse } from '../model';
import type { CloudCredentials } from './credentials';
import { CloudApiError } from '../errors/cloud-api-error';
import { badResponse, toCloudApiError } from './sdk-error';
import type { Timeouts } from './timeouts';


export const ACTIONTRAIL_ACTIONS = ['actiontrail:GetAccessKeyLastUsedProducts'] as const;
export const ACTIONTRAIL_API_VERSION = '2020-07-06';

interface ProductsAnswer {
  RequestId?: unknown;
  Products?: unknown;
}

/** What pop-core resolves with in verbose mode: the JSON and the HTTP exchange it came from. */
type VerboseAnswer = [ProductsAnswer, { readonly response?: { readonly statusCode?: number } }];

/** pop-core's constructor takes a second argument, `verbose`, that its type declarations omit. */
const VerboseRpcClient = RPCClient as unknown as new (config: RPCClient.Config, verbose: boolean) => RPCClient;

export function createActionTrailClient(credentials: CloudCredentials, endpoint: URL): RPCClient {
  return new VerboseRpcClient({
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    ...(credentials.securityToken === undefined ? {} : { securityToken: credentials.securityToken }),
    endpoint: endpoint.origin,
    apiVersion: ACTIONTRAIL_API_VERSION,
    // Verbose: pop-core then resolves [json, exchange], so the HTTP status can be checked (below).
  }, true);
}

export class ActionTrailAdapter implements ActionTrailApi {
  constructor(
    private readonly client: RPCClient,
    private readonly timeouts: Timeouts,
  ) {}

  async lastUsedProducts(accessKeyId: string): Promise<ProductUse[]> {
    const action = 'GetAccessKeyLastUsedProducts';
    let answer: ProductsAnswer;
    let statusCode: number | undefined;
    try {
      // POST: with GET, pop-core's error messages carry the AccessKeyId, token and signature in the URL.
      const verbose = await this.client.request<VerboseAnswer>(action, { AccessKey: accessKeyId }, {
        method: 'POST',
        readTimeout: this.timeouts.readTimeout,
        connectTimeout: this.timeouts.connectTimeout,
      });
      [answer] = verbose;
      statusCode = verbose[1]?.response?.statusCode;
    } catch (error) {
      throw toCloudApiError(error, 'ActionTrail', action);
    }
    const requestId = typeof answer?.RequestId === 'string' ? answer.RequestId : undefined;
    // pop-core resolves any answer whose JSON has no Code, whatever its HTTP status. Only a 2xx is
    // evidence: an HTTP 500 with {"Products": []} must not read as "never used".
    if (statusCode === undefined || statusCode < 200 || statusCode >= 300) {
      throw new CloudApiError(
        { service: 'ActionTrail', action, code: statusCode !== undefined && statusCode >= 500 ? 'ServiceUnavailable' : 'BadResponse', statusCode, requestId },
        `HTTP ${statusCode ?? 'status unknown'} is not a successful answer, whatever its body says`,
      );
    }
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
