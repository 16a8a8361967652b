import type { ApiError } from './api-error';

/** What an API handler answers: a JSON body (RequestId is added by the server) or an error. */
export type ApiOutcome =
  | { readonly ok: true; readonly body: Record<string, unknown> }
  | { readonly ok: false; readonly error: ApiError };

export function ok(body: Record<string, unknown>): ApiOutcome {
  return { ok: true, body };
}

export function failed(error: ApiError): ApiOutcome {
  return { ok: false, error };
}
