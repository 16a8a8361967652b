/** Public option and data types of the fake cloud. */
import type { FakeAccount } from './account';

/** A key the fake accepts. `allowedActions` like 'ram:ListUsers'; undefined = every action. */
export interface FakeCredential {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
  readonly allowedActions?: readonly string[] | undefined;
  /** The account the key belongs to (organisation.ts); undefined = the management account, SIMULATOR_ACCOUNT_ID. */
  readonly accountId?: string | undefined;
  /** An STS key's role and session, as GetCallerIdentity names them; undefined = the function's role and a session named after the key. */
  readonly roleName?: string | undefined;
  readonly sessionName?: string | undefined;
  /** Wall-clock ms from which the key is refused (an AssumeRole session's Expiration); undefined = never. */
  readonly expiresAt?: number | undefined;
}

/** A scripted failure for one request. */
export type Fault =
  | { readonly kind: 'error'; readonly status: number; readonly code: string; readonly message?: string }
  /** An HTML page (e.g. a gateway's 502) instead of JSON. */
  | { readonly kind: 'non-json'; readonly status: number }
  /** JSON without a Code, e.g. `{"RequestId":"x","Message":"gateway"}`. */
  | { readonly kind: 'no-code-5xx'; readonly status: number }
  /** This JSON body (RequestId added) with this status, e.g. an HTTP 500 that still carries {"Products": []}. */
  | { readonly kind: 'body'; readonly status: number; readonly body: Readonly<Record<string, unknown>> }
  /** Destroy the socket without an answer. */
  | { readonly kind: 'reset' };

/** Probabilities per RAM / ActionTrail request. */
export interface RandomFaults {
  /** Answer 400 Throttling.User. */
  readonly throttleRate?: number;
  /** Answer 503 ServiceUnavailable or 500 InternalError (half each). */
  readonly serverErrorRate?: number;
}

/**
 * Requests per second (sliding 1 s window, counted at arrival), keyed like 'ram:ListUsers'. Quotas
 * are per account, as on the cloud: every account of the organisation has its own windows.
 */
export interface QpsLimits {
  readonly 'ram:ListUsers'?: number;
  readonly 'ram:ListAccessKeys'?: number;
  readonly 'actiontrail:GetAccessKeyLastUsedProducts'?: number;
  readonly [action: string]: number | undefined;
}

export type LatencyRange = readonly [minMs: number, maxMs: number];

export interface FcInvocationOutcome {
  /** What the function returned: a string or Buffer is sent as it is, anything else as JSON. */
  readonly result?: unknown;
  /** Log lines; sent back base64-encoded in x-fc-log-result when x-fc-log-type is Tail. */
  readonly log?: string;
  /** Set when the function failed (an unhandled error). A rejected promise is treated the same. */
  readonly error?: { readonly errorMessage: string; readonly errorType: string };
}

export type FcHandler = (functionName: string, body: Buffer) => Promise<FcInvocationOutcome>;

export interface FcInvocationRecord {
  readonly requestId: string;
  readonly functionName: string;
  readonly qualifier: string | undefined;
  readonly invocationType: 'Sync' | 'Async';
  readonly body: Buffer;
  /** Filled in when the handler has finished. */
  outcome?: 'ok' | 'error';
  errorType?: string;
}

export interface DingtalkOptions {
  readonly accessToken: string;
  /** Signing secret ("加签", starts with SEC); undefined = signing off. */
  readonly secret?: string | undefined;
  /** Custom keywords; the message must contain one. undefined / empty = off. */
  readonly keywords?: readonly string[] | undefined;
}

export interface ActionStats {
  requests: number;
  successes: number;
  /** Answers with a Throttling code (qps limit, random or scripted). */
  throttled: number;
  /** Answers produced by fault injection (random or scripted, incl. resets). */
  injectedErrors: number;
  /** Every answer that was not 2xx (incl. the above). */
  errors: number;
  inFlight: number;
  maxInFlight: number;
}

export interface RequestLogEntry {
  /** Qualified action, e.g. 'ram:ListUsers'. */
  readonly action: string;
  /** API parameters (signature and common parameters left out). */
  readonly params: Readonly<Record<string, string>>;
  /** Wall clock at arrival (Date.now()). */
  readonly time: number;
  status: number;
  code: string | undefined;
}

export interface FakeCloudOptions {
  /** Keys the fake accepts (default: [DEFAULT_CREDENTIALS]). */
  readonly credentials?: readonly FakeCredential[] | undefined;
  /** The management account's users and keys, served by RAM and ActionTrail (default: an empty account). Members: FakeCloud.addMemberAccount. */
  readonly account?: FakeAccount | undefined;
  /** Uniform random delay per request (default [0, 0]). */
  readonly latencyMs?: LatencyRange | undefined;
  readonly qps?: QpsLimits | undefined;
  readonly faults?: RandomFaults | undefined;
  /** Seed of every random choice (latency, faults, product order). Default 1. */
  readonly seed?: number | undefined;
  /** Keep requestLog (off by default: memory). */
  readonly recordRequests?: boolean | undefined;
  /**
   * The server's listen backlog (default Node's, 511). Many workers connecting at once on a busy
   * machine overflow 511 (npm run bench -- --organisation); on the cloud each service takes its own.
   */
  readonly listenBacklog?: number | undefined;
  /** Default: accessToken 'fake-robot-token', secret 'SECfake-signing-secret', no keywords. */
  readonly dingtalk?: DingtalkOptions | undefined;
  /**
   * The clock of the simulator's limits: the QPS windows and the DingTalk robot (20 a minute, its
   * block, its timestamp check), e.g. a test's virtual clock. Default: real time. Signatures are
   * always checked against the wall clock, which is what the SDKs sign with.
   */
  readonly now?: (() => number) | undefined;
  readonly fcHandler?: FcHandler | undefined;
  /** Names of deployed functions (default ['stale-key-detector']). */
  readonly fcFunctions?: readonly string[] | undefined;
  /** OSS buckets that exist (default ['stale-key-state']); FakeCloud.objects holds their objects. */
  readonly buckets?: readonly string[] | undefined;
}
