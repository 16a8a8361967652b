/**
 * Loopback fake of Alibaba Cloud RAM, ActionTrail, STS GetCallerIdentity and AssumeRole, Resource
 * Manager ListAccounts, FC 3.0 InvokeFunction, OSS objects and a DingTalk robot, for an
 * organisation: the management account (FakeCloud.account) and member accounts
 * (FakeCloud.addMemberAccount, organisation.ts), each with its own keys and quotas.
 *
 *   const cloud = await startFakeCloud({ account: demoAccount(Date.now()) });
 *   const { ram, actionTrail } = simulatorAdapters(cloud);   // simulator/function-wiring.ts
 *   handleInvocation(event, fcContext(), { env: simulatorEnv(cloud), clock: systemClock });
 *   await cloud.close();
 *
 * test/simulator-contract.test.ts pins it to what the real SDK clients send and receive.
 *
 * No jest dependency: usable from the demo (npm start) and the benchmark (npm run bench).
 */
export { startFakeCloud, FakeCloud, DEFAULT_DINGTALK, DINGTALK_PATH } from './fake-cloud';
export type { FakeCloudOptions } from './fake-cloud';
export { DEFAULT_CREDENTIALS } from './credentials';
export { DEFAULT_BUCKETS, ObjectStore } from './object-store';
export type { StoredObject } from './object-store';
export type { OssRequestRecord } from './oss-route';
export { FakeAccount } from './account';
export { DEFAULT_MAX_SESSION_SECONDS, DEFAULT_MEMBER_ROLE, Organisation } from './organisation';
export type { FakeRole, NewMemberAccount, NewRole, OrgAccount } from './organisation';
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
