/** Alibaba Cloud services as ActionTrail names them, with a few typical API events each. */
import type { EventSource, ProductUse } from './account';
import { isoSeconds } from './dates';

export interface ServiceInfo {
  readonly serviceName: string;
  readonly serviceNameCn: string;
  readonly serviceNameEn: string;
  /** Endpoint prefix used in an event's eventSource. */
  readonly host: string;
  readonly apiVersion: string;
  readonly managementEvents: readonly string[];
  /** Non-empty when the service has data events (e.g. OSS object reads). */
  readonly dataEvents: readonly string[];
}

export const SERVICES: readonly ServiceInfo[] = [
  { serviceName: 'Ecs', serviceNameCn: '云服务器ECS', serviceNameEn: 'Elastic Compute Service', host: 'ecs', apiVersion: '2014-05-26', managementEvents: ['DescribeInstances', 'StartInstance', 'CreateSnapshot'], dataEvents: [] },
  { serviceName: 'Oss', serviceNameCn: '对象存储', serviceNameEn: 'Object Storage Service', host: 'oss', apiVersion: '2019-05-17', managementEvents: ['PutBucketLifecycle', 'GetBucketInfo'], dataEvents: ['GetObject', 'PutObject'] },
  { serviceName: 'Rds', serviceNameCn: '云数据库RDS版', serviceNameEn: 'ApsaraDB RDS', host: 'rds', apiVersion: '2014-08-15', managementEvents: ['DescribeDBInstances', 'CreateBackup'], dataEvents: [] },
  { serviceName: 'Sts', serviceNameCn: '安全令牌服务', serviceNameEn: 'Security Token Service', host: 'sts', apiVersion: '2015-04-01', managementEvents: ['AssumeRole', 'GetCallerIdentity'], dataEvents: [] },
  { serviceName: 'Ram', serviceNameCn: '访问控制', serviceNameEn: 'Resource Access Management', host: 'ram', apiVersion: '2015-05-01', managementEvents: ['ListUsers', 'ListAccessKeys', 'GetUser'], dataEvents: [] },
  { serviceName: 'Sls', serviceNameCn: '日志服务', serviceNameEn: 'Simple Log Service', host: 'log', apiVersion: '2020-12-30', managementEvents: ['CreateLogStore', 'GetProject'], dataEvents: ['PostLogStoreLogs', 'GetLogs'] },
  { serviceName: 'Vpc', serviceNameCn: '专有网络VPC', serviceNameEn: 'Virtual Private Cloud', host: 'vpc', apiVersion: '2016-04-28', managementEvents: ['DescribeVpcs', 'DescribeVSwitches'], dataEvents: [] },
  { serviceName: 'Slb', serviceNameCn: '负载均衡', serviceNameEn: 'Server Load Balancer', host: 'slb', apiVersion: '2014-05-15', managementEvents: ['DescribeLoadBalancers'], dataEvents: [] },
  { serviceName: 'Kms', serviceNameCn: '密钥管理服务', serviceNameEn: 'Key Management Service', host: 'kms', apiVersion: '2016-01-20', managementEvents: ['DescribeKey'], dataEvents: ['Decrypt', 'GetSecretValue'] },
  { serviceName: 'Fc', serviceNameCn: '函数计算', serviceNameEn: 'Function Compute', host: 'fc', apiVersion: '2023-03-30', managementEvents: ['UpdateFunction', 'GetFunction'], dataEvents: ['InvokeFunction'] },
  { serviceName: 'Cms', serviceNameCn: '云监控', serviceNameEn: 'CloudMonitor', host: 'metrics', apiVersion: '2019-01-01', managementEvents: ['DescribeMetricList', 'PutCustomMetric'], dataEvents: [] },
  { serviceName: 'Cr', serviceNameCn: '容器镜像服务', serviceNameEn: 'Container Registry', host: 'cr', apiVersion: '2018-12-01', managementEvents: ['GetAuthorizationToken', 'ListRepository'], dataEvents: [] },
  { serviceName: 'Actiontrail', serviceNameCn: '操作审计', serviceNameEn: 'ActionTrail', host: 'actiontrail', apiVersion: '2020-07-06', managementEvents: ['LookupEvents', 'GetAccessKeyLastUsedProducts'], dataEvents: [] },
];

const byName = new Map(SERVICES.map((s) => [s.serviceName, s]));

export function service(serviceName: string): ServiceInfo {
  const found = byName.get(serviceName);
  if (!found) throw new Error(`unknown service: ${serviceName}`);
  return found;
}

export interface UseOptions {
  readonly source?: EventSource;
  readonly eventName?: string;
  readonly userName?: string;
  readonly region?: string;
  readonly sourceIp?: string;
  readonly eventId?: string;
}

/** A ProductUse record with a realistic Detail (the last event, as a JSON string). */
export function productUse(serviceName: string, usedTimestamp: number, options: UseOptions = {}): ProductUse {
  const info = service(serviceName);
  const source = options.source ?? 'ManagementEvent';
  const events = source === 'DataEvent' && info.dataEvents.length > 0 ? info.dataEvents : info.managementEvents;
  const eventName = options.eventName ?? events[0] ?? 'Unknown';
  const region = options.region ?? 'cn-hangzhou';
  const eventId = options.eventId ?? `${usedTimestamp.toString(16).toUpperCase().padStart(12, '0')}-4C57-AA7C-5BE7D34A6AE0`;
  const detail = {
    eventId,
    eventVersion: 1,
    eventSource: `${info.host}.${region}.aliyuncs.com`,
    sourceIpAddress: options.sourceIp ?? '10.10.**.**',
    eventType: source === 'Internal' ? 'AliyunServiceEvent' : 'ApiCall',
    userIdentity: { accountId: '104758519118****', type: 'ram-user', userName: options.userName ?? 'unknown' },
    serviceName: info.serviceName,
    apiVersion: info.apiVersion,
    requestId: eventId,
    eventTime: isoSeconds(usedTimestamp),
    isGlobal: info.serviceName === 'Ram' || info.serviceName === 'Sts',
    acsRegion: region,
    eventName,
  };
  return {
    serviceName: info.serviceName,
    serviceNameCn: info.serviceNameCn,
    serviceNameEn: info.serviceNameEn,
    source,
    usedTimestamp,
    detail: JSON.stringify(detail),
  };
}
