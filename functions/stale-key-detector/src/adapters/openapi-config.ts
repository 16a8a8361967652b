import { $OpenApiUtil } from '@alicloud/openapi-core';
import type { CloudCredentials } from './credentials';
import type { Timeouts } from './timeouts';

/**
 * Config for an openapi-core client (RAM): static credentials (it does not fall back to
 * the default chain by itself), the endpoint as host[:port] without its scheme, and both
 * timeouts (connectTimeout is also the socket idle timeout; its default is 3 s).
 */
export function openApiConfig(credentials: CloudCredentials, endpoint: URL, timeouts: Timeouts, regionId?: string): $OpenApiUtil.Config {
  return new $OpenApiUtil.Config({
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    ...(credentials.securityToken === undefined ? {} : { securityToken: credentials.securityToken }),
    endpoint: endpoint.host,
    protocol: endpoint.protocol.replace(':', ''),
    ...(regionId === undefined ? {} : { regionId }),
    connectTimeout: timeouts.connectTimeout,
    readTimeout: timeouts.readTimeout,
  });
}
