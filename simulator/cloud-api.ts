/**
 * One RAM or ActionTrail request, after routing: scripted faults, the gateway's checks
 * (signature, key, STS token, nonce, permission), the QPS limit, random faults, then the API.
 */
import type { FakeAccount } from './account';
import { handleActionTrail } from './actiontrail-api';
import { errors } from './api-error';
import type { ApiOutcome } from './api-outcome';
import { authenticate, authorize, type SignedRequest } from './authenticate';
import type { CredentialStore } from './credentials';
import { MINUTE_MS } from './dates';
import type { FaultPlan } from './fault-plan';
import type { NonceCache } from './nonce-cache';
import { handleRam } from './ram-api';
import { errorReply, faultReply, successReply, type Reply } from './replies';
import type { Rng } from './rng';
import type { Route } from './routes';
import type { FakeCredential } from './types';

/** ActionTrail keeps 400 days of records. */
const ACTIONTRAIL_RETENTION_DAYS = 400;
/** Allowed clock skew of Timestamp / x-acs-date / Date. */
export const MAX_CLOCK_SKEW_MS = 15 * MINUTE_MS;

/** A routed request on its way to an answer. */
export interface Exchange {
  readonly route: Route;
  readonly signed: SignedRequest;
  readonly requestId: string;
  /** False when the request is over its API's QPS limit. */
  readonly qpsOk: boolean;
}

/** What answering needs of the simulator's state. */
export interface Gateway {
  readonly credentials: CredentialStore;
  readonly nonces: NonceCache;
  readonly faults: FaultPlan;
  readonly faultRng: Rng;
  readonly orderRng: Rng;
  readonly account: FakeAccount;
}

/**
 * The checks every RPC-style API answers first, in the cloud's order: scripted faults, routing
 * errors, the signature (key, STS token, nonce, clock), the permission when the action needs
 * one, then the QPS limit. Resolves to the refusal, or to the caller's credential.
 */
export function admit(ex: Exchange, gw: Gateway, options: { readonly authorize: boolean }): { readonly refused: Reply } | { readonly credential: FakeCredential } {
  const { route, requestId } = ex;
  const scripted = gw.faults.takeScripted(route.qualified, route.action);
  if (scripted) return { refused: faultReply(scripted, route.info, requestId) };
  if (route.error) return { refused: errorReply(route.error, route.info, requestId) };
  const auth = authenticate(ex.signed, { credentials: gw.credentials, nonces: gw.nonces, nowMs: Date.now(), maxSkewMs: MAX_CLOCK_SKEW_MS });
  if (!auth.ok) return { refused: errorReply(auth.error, route.info, requestId) };
  const denied = options.authorize ? authorize(auth.credential, route.qualified) : undefined;
  if (denied) return { refused: errorReply(denied, route.info, requestId) };
  if (!ex.qpsOk) return { refused: errorReply(errors.throttlingUser(), route.info, requestId, 'throttled') };
  return { credential: auth.credential };
}

export function answerCloudApi(ex: Exchange, gw: Gateway): Reply {
  const { route, requestId } = ex;
  const admitted = admit(ex, gw, { authorize: true });
  if ('refused' in admitted) return admitted.refused;
  const random = gw.faults.roll(gw.faultRng);
  if (random) return errorReply(random, route.info, requestId, random.code.startsWith('Throttling') ? 'injected-throttle' : 'injected');
  const params = ex.signed.params;
  const keyFault = gw.faults.keyFault(params.get('AccessKey')) ?? gw.faults.userFault(params.get('UserName'));
  if (keyFault) return faultReply(keyFault, route.info, requestId);
  const outcome = callApi(route, params, gw);
  if (!outcome) return errorReply(errors.apiNotFound(), route.info, requestId);
  if (!outcome.ok) return errorReply(outcome.error, route.info, requestId);
  return successReply(requestId, outcome.body);
}

function callApi(route: Route, params: ReadonlyMap<string, string>, gw: Gateway): ApiOutcome | undefined {
  switch (route.info.product) {
    case 'ram':
      return handleRam(route.action, params, gw.account);
    case 'actiontrail':
      return handleActionTrail(route.action, params, { account: gw.account, rng: gw.orderRng, nowMs: Date.now(), retentionDays: ACTIONTRAIL_RETENTION_DAYS });
    default:
      return undefined;
  }
}
