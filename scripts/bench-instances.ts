/**
 * A few long-lived Function Compute instances for the organisation bench (`--instances N`): each
 * is a process of its own that loads the deployed bundle once (a cold start, on its first
 * invocation) and then runs every invocation it is given concurrently, as an FC instance does
 * with an instance concurrency above 1. The bench spreads the workers over them, so that the
 * workers are not all on one JavaScript thread (as in the bench's own process) and do not pay a
 * bundle load and a JIT warm-up each (as with a process per invocation, --processes).
 *
 * The instance speaks over an IPC channel ('advanced' serialization):
 *   parent -> instance  { type: 'invoke', id, body, context }   instance -> parent  { type: 'answer', id, result | error }
 *   parent -> instance  { type: 'usage' }                        instance -> parent  { type: 'usage', cpuMs, peakRss, loadMs }
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { FcInvocationOutcome } from '../simulator';

const INSTANCE = `
const t0 = process.hrtime.bigint();
const { handler } = require(process.env.BENCH_BUNDLE);
const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
process.on('message', (m) => {
  if (m.type === 'usage') {
    const r = process.resourceUsage();
    process.send({ type: 'usage', cpuMs: (r.userCPUTime + r.systemCPUTime) / 1000, peakRss: r.maxRSS * 1024, loadMs });
  } else if (m.type === 'invoke') {
    handler(Buffer.from(m.body), m.context).then(
      (result) => process.send({ type: 'answer', id: m.id, result }),
      (error) => process.send({ type: 'answer', id: m.id, error: { errorMessage: String(error && error.message), errorType: (error && error.constructor && error.constructor.name) || 'Error' } }),
    );
  }
});
process.send({ type: 'ready' });
`;

/** What an instance process used, over its whole life. */
export interface InstanceUsage {
  readonly cpuMs: number;
  readonly peakRss: number;
  /** Its cold start: requiring the bundle. */
  readonly loadMs: number;
}

type FromInstance =
  | { readonly type: 'ready' }
  | { readonly type: 'answer'; readonly id: number; readonly result?: unknown; readonly error?: { errorMessage: string; errorType: string } }
  | ({ readonly type: 'usage' } & InstanceUsage);

class InstanceProcess {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, (outcome: FcInvocationOutcome) => void>();
  private readonly ready: Promise<void>;
  private onUsage: ((usage: InstanceUsage) => void) | undefined;
  private nextId = 1;
  inFlight = 0;

  constructor(env: Record<string, string>, bundle: string) {
    this.child = spawn(process.execPath, ['-e', INSTANCE], {
      env: { PATH: process.env['PATH'] ?? '', ...env, BENCH_BUNDLE: bundle },
      // The handler's log lines go to the bench's stderr; answers come over IPC.
      stdio: ['ignore', process.stderr, 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('exit', (code) => {
        const lost: FcInvocationOutcome = { error: { errorMessage: `the instance exited with ${code}`, errorType: 'InstanceExited' } };
        for (const answer of this.pending.values()) answer(lost);
        this.pending.clear();
        reject(new Error(`the instance exited with ${code} before it was ready`));
      });
      this.child.on('message', (raw) => {
        const message = raw as FromInstance;
        if (message.type === 'ready') resolve();
        else if (message.type === 'usage') this.onUsage?.(message);
        else {
          this.pending.get(message.id)?.(message.error === undefined ? { result: message.result } : { error: message.error });
          this.pending.delete(message.id);
        }
      });
    });
  }

  async invoke(body: Buffer, context: unknown): Promise<FcInvocationOutcome> {
    this.inFlight += 1;
    try {
      await this.ready;
      const id = this.nextId++;
      return await new Promise<FcInvocationOutcome>((resolve) => {
        this.pending.set(id, resolve);
        this.child.send({ type: 'invoke', id, body, context });
      });
    } finally {
      this.inFlight -= 1;
    }
  }

  usage(): Promise<InstanceUsage> {
    return new Promise((resolve) => {
      this.onUsage = resolve;
      this.child.send({ type: 'usage' });
    });
  }

  close(): Promise<void> {
    if (this.child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill();
    });
  }
}

/** `count` instances, each started when it first gets an invocation. */
export class InstancePool {
  private readonly instances: (InstanceProcess | undefined)[];

  constructor(
    count: number,
    private readonly env: () => Record<string, string>,
    private readonly bundle: string,
  ) {
    this.instances = Array.from({ length: count }, () => undefined);
  }

  /** Runs the invocation on the least busy instance, as FC's scheduler would, starting one not yet started first. */
  invoke(body: Buffer, context: unknown): Promise<FcInvocationOutcome> {
    const free = this.instances.indexOf(undefined);
    if (free >= 0) {
      const started = new InstanceProcess(this.env(), this.bundle);
      this.instances[free] = started;
      return started.invoke(body, context);
    }
    const running = this.instances.filter((i): i is InstanceProcess => i !== undefined);
    const least = running.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    return least.invoke(body, context);
  }

  /** What each started instance used. */
  usage(): Promise<InstanceUsage[]> {
    return Promise.all(this.instances.filter((i): i is InstanceProcess => i !== undefined).map((i) => i.usage()));
  }

  async close(): Promise<void> {
    await Promise.all(this.instances.map((i) => i?.close()));
  }
}
