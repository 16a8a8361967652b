/** The DingTalk robot's route (/robot/send) of the fake cloud: counted, logged and delayed like the cloud APIs. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DingtalkRobot } from './dingtalk-robot';
import { send, type Sleeper } from './http-io';
import type { CloudStats, Outcome } from './stats';
import type { RequestLogEntry } from './types';

export interface DingtalkExchange {
  readonly method: string;
  readonly query: Map<string, string>;
  readonly body: Buffer;
  /** Wall clock at arrival. */
  readonly time: number;
  /** The delay before the answer (ms). */
  readonly latency: number;
}

export interface DingtalkRouteDeps {
  readonly robot: DingtalkRobot;
  readonly stats: CloudStats;
  readonly sleeper: Sleeper;
  /** The request log's entry for this request, when the log is on. */
  readonly logEntry: (action: string, params: ReadonlyMap<string, string>, time: number) => RequestLogEntry | undefined;
}

export async function answerDingtalk(req: IncomingMessage, res: ServerResponse, r: DingtalkExchange, deps: DingtalkRouteDeps): Promise<void> {
  const action = 'dingtalk:send';
  deps.stats.arrive(action);
  const entry = deps.logEntry(action, r.query, r.time);
  let outcome: Outcome = 'injected';
  try {
    const result = deps.robot.handle(r.method, r.query, r.body);
    if (!(await deps.sleeper.sleep(r.latency))) {
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
    deps.stats.finish(action, outcome);
  }
}
