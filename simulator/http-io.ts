import { setMaxListeners } from 'node:events';
/** Small node:http helpers: body reading, answers, abortable sleeps. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

export interface ReadBody {
  readonly body: Buffer;
  /** True when the body was longer than the limit (the rest was read and dropped). */
  readonly truncated: boolean;
}

export function readBody(req: IncomingMessage, maxBytes: number): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    req.on('data', (chunk: Buffer) => {
      if (truncated) return;
      size += chunk.length;
      if (size > maxBytes) {
        truncated = true;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve({ body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks), truncated }));
    req.on('error', reject);
  });
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
}

/** Writes the answer unless the client went away. */
export function send(res: ServerResponse, answer: HttpAnswer): void {
  if (res.destroyed || res.writableEnded) return;
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body, 'utf8') : answer.body;
  res.writeHead(answer.status, { ...answer.headers, 'content-length': String(body.length) });
  res.end(body);
}

export function jsonHeaders(requestId: string): Record<string, string> {
  return { 'content-type': 'application/json;charset=utf-8', 'x-acs-request-id': requestId };
}

/** Sleeps that all end at once when the server closes (so nothing keeps the process alive). */
export class Sleeper {
  private readonly controller = new AbortController();

  constructor() {
    // Thousands of requests sleep on this one signal at once under load: not a leak.
    setMaxListeners(0, this.controller.signal);
  }

  /** Resolves true after `ms`, or false when aborted. */
  async sleep(ms: number): Promise<boolean> {
    if (this.controller.signal.aborted) return false;
    if (ms <= 0) return true;
    try {
      await delay(ms, undefined, { signal: this.controller.signal });
      return true;
    } catch {
      return false;
    }
  }

  /** Ends every pending sleep (they resolve false) and makes later ones return false at once. */
  stop(): void {
    this.controller.abort();
  }
}
