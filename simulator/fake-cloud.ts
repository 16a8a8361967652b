/**
 * One node:http server on 127.0.0.1 that plays RAM (ACS3 or RPC signed), ActionTrail, STS
 * GetCallerIdentity and AssumeRole, Resource Manager ListAccounts, FC 3.0 InvokeFunction, OSS
 * objects and a DingTalk robot, with latency, rate limits and fault injection, for an
 * organisation of accounts (organisation.ts).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeAccount, type FakeKey, type FakeUser, type NewKey, type NewUser } from './account';
import { apiError, errorBody } from './api-error';
import type { SignedRequest } from './authenticate';
import { answerCloudApi, type Exchange, type Gateway, MAX_CLOCK_SKEW_MS } from './cloud-api';
import { CredentialStore, DEFAULT_CREDENTIALS } from './credentials';
import { DingtalkRobot } from './dingtalk-robot';
import { answerDingtalk } from './dingtalk-route';
import { FaultPlan } from './fault-plan';
import { FC_SYNC_MAX_BYTES, type FcRequestRecord } from './fc-invoke';
import { answerFc } from './fc-route';
import { jsonHeaders, readBody, send, Sleeper } from './http-io';
import { NonceCache } from './nonce-cache';
import { DEFAULT_BUCKETS, ObjectStore } from './object-store';
import { Organisation, type NewMemberAccount, type OrgAccount } from './organisation';
import { answerOrganisation } from './organisation-api';
import { answerOss, ossRoute, type OssRequestRecord } from './oss-route';
import { parseParams } from './percent-encoding';
import { errorReply, type Reply } from './replies';
import { createRng, type Rng } from './rng';
import { COMMON_PARAMS, routeRequest } from './routes';
import { CloudStats, type Outcome } from './stats';
import { answerSts, SIMULATOR_ACCOUNT_ID } from './sts-api';
import type { DingtalkOptions, Fault, FakeCloudOptions, FakeCredential, FcHandler, FcInvocationRecord, LatencyRange, RandomFaults, RequestLogEntry } from './types';

export type { FakeCloudOptions } from './types';

/** Most signature nonces remembered at once. */
const NONCE_MEMORY = 200_000;

export const DEFAULT_DINGTALK: DingtalkOptions = { accessToken: 'fake-robot-token', secret: 'SECfake-signing-secret' };
export const DINGTALK_PATH = '/robot/send';

function headerString(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export class FakeCloud {
  readonly stats = new CloudStats();
  /** Every request, when recordRequests is on. */
  readonly requestLog: RequestLogEntry[] = [];
  readonly dingtalk: DingtalkRobot;
  /** The management account's users and keys (the organisation's management account). */
  readonly account: FakeAccount;
  /** The management account and its members, each with its own users, keys, QPS windows and counters. */
  readonly organisation: Organisation;
  /** FC invocations (Sync and Async), oldest first. */
  readonly fcInvocations: FcInvocationRecord[] = [];
  /** Every request to the FC route (refused ones too), oldest first, as received. */
  readonly fcRequests: FcRequestRecord[] = [];
  /** OSS's buckets and objects: read, plant, corrupt or delete objects here. */
  readonly objects: ObjectStore;
  /** Every request to the OSS route (refused ones too), oldest first, as received. */
  readonly ossRequests: OssRequestRecord[] = [];

  private readonly server: Server;
  private readonly credentialStore: CredentialStore;
  private readonly nonces: NonceCache;
  private readonly faults: FaultPlan;
  private readonly sleeper = new Sleeper();
  private readonly latencyRng: Rng;
  private readonly faultRng: Rng;
  private readonly orderRng: Rng;
  private readonly recordRequests: boolean;
  private readonly limitClock: (() => number) | undefined;
  private readonly latency: LatencyRange;
  private fcHandler: FcHandler | undefined;
  private fcNames: ReadonlySet<string>;
  private address: AddressInfo | undefined;

  private constructor(options: FakeCloudOptions) {
    const seed = options.seed ?? 1;
    this.latencyRng = createRng(seed);
    this.faultRng = createRng(seed ^ 0x9e3779b9);
    this.orderRng = createRng(seed ^ 0x85ebca6b);
    this.credentialStore = new CredentialStore(options.credentials ?? [DEFAULT_CREDENTIALS]);
    this.account = options.account ?? new FakeAccount();
    this.latency = options.latencyMs ?? [0, 0];
    this.organisation = new Organisation({ managementAccountId: SIMULATOR_ACCOUNT_ID, managementAccount: this.account, credentials: this.credentialStore, qps: options.qps ?? {} });
    this.faults = new FaultPlan(options.faults ?? {});
    this.recordRequests = options.recordRequests ?? false;
    this.limitClock = options.now;
    this.nonces = new NonceCache(MAX_CLOCK_SKEW_MS, NONCE_MEMORY);
    this.dingtalk = new DingtalkRobot(options.dingtalk ?? DEFAULT_DINGTALK, options.now ?? Date.now);
    this.fcHandler = options.fcHandler;
    this.fcNames = new Set(options.fcFunctions ?? ['stale-key-detector']);
    this.objects = new ObjectStore(options.buckets ?? DEFAULT_BUCKETS);
    this.server = createServer((req, res) => this.onRequest(req, res));
  }

  /** Starts a fake on 127.0.0.1 (use startFakeCloud). */
  static async start(options: FakeCloudOptions = {}): Promise<FakeCloud> {
    const cloud = new FakeCloud(options);
    await new Promise<void>((resolve, reject) => {
      cloud.server.once('error', reject);
      cloud.server.listen({ port: 0, host: '127.0.0.1', ...(options.listenBacklog === undefined ? {} : { backlog: options.listenBacklog }) }, () => {
        cloud.server.off('error', reject);
        resolve();
      });
    });
    cloud.address = cloud.server.address() as AddressInfo;
    return cloud;
  }

  get port(): number {
    if (!this.address) throw new Error('fake cloud is not listening');
    return this.address.port;
  }

  /** `http://127.0.0.1:<port>` (pop-core's endpoint). */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get dingtalkWebhookUrl(): string {
    return `${this.endpoint}${DINGTALK_PATH}?access_token=${encodeURIComponent(this.dingtalk.accessToken)}`;
  }

  // ---- credentials ----

  /** A key the fake accepts; `accountId` names its account (a member must be added first), none = the management account. */
  addCredential(credential: FakeCredential): void {
    if (credential.accountId !== undefined) this.organisation.require(credential.accountId);
    this.credentialStore.add(credential);
  }

  // ---- account ----

  addUser(user: NewUser): FakeUser {
    return this.account.addUser(user);
  }

  addKey(userName: string, key: NewKey): FakeKey {
    return this.account.addKey(userName, key);
  }

  // ---- organisation ----

  /** A member account: ListAccounts lists it, AssumeRole into its roles reaches its users and keys. */
  addMemberAccount(member: NewMemberAccount): OrgAccount {
    return this.organisation.addMember(member);
  }

  memberAccounts(): readonly OrgAccount[] {
    return this.organisation.members();
  }

  /** The counters of the requests made with one account's keys (stats counts every account's). */
  statsOf(accountId: string): CloudStats {
    return this.organisation.require(accountId).stats;
  }

  // ---- knobs ----

  setFaults(faults: RandomFaults): void {
    this.faults.setRandom(faults);
  }

  /** The next `count` requests of `action` ('ram:ListUsers', or bare 'ListUsers') fail with `fault`. */
  failNext(action: string, count: number, fault: Fault): void {
    this.faults.failNext(action, count, fault);
  }

  /** Every ActionTrail look-up of this AccessKeyId fails with `fault`. */
  failKey(accessKeyId: string, fault: Fault): void {
    this.faults.failKey(accessKeyId, fault);
  }

  /** Every call naming this user (RAM ListAccessKeys' UserName) fails with `fault`. */
  failUser(userName: string, fault: Fault): void {
    this.faults.failUser(userName, fault);
  }

  setFcHandler(handler: FcHandler | undefined, functionNames?: readonly string[]): void {
    this.fcHandler = handler;
    if (functionNames) this.fcNames = new Set(functionNames);
  }

  /** Stops listening, ends pending delays and closes keep-alive sockets. */
  async close(): Promise<void> {
    this.sleeper.stop();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  // ---- request handling ----

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.handle(req, res).catch((err: unknown) => {
      const requestId = randomUUID().toUpperCase();
      const error = apiError(500, 'InternalError', `fake cloud bug: ${err instanceof Error ? err.message : String(err)}`);
      send(res, { status: 500, headers: jsonHeaders(requestId), body: errorBody(error, requestId, 'fake', 'Fake') });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const time = Date.now();
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const rawPath = qi < 0 ? url : url.slice(0, qi);
    const query = parseParams(qi < 0 ? '' : url.slice(qi + 1));
    const method = (req.method ?? 'GET').toUpperCase();
    const { body, truncated } = await readBody(req, FC_SYNC_MAX_BYTES + 1);
    const latency = this.sampleLatency();

    if (rawPath === DINGTALK_PATH) {
      await answerDingtalk(req, res, { method, query, body, time, latency }, { robot: this.dingtalk, stats: this.stats, sleeper: this.sleeper, logEntry: (...a) => this.logEntry(...a) });
      return;
    }

    const params = new Map(query);
    const contentType = headerString(req.headers, 'content-type') ?? '';
    if (contentType.startsWith('application/x-www-form-urlencoded')) parseParams(body.toString('utf8'), params);
    const route = ossRoute(method, rawPath, req.headers, this.objects) ?? routeRequest(rawPath, params, req.headers);
    const action = route.qualified;
    const caller = this.organisation.callerOf(req.headers, params);
    this.stats.arrive(action);
    caller.stats.arrive(action);
    const qpsOk = caller.limits.tryAcquire(action, this.limitClock?.() ?? performance.now());
    const entry = this.logEntry(action, params, time);
    let outcome: Outcome = 'injected';
    try {
      const requestId = randomUUID().toUpperCase();
      const signed: SignedRequest = { method, rawPath, query, params, headers: req.headers, body };
      const reply = truncated
        ? errorReply(apiError(413, 'RequestEntityTooLarge', 'The request body is too large.'), route.info, requestId)
        : await this.answer({ route, signed, requestId, qpsOk }, caller.account);
      const alive = await this.sleeper.sleep(latency);
      if (reply.kind === 'reset' || !alive) {
        req.socket.destroy();
        if (entry) entry.code = 'reset';
        return;
      }
      send(res, reply.answer);
      outcome = reply.outcome;
      if (entry) {
        entry.status = reply.answer.status;
        entry.code = reply.code;
      }
    } finally {
      this.stats.finish(action, outcome);
      caller.stats.finish(action, outcome);
    }
  }

  /** `account`: the caller's (RAM and ActionTrail answer from it). */
  private answer(ex: Exchange, account: FakeAccount): Reply | Promise<Reply> {
    const gateway: Gateway = { credentials: this.credentialStore, nonces: this.nonces, faults: this.faults, faultRng: this.faultRng, orderRng: this.orderRng, account };
    if (ex.route.info.product === 'oss') return answerOss(ex, gateway, this.objects, this.ossRequests);
    const organisation = answerOrganisation(ex, gateway, this.organisation);
    if (organisation) return organisation;
    if (ex.route.info.product === 'sts') return answerSts(ex, gateway);
    if (ex.route.info.product !== 'fc') return answerCloudApi(ex, gateway);
    return answerFc(ex, gateway, { handler: this.fcHandler, names: this.fcNames, records: this.fcInvocations }, this.fcRequests);
  }

  private logEntry(action: string, params: ReadonlyMap<string, string>, time: number): RequestLogEntry | undefined {
    if (!this.recordRequests) return undefined;
    const kept: Record<string, string> = {};
    for (const [k, v] of params) if (!COMMON_PARAMS.has(k) && k !== 'access_token' && k !== 'sign') kept[k] = v;
    const entry: RequestLogEntry = { action, params: kept, time, status: 0, code: undefined };
    this.requestLog.push(entry);
    return entry;
  }

  private sampleLatency(): number {
    const [min, max] = this.latency;
    if (max <= 0) return 0;
    return min + this.latencyRng() * Math.max(0, max - min);
  }
}

/** Starts the fake on 127.0.0.1, on a free port. */
export function startFakeCloud(options?: FakeCloudOptions): Promise<FakeCloud> {
  return FakeCloud.start(options);
}
