/** Which product and action a request is for: by path, then by Version / x-acs-version and Action. */
import type { IncomingHttpHeaders } from 'node:http';
import { errors, type ApiError } from './api-error';
import { FC_PATH } from './fc-invoke';
import { decodeComponent } from './percent-encoding';
import { RAM_ACTIONS } from './ram-api';

export type Product = 'ram' | 'actiontrail' | 'fc' | 'oss' | 'sts' | 'resourcemanager' | 'unknown';

export interface ProductInfo {
  readonly product: Product;
  readonly hostId: string;
  readonly label: string;
  readonly actions: ReadonlySet<string>;
}

const PRODUCTS: ReadonlyMap<string, ProductInfo> = new Map([
  ['2015-05-01', { product: 'ram', hostId: 'ram.aliyuncs.com', label: 'Ram', actions: new Set<string>(RAM_ACTIONS) }],
  ['2020-07-06', { product: 'actiontrail', hostId: 'actiontrail.cn-hangzhou.aliyuncs.com', label: 'Actiontrail', actions: new Set(['GetAccessKeyLastUsedProducts']) }],
  // STS: GetCallerIdentity (sts-api.ts) is answered without a permission check, as STS does; AssumeRole (organisation-api.ts) needs sts:AssumeRole.
  ['2015-04-01', { product: 'sts', hostId: 'sts.aliyuncs.com', label: 'Sts', actions: new Set(['GetCallerIdentity', 'AssumeRole']) }],
  // Resource Manager (organisation-api.ts): the Resource Directory's member list.
  ['2020-03-31', { product: 'resourcemanager', hostId: 'resourcemanager.aliyuncs.com', label: 'ResourceManager', actions: new Set(['ListAccounts']) }],
  ['2023-03-30', { product: 'fc', hostId: '1047585191180000.cn-hangzhou.fc.aliyuncs.com', label: 'FC', actions: new Set(['InvokeFunction']) }],
] as const);

const FC_INFO = PRODUCTS.get('2023-03-30') as ProductInfo;
const UNKNOWN_INFO: ProductInfo = { product: 'unknown', hostId: 'aliyuncs.com', label: 'Unknown', actions: new Set() };

/** Common RPC parameters (left out of the request log). */
export const COMMON_PARAMS = new Set([
  'Action', 'Version', 'Format', 'Timestamp', 'AccessKeyId', 'SecurityToken',
  'Signature', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'SignatureType',
]);

export interface Route {
  readonly info: ProductInfo;
  readonly action: string;
  /** 'ram:ListUsers'; 'unknown:<action>' for requests nobody serves. */
  readonly qualified: string;
  readonly error?: ApiError;
  readonly functionName?: string;
}

function headerString(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Never fails: requests nobody serves get a Route with an error to answer. */
export function routeRequest(rawPath: string, params: ReadonlyMap<string, string>, headers: IncomingHttpHeaders): Route {
  const fc = FC_PATH.exec(rawPath);
  if (fc) {
    return { info: FC_INFO, action: 'InvokeFunction', qualified: 'fc:InvokeFunction', functionName: decodeComponent(fc[1] ?? '') };
  }
  const action = params.get('Action') ?? headerString(headers, 'x-acs-action') ?? '';
  if (rawPath !== '/') return { info: UNKNOWN_INFO, action, qualified: `unknown:${action}`, error: errors.apiNotFound() };
  const version = params.get('Version') ?? headerString(headers, 'x-acs-version') ?? '';
  const info = PRODUCTS.get(version);
  if (!info || info.product === 'fc') {
    return { info: UNKNOWN_INFO, action, qualified: `unknown:${action}`, error: errors.invalidVersion(version) };
  }
  const qualified = `${info.product}:${action}`;
  if (!info.actions.has(action)) return { info, action, qualified, error: errors.apiNotFound() };
  return { info, action, qualified };
}
