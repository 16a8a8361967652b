/**
 * One FC 3.0 request, after routing: FC's own signature (as @alicloud/fc2 sends it) and FC's
 * error answers, then InvokeFunction (fc-invoke.ts). Scripted faults apply; the random RAM /
 * ActionTrail faults do not. Every request is recorded in `requests`, refused ones too.
 */
import { apiError, type ApiError } from './api-error';
import { authenticateFc, authorize } from './authenticate';
import { type Exchange, type Gateway, MAX_CLOCK_SKEW_MS } from './cloud-api';
import { fcErrorAnswer, fcErrors, invokeFunction, type FcFunctions, type FcRequestRecord } from './fc-invoke';
import { faultReply, type Reply } from './replies';
import type { Outcome } from './stats';

export async function answerFc(ex: Exchange, gw: Gateway, fns: FcFunctions, requests: FcRequestRecord[]): Promise<Reply> {
  const { requestId, signed } = ex;
  const record: FcRequestRecord = {
    requestId,
    method: signed.method,
    path: signed.rawPath,
    query: Object.fromEntries(signed.query),
    headers: { ...signed.headers },
    status: 0,
  };
  requests.push(record);
  const reply = await answer(ex, gw, fns);
  if (reply.kind === 'answer') {
    record.status = reply.answer.status;
    if (reply.code !== undefined) record.errorCode = reply.code;
  }
  return reply;
}

async function answer(ex: Exchange, gw: Gateway, fns: FcFunctions): Promise<Reply> {
  const { route, requestId } = ex;
  const scripted = gw.faults.takeScripted(route.qualified, route.action);
  if (scripted?.kind === 'error') {
    const error = apiError(scripted.status, scripted.code, scripted.message ?? `Injected fault: ${scripted.code}`);
    return fcErrorReply(error, requestId, 'injected');
  }
  if (scripted) return faultReply(scripted, route.info, requestId);
  const auth = authenticateFc(ex.signed, { credentials: gw.credentials, nonces: gw.nonces, nowMs: Date.now(), maxSkewMs: MAX_CLOCK_SKEW_MS });
  if (!auth.ok) return fcErrorReply(auth.error, requestId);
  if (authorize(auth.credential, route.qualified)) return fcErrorReply(fcErrors.accessDenied(route.qualified), requestId);
  if (!ex.qpsOk) return fcErrorReply(fcErrors.throttled(), requestId, 'throttled');
  const result = await invokeFunction(fns, {
    functionName: route.functionName ?? '',
    qualifier: ex.signed.query.get('qualifier'),
    headers: ex.signed.headers,
    body: ex.signed.body,
    requestId,
  });
  if ('code' in result) return fcErrorReply(result, requestId);
  return { kind: 'answer', answer: result, outcome: 'success', code: undefined };
}

function fcErrorReply(error: ApiError, requestId: string, outcome: Outcome = 'error'): Reply {
  return { kind: 'answer', answer: fcErrorAnswer(error, requestId), outcome, code: error.code };
}
