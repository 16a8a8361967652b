/**
 * Loopback fake of Alibaba Cloud RAM, ActionTrail, FC 3.0 InvokeFunction and a DingTalk robot.
 *
 *   const cloud = await startFakeCloud({ account: demoAccount(Date.now()) });
 *   new Ram(new $OpenApiUtil.Config({ ...cloud.clientConfig() }));            // endpoint 127.0.0.1:port, http
 *   new RPCClient({ ...DEFAULT_CREDENTIALS, endpoint: cloud.endpoint, apiVersion: '2020-07-06' });
 *   await fetch(cloud.signedDingtalkUrl(), { method: 'POST', body: JSON.stringify(msg) });
 *   await cloud.close();
 *
 * No jest dependency: usable from the demo (npm start) and the benchmark (npm run bench).
 */
export { startFakeCloud, FakeCloud, DEFAULT_DINGTALK, DINGTALK_PATH } from './fake-cloud';
export type { FakeCloudOptions, FakeClientConfig } from './fake-cloud';
export { DEFAULT_CREDENTIALS } from './credentials';
export { FakeAccount } from './account';
export type { EventSource, FakeKey, FakeUser, KeyStatus, NewKey, NewUser, ProductUse } from './account';
export { buildAccount, demoAccount, DEMO_KEY_IDS, randomAccessKeyId } from './seed';
export type { BuildAccountOptions } from './seed';
export { SERVICES, productUse, service } from './services';
export type { ServiceInfo, UseOptions } from './services';
export { DingtalkRobot, dingtalkSign, DINGTALK_BLOCK_MS, DINGTALK_MAX_BODY_BYTES, DINGTALK_MESSAGES_PER_MINUTE } from './dingtalk-robot';
export type { DingtalkAnswer, DingtalkAttempt, DingtalkMessage } from './dingtalk-robot';
export { CloudStats } from './stats';
export { DAY_MS, HOUR_MS, MINUTE_MS, isoSeconds } from './dates';
export { createRng } from './rng';
export type { Rng } from './rng';
export type {
  ActionStats,
  DingtalkOptions,
  Fault,
  FakeCredential,
  FcHandler,
  FcInvocationOutcome,
  FcInvocationRecord,
  LatencyRange,
  QpsLimits,
  RandomFaults,
  RequestLogEntry,
} from './types';
