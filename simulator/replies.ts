/** The answers of the cloud APIs: JSON successes, Alibaba Cloud errors and injected faults. */
import { STATUS_CODES } from 'node:http';
import { apiError, errorBody, type ApiError } from './api-error';
import { jsonHeaders, type HttpAnswer } from './http-io';
import type { ProductInfo } from './routes';
import type { Outcome } from './stats';
import type { Fault } from './types';

export type Reply =
  | { readonly kind: 'answer'; readonly answer: HttpAnswer; readonly outcome: Outcome; readonly code: string | undefined }
  | { readonly kind: 'reset' };

/** A gateway's error page (Tengine, as Alibaba Cloud's front ends show). */
export function htmlErrorPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n`;
}

export function successReply(requestId: string, body: Record<string, unknown>): Reply {
  return {
    kind: 'answer',
    answer: { status: 200, headers: jsonHeaders(requestId), body: JSON.stringify({ RequestId: requestId, ...body }) },
    outcome: 'success',
    code: undefined,
  };
}

/** An error answer; a Throttling code counts as throttled unless `outcome` says otherwise. */
export function errorReply(error: ApiError, info: ProductInfo, requestId: string, outcome: Outcome = 'error'): Reply {
  return {
    kind: 'answer',
    answer: { status: error.status, headers: jsonHeaders(requestId), body: errorBody(error, requestId, info.hostId, info.label) },
    outcome: outcome === 'error' && error.code.startsWith('Throttling') ? 'throttled' : outcome,
    code: error.code,
  };
}

/** The reply for an injected fault. */
export function faultReply(fault: Fault, info: ProductInfo, requestId: string): Reply {
  switch (fault.kind) {
    case 'reset':
      return { kind: 'reset' };
    case 'non-json':
      return {
        kind: 'answer',
        answer: { status: fault.status, headers: { 'content-type': 'text/html' }, body: htmlErrorPage(fault.status) },
        outcome: 'injected',
        code: undefined,
      };
    case 'no-code-5xx':
      return {
        kind: 'answer',
        answer: { status: fault.status, headers: jsonHeaders(requestId), body: JSON.stringify({ RequestId: requestId, Message: 'gateway' }) },
        outcome: 'injected',
        code: undefined,
      };
    case 'body':
      return {
        kind: 'answer',
        answer: { status: fault.status, headers: jsonHeaders(requestId), body: JSON.stringify({ RequestId: requestId, ...fault.body }) },
        outcome: 'injected',
        code: undefined,
      };
    case 'error': {
      const error = apiError(fault.status, fault.code, fault.message ?? `Injected fault: ${fault.code}`);
      return errorReply(error, info, requestId, fault.code.includes('Throttling') ? 'injected-throttle' : 'injected');
    }
  }
}
