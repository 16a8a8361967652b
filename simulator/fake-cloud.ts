/**
 * One node:http server on 127.0.0.1 that plays RAM (ACS3 or RPC signed), ActionTrail, FC 3.0
 * InvokeFunction and a DingTalk robot, with latency, rate limits and fault injection.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeAccount, type FakeKey, type FakeUser, type NewKey, type NewUser, type ProductUse } from './account';
import { handleActionTrail } from './actiontrail-api';
import { apiError, errorBody, errors, type ApiError } from './api-error';
import type { ApiOutcome } from './api-outcome';
import { authenticate, authenticateFc, authorize, type SignedRequest } from './authenticate';
import { CredentialStore, DEFAULT_CREDENTIALS } from './credentials';
import { MINUTE_MS } from './dates';
import { DingtalkRobot, dingtalkSign } from './dingtalk-robot';
import { FaultPlan } from './fault-plan';
import { FC_SYNC_MAX_BYTES, fcErrorAnswer, fcErrors, invokeFunction, type FcRequestRecord } from './fc-invoke';
import { jsonHeaders, readBody, send, Sleeper } from './http-io';
import { NonceCache } from './nonce-cache';
import { parseParams } from './percent-encoding';
import { handleRam } from './ram-api';
import { ActionRateLimits } from './rate-window';
import { errorReply, faultReply, successReply, type Reply } from './replies';
import { createRng, type Rng } from './rng';
import { COMMON_PARAMS, routeRequest, type Route } from './routes';
import { CloudStats, type Outcome } from './stats';
import type {
  DingtalkOptions,
  Fault,
  FakeCredential,
  FcHandler,
  FcInvocationRecord,
  LatencyRange,
  QpsLimits,
  RandomFaults,
  RequestLogEntry,
} from './types';

export interface FakeCloudOptions {
  /** Keys the fake accepts (default: [DEFAULT_CREDENTIALS]). */
  readonly credentials?: readonly FakeCredential[] | undefined;
  /** The account served by RAM and ActionTrail (default: an empty account). */
  readonly account?: FakeAccount | undefined;
  /** Uniform random delay per request (default [0, 0]). */
  readonly latencyMs?: LatencyRange | undefined;
  readonly qps?: QpsLimits | undefined;
  readonly faults?: RandomFaults | undefined;
  /** Seed of every random choice (latency, faults, product order). Default 1. */
  readonly seed?: number | undefined;
  /** Keep requestLog and per-action arrival times (off by default: memory). */
  readonly recordRequests?: boolean | undefined;
  /** Default: accessToken 'fake-robot-token', secret 'SECfake-signing-secret', no keywords. */
  readonly dingtalk?: DingtalkOptions | undefined;
  /** The DingTalk robot's clock (20/min window, block, timestamp check). Default Date.now. */
  readonly now?: (() => number) | undefined;
  readonly fcHandler?: FcHandler | undefined;
  /** Names of deployed functions (default ['stale-key-detector']). */
  readonly fcFunctions?: readonly string[] | undefined;
  /** ActionTrail forgets uses older than this many days (default 400; null = never). */
  readonly actionTrailRetentionDays?: number | null | undefined;
  /** Allowed clock skew of Timestamp / x-acs-date (default 15 min). */
  readonly maxClockSkewMs?: number | undefined;
  /** Most nonces remembered at once (default 200,000). */
  readonly nonceMemory?: number | undefined;
  /** Default 0 (any free port). */
  readonly port?: number | undefined;
}

/** What @alicloud/openapi-core's Config needs to talk to the fake. */
export interface FakeClientConfig {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  /** host:port, for openapi-core's `endpoint` (pop-core wants `cloud.endpoint` instead). */
  endpoint: string;
  protocol: 'http';
}

export const DEFAULT_DINGTALK: DingtalkOptions = { accessToken: 'fake-robot-token', secret: 'SECfake-signing-secret' };
export const DINGTALK_PATH = '/robot/send';

interface Exchange {
  readonly route: Route;
  readonly signed: SignedRequest;
  readonly requestId: string;
  readonly qpsOk: boolean;
}

function headerString(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export class FakeCloud {
  readonly stats = new CloudStats();
  /** Every request, when recordRequests is on. */
  readonly requestLog: RequestLogEntry[] = [];
  readonly dingtalk: DingtalkRobot;
  readonly account: FakeAccount;
  /** FC invocations (Sync and Async), oldest first. */
  readonly fcInvocations: FcInvocationRecord[] = [];
  /** Every request to the FC route (refused ones too), oldest first, as received. */
  readonly fcRequests: FcRequestRecord[] = [];

  private readonly server: Server;
  private readonly credentialStore: CredentialStore;
  private readonly nonces: NonceCache;
  private readonly limits: ActionRateLimits;
  private readonly faults: FaultPlan;
  private readonly sleeper = new Sleeper();
  private readonly latencyRng: Rng;
  private readonly faultRng: Rng;
  private readonly orderRng: Rng;
  private readonly recordRequests: boolean;
  private readonly retentionDays: number | null;
  private readonly maxSkewMs: number;
  private latency: LatencyRange;
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
    this.limits = new ActionRateLimits(options.qps ?? {});
    this.faults = new FaultPlan(options.faults ?? {});
    this.recordRequests = options.recordRequests ?? false;
    this.retentionDays = options.actionTrailRetentionDays === undefined ? 400 : options.actionTrailRetentionDays;
    this.maxSkewMs = options.maxClockSkewMs ?? 15 * MINUTE_MS;
    this.nonces = new NonceCache(15 * MINUTE_MS, options.nonceMemory ?? 200_000);
    this.dingtalk = new DingtalkRobot(options.dingtalk ?? DEFAULT_DINGTALK, options.now ?? Date.now);
    this.fcHandler = options.fcHandler;
    this.fcNames = new Set(options.fcFunctions ?? ['stale-key-detector']);
    this.server = createServer((req, res) => this.onRequest(req, res));
  }

  /** Starts a fake on 127.0.0.1 (use startFakeCloud). */
  static async start(options: FakeCloudOptions = {}): Promise<FakeCloud> {
    const cloud = new FakeCloud(options);
    await new Promise<void>((resolve, reject) => {
      cloud.server.once('error', reject);
      cloud.server.listen(options.port ?? 0, '127.0.0.1', () => {
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

  /** `127.0.0.1:<port>` (openapi-core's endpoint, with protocol 'http'). */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  get dingtalkWebhookUrl(): string {
    return `${this.endpoint}${DINGTALK_PATH}?access_token=${encodeURIComponent(this.dingtalk.accessToken)}`;
  }

  /** The webhook URL with `timestamp` and `sign` for the robot's secret (at the robot's clock by default). */
  signedDingtalkUrl(timestamp?: number): string {
    const secret = this.dingtalk.options.secret;
    if (!secret) return this.dingtalkWebhookUrl;
    const ts = timestamp ?? this.dingtalk.currentTime();
    return `${this.dingtalkWebhookUrl}&timestamp=${ts}&sign=${encodeURIComponent(dingtalkSign(secret, ts))}`;
  }

  // ---- credentials ----

  get credentials(): FakeCredential[] {
    return this.credentialStore.list();
  }

  addCredential(credential: FakeCredential): void {
    this.credentialStore.add(credential);
  }

  removeCredential(accessKeyId: string): boolean {
    return this.credentialStore.remove(accessKeyId);
  }

  /** Config fields for openapi-core clients (RAM, FC) using a known credential (default: the first). */
  clientConfig(accessKeyId?: string): FakeClientConfig {
    const credential = accessKeyId === undefined ? this.credentialStore.list()[0] : this.credentialStore.get(accessKeyId);
    if (!credential) throw new Error(`no such credential: ${accessKeyId ?? '(none configured)'}`);
    const config: FakeClientConfig = {
      accessKeyId: credential.accessKeyId,
      accessKeySecret: credential.accessKeySecret,
      endpoint: this.host,
      protocol: 'http',
    };
    if (credential.securityToken !== undefined) config.securityToken = credential.securityToken;
    return config;
  }

  // ---- account ----

  addUser(user: NewUser): FakeUser {
    return this.account.addUser(user);
  }

  addKey(userName: string, key: NewKey): FakeKey {
    return this.account.addKey(userName, key);
  }

  setProducts(accessKeyId: string, products: readonly ProductUse[]): void {
    this.account.setProducts(accessKeyId, products);
  }

  // ---- knobs ----

  setLatency(range: LatencyRange): void {
    this.latency = range;
  }

  setQps(qps: QpsLimits): void {
    this.limits.set(qps);
  }

  setFaults(faults: RandomFaults): void {
    this.faults.setRandom(faults);
  }

  /** The next `count` requests of `action` ('ram:ListUsers', or bare 'ListUsers') fail with `fault`. */
  failNext(action: string, count: number, fault: Fault): void {
    this.faults.failNext(action, count, fault);
  }

  /** Every look-up of this AccessKeyId (ActionTrail AccessKey, RAM UserAccessKeyId) fails with `fault`. */
  failKey(accessKeyId: string, fault: Fault): void {
    this.faults.failKey(accessKeyId, fault);
  }

  /** Every call naming this user (RAM ListAccessKeys' UserName) fails with `fault`. */
  failUser(userName: string, fault: Fault): void {
    this.faults.failUser(userName, fault);
  }

  /** Drops scripted faults (failNext, failKey) of the cloud APIs and of the DingTalk robot. */
  clearFaults(): void {
    this.faults.clear();
    this.dingtalk.clearFaults();
  }

  setFcHandler(handler: FcHandler | undefined, functionNames?: readonly string[]): void {
    this.fcHandler = handler;
    if (functionNames) this.fcNames = new Set(functionNames);
  }

  resetStats(): void {
    this.stats.reset();
    this.requestLog.length = 0;
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
    const arrivedAt = performance.now();
    const time = Date.now();
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const rawPath = qi < 0 ? url : url.slice(0, qi);
    const query = parseParams(qi < 0 ? '' : url.slice(qi + 1));
    const method = (req.method ?? 'GET').toUpperCase();
    const { body, truncated } = await readBody(req, FC_SYNC_MAX_BYTES + 1);
    const latency = this.sampleLatency();

    if (rawPath === DINGTALK_PATH) {
      await this.handleDingtalk(req, res, { method, query, body, arrivedAt, time, latency });
      return;
    }

    const params = new Map(query);
    const contentType = headerString(req.headers, 'content-type') ?? '';
    if (contentType.startsWith('application/x-www-form-urlencoded')) parseParams(body.toString('utf8'), params);
    const route = routeRequest(rawPath, params, req.headers);
    const action = route.qualified;
    this.stats.arrive(action, arrivedAt, this.recordRequests);
    const qpsOk = this.limits.tryAcquire(action, arrivedAt);
    const entry = this.logEntry(action, params, time, arrivedAt);
    let outcome: Outcome = 'injected';
    try {
      const requestId = randomUUID().toUpperCase();
      const signed: SignedRequest = { method, rawPath, query, params, headers: req.headers, body };
      const reply = truncated
        ? errorReply(apiError(413, 'RequestEntityTooLarge', 'The request body is too large.'), route.info, requestId)
        : await this.process({ route, signed, requestId, qpsOk });
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
    }
  }

  private async process(ex: Exchange): Promise<Reply> {
    const { route, requestId } = ex;
    if (route.info.product === 'fc') return this.processFc(ex);
    const scripted = this.faults.takeScripted(route.qualified, route.action);
    if (scripted) {
      const reply = await this.applyFault(scripted, route, requestId);
      if (reply) return reply;
    }
    if (route.error) return errorReply(route.error, route.info, requestId);
    const auth = authenticate(ex.signed, {
      credentials: this.credentialStore,
      nonces: this.nonces,
      nowMs: Date.now(),
      maxSkewMs: this.maxSkewMs,
    });
    if (!auth.ok) return errorReply(auth.error, route.info, requestId);
    const denied = authorize(auth.credential, route.qualified);
    if (denied) return errorReply(denied, route.info, requestId);
    if (!ex.qpsOk) return errorReply(errors.throttlingUser(), route.info, requestId, 'throttled');
    const random = this.faults.roll(this.faultRng);
    if (random) {
      return errorReply(random, route.info, requestId, random.code.startsWith('Throttling') ? 'injected-throttle' : 'injected');
    }
    const params = ex.signed.params;
    const keyFault = this.faults.keyFault(params.get('AccessKey') ?? params.get('UserAccessKeyId')) ?? this.faults.userFault(params.get('UserName'));
    if (keyFault) {
      const reply = await this.applyFault(keyFault, route, requestId);
      if (reply) return reply;
    }
    const outcome = this.callApi(route, params);
    if (!outcome) return errorReply(errors.apiNotFound(), route.info, requestId);
    if (!outcome.ok) return errorReply(outcome.error, route.info, requestId);
    return successReply(requestId, outcome.body);
  }

  private callApi(route: Route, params: ReadonlyMap<string, string>): ApiOutcome | undefined {
    switch (route.info.product) {
      case 'ram':
        return handleRam(route.action, params, this.account);
      case 'actiontrail':
        return handleActionTrail(route.action, params, {
          account: this.account,
          rng: this.orderRng,
          nowMs: Date.now(),
          retentionDays: this.retentionDays,
        });
      default:
        return undefined;
    }
  }

  /**
   * FC 3.0: FC's own signature (as @alicloud/fc2 sends it) and FC's error answers. Scripted faults
   * apply; the random RAM / ActionTrail faults do not.
   */
  private async processFc(ex: Exchange): Promise<Reply> {
    const { requestId, signed } = ex;
    const record: FcRequestRecord = {
      requestId,
      method: signed.method,
      path: signed.rawPath,
      query: Object.fromEntries(signed.query),
      headers: { ...signed.headers },
      status: 0,
    };
    this.fcRequests.push(record);
    const reply = await this.answerFc(ex);
    if (reply.kind === 'answer') {
      record.status = reply.answer.status;
      if (reply.code !== undefined) record.errorCode = reply.code;
    }
    return reply;
  }

  private async answerFc(ex: Exchange): Promise<Reply> {
    const { route, requestId } = ex;
    const scripted = this.faults.takeScripted(route.qualified, route.action);
    if (scripted?.kind === 'error') {
      const error = apiError(scripted.status, scripted.code, scripted.message ?? `Injected fault: ${scripted.code}`);
      return fcErrorReply(error, requestId, 'injected');
    }
    if (scripted) {
      const reply = await this.applyFault(scripted, route, requestId);
      if (reply) return reply;
    }
    const auth = authenticateFc(ex.signed, {
      credentials: this.credentialStore,
      nonces: this.nonces,
      nowMs: Date.now(),
      maxSkewMs: this.maxSkewMs,
    });
    if (!auth.ok) return fcErrorReply(auth.error, requestId);
    if (authorize(auth.credential, route.qualified)) return fcErrorReply(fcErrors.accessDenied(route.qualified), requestId);
    if (!ex.qpsOk) return fcErrorReply(fcErrors.throttled(), requestId, 'throttled');
    return this.invokeFc(ex);
  }

  private async invokeFc(ex: Exchange): Promise<Reply> {
    const result = await invokeFunction(
      { handler: this.fcHandler, names: this.fcNames, records: this.fcInvocations },
      {
        functionName: ex.route.functionName ?? '',
        qualifier: ex.signed.query.get('qualifier'),
        headers: ex.signed.headers,
        body: ex.signed.body,
        requestId: ex.requestId,
      },
    );
    if ('code' in result) return fcErrorReply(result, ex.requestId);
    return { kind: 'answer', answer: result, outcome: 'success', code: undefined };
  }

  /** A reply for the fault, or undefined when the request should go on (after a hang). */
  private async applyFault(fault: Fault, route: Route, requestId: string): Promise<Reply | undefined> {
    if (fault.kind !== 'hang') return faultReply(fault, route.info, requestId);
    return (await this.sleeper.sleep(fault.ms)) ? undefined : { kind: 'reset' };
  }

  private async handleDingtalk(
    req: IncomingMessage,
    res: ServerResponse,
    r: { method: string; query: Map<string, string>; body: Buffer; arrivedAt: number; time: number; latency: number },
  ): Promise<void> {
    const action = 'dingtalk:send';
    this.stats.arrive(action, r.arrivedAt, this.recordRequests);
    const entry = this.logEntry(action, r.query, r.time, r.arrivedAt);
    let outcome: Outcome = 'injected';
    try {
      const result = this.dingtalk.handle(r.method, r.query, r.body);
      if (!(await this.sleeper.sleep(r.latency))) {
        req.socket.destroy();
        return;
      }
      send(res, { status: 200, headers: { 'content-type': 'application/json;charset=utf-8' }, body: JSON.stringify(result) });
      outcome = result.errcode === 0 ? 'success' : result.errcode === 130101 ? 'throttled' : 'error';
      if (entry) {
        entry.status = 200;
        entry.code = String(result.errcode);
      }
    } finally {
      this.stats.finish(action, outcome);
    }
  }

  private logEntry(action: string, params: ReadonlyMap<string, string>, time: number, arrivedAt: number): RequestLogEntry | undefined {
    if (!this.recordRequests) return undefined;
    const kept: Record<string, string> = {};
    for (const [k, v] of params) if (!COMMON_PARAMS.has(k) && k !== 'access_token' && k !== 'sign') kept[k] = v;
    const entry: RequestLogEntry = { action, params: kept, time, arrivedAt, status: 0, code: undefined };
    this.requestLog.push(entry);
    return entry;
  }

  private sampleLatency(): number {
    const [min, max] = this.latency;
    if (max <= 0) return 0;
    return min + this.latencyRng() * Math.max(0, max - min);
  }
}

function fcErrorReply(error: ApiError, requestId: string, outcome: Outcome = 'error'): Reply {
  return { kind: 'answer', answer: fcErrorAnswer(error, requestId), outcome, code: error.code };
}

/** Starts the fake on 127.0.0.1, on a free port unless `options.port` is given. */
export function startFakeCloud(options?: FakeCloudOptions): Promise<FakeCloud> {
  return FakeCloud.start(options);
}
