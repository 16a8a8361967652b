/**
 * The organisation bench's fake cloud in a process of its own (`npm run bench -- --organisation`,
 * the default there): on the cloud, RAM, ActionTrail, STS, Resource Manager and FC's front end run
 * on Alibaba's machines, not on the function's vCPU, so the bench keeps the simulator's CPU off the
 * JavaScript thread that runs the coordinator and the workers.
 *
 * The parent forks this file (with its own execArgv, so tsx loads it) over an IPC channel with
 * 'advanced' serialization (Buffers and Maps pass as they are):
 *   parent -> child  { type: 'start', options }                          start the organisation
 *   child -> parent  { type: 'ready', endpoint, dingtalkWebhookUrl }
 *   child -> parent  { type: 'invoke', id, functionName, body }          FC InvokeFunction arrived
 *   parent -> child  { type: 'invoked', id, outcome }                    the function's answer
 *   parent -> child  { type: 'stats', accountIds }                       per-account counters, then
 *   child -> parent  { type: 'stats', stats, cpuMs, loopDelay }          this process's CPU and loop delay
 *   parent -> child  { type: 'close' }                                   close the cloud and exit
 */
import { fork, type ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FakeAccount, startFakeCloud, type FakeCloud, type FcInvocationOutcome } from '../simulator';
import type { ActionStats, LatencyRange, QpsLimits } from '../simulator/types';
import { addSimulatorMembers } from '../simulator/function-wiring';

/** What the child builds: the management account plus `accounts` members, as startOrganisation does in-process. */
export interface CloudProcessOptions {
  readonly accounts: number;
  readonly users: number;
  readonly keysPerUser: number;
  readonly now: number;
  readonly qps: QpsLimits;
  readonly latency: LatencyRange;
  /** 0: Node's default listen backlog. */
  readonly backlog: number;
}

/** Per account id, per action: the counters the bench prints. */
export type StatsSnapshot = ReadonlyMap<string, ReadonlyMap<string, ActionStats>>;

/** The event-loop delay's percentiles (ms). */
export interface LoopDelay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** The bench's counters of the fake, whichever process it runs in. */
export interface CloudReadout {
  readonly stats: StatsSnapshot;
  /** CPU of the fake's process during the run (undefined when it shares the bench's). */
  readonly cpuMs: number | undefined;
  readonly loopDelay: LoopDelay | undefined;
}

type ToChild =
  | { readonly type: 'start'; readonly options: CloudProcessOptions }
  | { readonly type: 'invoked'; readonly id: number; readonly outcome: FcInvocationOutcome }
  | { readonly type: 'stats'; readonly accountIds: readonly string[] }
  | { readonly type: 'close' };

type ToParent =
  | { readonly type: 'ready'; readonly endpoint: string; readonly dingtalkWebhookUrl: string }
  | { readonly type: 'invoke'; readonly id: number; readonly functionName: string; readonly body: Uint8Array }
  | { readonly type: 'stats'; readonly stats: Map<string, Map<string, ActionStats>>; readonly cpuMs: number; readonly loopDelay: LoopDelay }
  | { readonly type: 'failed'; readonly message: string };

/** The actions the bench reads per account. */
export const BENCH_ACTIONS = ['actiontrail:GetAccessKeyLastUsedProducts', 'ram:ListAccessKeys', 'ram:ListUsers'] as const;

/** Per account, the counters of BENCH_ACTIONS: copied, so they outlive the cloud. */
export function snapshotStats(cloud: FakeCloud, accountIds: readonly string[]): Map<string, Map<string, ActionStats>> {
  return new Map(accountIds.map((id) => [id, new Map(BENCH_ACTIONS.map((action) => [action, { ...cloud.statsOf(id).get(action) }]))]));
}

/** The fake organisation: the management account and `accounts` members at the given limits. */
export async function startOrganisationCloud(options: CloudProcessOptions): Promise<FakeCloud> {
  const cloud = await startFakeCloud({
    account: new FakeAccount(),
    latencyMs: options.latency,
    seed: 7,
    ...(options.backlog === 0 ? {} : { listenBacklog: options.backlog }),
  });
  addSimulatorMembers(cloud, { count: options.accounts, users: options.users, keysPerUser: options.keysPerUser, now: options.now, seed: 42, qps: options.qps });
  return cloud;
}

/** The bench's handle on a fake organisation, in its own process or (--shared-thread) in the bench's. */
export interface BenchCloud {
  readonly endpoint: string;
  readonly dingtalkWebhookUrl: string;
  /** The counters, and the fake's own process's CPU since it was ready and its event-loop delay. */
  readout(accountIds: readonly string[]): Promise<CloudReadout>;
  close(): Promise<void>;
}

/**
 * Forks the fake cloud; each FC invocation it receives is answered by `invoke` in this process.
 * Rejects when the child fails to start the cloud or exits early.
 */
export function startCloudProcess(options: CloudProcessOptions, invoke: (functionName: string, body: Buffer) => Promise<FcInvocationOutcome>): Promise<BenchCloud> {
  const child: ChildProcess = fork(__filename, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const send = (message: ToChild): void => {
    child.send(message);
  };
  let onStats: ((m: Extract<ToParent, { type: 'stats' }>) => void) | undefined;
  return new Promise((resolve, reject) => {
    const exited = (code: number | null): void => reject(new Error(`the fake cloud's process exited with ${code} before it was ready`));
    child.once('exit', exited);
    child.once('error', reject);
    child.on('message', (raw) => {
      const message = raw as ToParent;
      if (message.type === 'failed') {
        reject(new Error(`the fake cloud's process failed: ${message.message}`));
      } else if (message.type === 'ready') {
        child.off('exit', exited);
        resolve({
          endpoint: message.endpoint,
          dingtalkWebhookUrl: message.dingtalkWebhookUrl,
          readout: (accountIds) =>
            new Promise((done, fail) => {
              if (child.exitCode !== null) fail(new Error(`the fake cloud's process exited with ${child.exitCode} during the run`));
              onStats = (m) => done({ stats: m.stats, cpuMs: m.cpuMs, loopDelay: m.loopDelay });
              send({ type: 'stats', accountIds });
            }),
          close: () =>
            new Promise((done) => {
              child.once('exit', () => done());
              send({ type: 'close' });
            }),
        });
      } else if (message.type === 'invoke') {
        // An invocation that throws is FC's unhandled error, as the in-process cloud treats a rejection.
        void invoke(message.functionName, Buffer.from(message.body)).then(
          (outcome) => send({ type: 'invoked', id: message.id, outcome }),
          (e: unknown) => send({ type: 'invoked', id: message.id, outcome: { error: { errorMessage: e instanceof Error ? e.message : String(e), errorType: e instanceof Error ? e.name : 'Error' } } }),
        );
      } else {
        onStats?.(message);
      }
    });
    send({ type: 'start', options });
  });
}

/** The child: serves the cloud until the parent says close. */
function serve(): void {
  const toParent = (message: ToParent): void => {
    process.send?.(message);
  };
  const pending = new Map<number, (outcome: FcInvocationOutcome) => void>();
  let nextId = 1;
  let cloud: FakeCloud | undefined;
  let cpu0 = process.cpuUsage();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  process.on('message', (raw) => {
    const message = raw as ToChild;
    if (message.type === 'start') {
      startOrganisationCloud(message.options).then(
        (started) => {
          cloud = started;
          cloud.setFcHandler(
            (functionName, body) =>
              new Promise((resolve) => {
                const id = nextId++;
                pending.set(id, resolve);
                toParent({ type: 'invoke', id, functionName, body });
              }),
          );
          cpu0 = process.cpuUsage();
          delay.enable();
          toParent({ type: 'ready', endpoint: cloud.endpoint, dingtalkWebhookUrl: cloud.dingtalkWebhookUrl });
        },
        (e: unknown) => toParent({ type: 'failed', message: e instanceof Error ? e.message : String(e) }),
      );
    } else if (message.type === 'invoked') {
      pending.get(message.id)?.(message.outcome);
      pending.delete(message.id);
    } else if (message.type === 'stats') {
      const cpu = process.cpuUsage(cpu0);
      delay.disable();
      if (cloud === undefined) return;
      toParent({
        type: 'stats',
        stats: snapshotStats(cloud, message.accountIds),
        cpuMs: (cpu.user + cpu.system) / 1000,
        loopDelay: { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
      });
    } else {
      void (cloud?.close() ?? Promise.resolve()).finally(() => process.exit(0));
    }
  });
}

if (require.main === module) serve();
