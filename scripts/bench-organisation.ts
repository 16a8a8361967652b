/**
 * `npm run bench -- --organisation`: an organisation's scan against one account's (issue 12's bar:
 * "20 accounts x 1,000 users x 2 keys, each account at the real limits (50/s ActionTrail, 100/s
 * RAM): the organisation's scan takes at most 1.3x one account's, against 20x for one account
 * after another; 0 keys unknown").
 *
 * The simulator plays a Resource Directory of N member accounts (buildAccount, seeded per member),
 * each with its own QPS windows at the real limits' ratio (ActionTrail Q, RAM ListUsers and
 * ListAccessKeys 2Q each; Q = 50 is the real limit), and 30-90 ms per call. The coordinator is the
 * real handler (ACCOUNTS=resource-directory, a manual {"report":"full","dryRun":true}: the scan
 * is measured, not DingTalk's 20-messages-a-minute limit), invoking the function once per account
 * through FC InvokeFunction (the real @alicloud/fc2 client). The simulator's FC answers each
 * invocation by running the real handler as the worker (as test/coordinator.test.ts wires it): it
 * assumes the member's role and scans it with rate limiters of its own, through the real SDKs: by
 * default at the deployed settings (ACTIONTRAIL_QPS 40 and RAM_QPS 80, 0.8 of the real limits),
 * --client-share F for another share (0.95 leaves 5% for the arrival jitter of ten workers to a
 * vCPU, and some calls are throttled and retried).
 *
 * Two runs, the same path, each on a fresh simulator (same accounts): one account alone (the
 * coordinator with ACCOUNTS_INCLUDE naming member-01), then all N with ACCOUNT_CONCURRENCY = N.
 *
 * Where things run. On the cloud, RAM, ActionTrail, STS, Resource Manager and FC's front end are
 * Alibaba's machines and each worker is an FC instance with a vCPU of its own; here all of it
 * shares this machine's cores, so each process's CPU is printed and "what binds" says whether the
 * CPU or the quotas bound the run.
 *  - The fake cloud runs in a process of its own (scripts/bench-cloud-process.ts), off the
 *    workers' threads; --shared-thread puts it back in this process.
 *  - The workers (default) are spread over as many FC instances as the machine has cores
 *    (scripts/bench-instances.ts): each a process that loads the deployed bundle once and takes
 *    invocations concurrently, as an FC instance with an instance concurrency above 1 does. Ten
 *    workers to a vCPU is harsher than FC's default of one to an instance.
 *  - --instances 0 runs them all in this process (the handler from the sources): measured on 2
 *    cores at the deployed settings, 20 workers use about 25 s of CPU on that one thread in a 53 s
 *    run, and the ratio is 1.04 (1.05 with the fake cloud on the same thread too; 1.09 at 95%).
 *  - --processes runs each invocation in a child process of its own: closest to FC's isolation, but
 *    20 bundle loads and JIT warm-ups cost 112 s of CPU, which 2 cores cannot give within one
 *    account's 52 s (1.78x).
 *
 *   npm run bench -- --organisation                       20 accounts x 1,000 users x 2 keys, Q = 50 (under 2 minutes)
 *   npm run bench -- --organisation --instances 0         every worker on this process's one thread
 *   npm run bench -- --organisation --processes           each worker invocation in a child process (about 2.5 minutes)
 *   npm run bench -- --organisation --qps 200             4x the real limits (quicker, and 4x the CPU a second)
 *   flags: --accounts N --users N --keys-per-user N --qps Q --latency MIN-MAX --client-share F
 *          --instances N (default: the machine's cores; 0 = this process) | --processes, --shared-thread
 *          --backlog N (the fake cloud's listen backlog, default 4096; 0 = Node's 511: see cloudOptions)
 *   BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" adds node flags to each child process (--processes)
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { OrganisationSummary } from '../functions/stale-key-detector/src/coordinator';
import type { Summary } from '../functions/stale-key-detector/src/core/summary';
import { type FcContext, handleInvocation } from '../functions/stale-key-detector/src/handler';
import { systemClock } from '../functions/stale-key-detector/src/pacing/clock';
import { DEFAULTS } from '../functions/stale-key-detector/src/config/settings';
import { createLogger } from '../functions/stale-key-detector/src/logger';
import { CloudStats, type FcHandler, type FcInvocationOutcome } from '../simulator';
import type { ActionStats } from '../simulator/types';
import { fcContext, organisationSummaryOf, simulatorMemberId, simulatorOrganisationEnv } from '../simulator/function-wiring';
import { snapshotStats, startCloudProcess, startOrganisationCloud, type BenchCloud, type CloudProcessOptions, type CloudReadout, type LoopDelay } from './bench-cloud-process';
import { childOutput } from './child-output';
import { InstancePool, type InstanceUsage } from './bench-instances';
import { latencyFlag, numberFlag } from './bench-flags';

const root = resolve(__dirname, '..');
const bundle = join(root, 'functions', 'stale-key-detector', 'dist', 'index.js');
const AT = 'actiontrail:GetAccessKeyLastUsedProducts';
const FUNCTION = { name: 'stale-key-detector', timeout: 3600 };
/** The issue's bar: the organisation's wall time over one account's. */
const BAR_RATIO = 1.3;
/** The function's default ACTIONTRAIL_QPS over the real limit (50/s); RAM_QPS's over 100/s is the same. */
const DEPLOYED_SHARE = DEFAULTS.actionTrailQps / 50;
/** Counters of an account the fake never heard from: all zero. */
const NO_CALLS = new CloudStats();

/**
 * One FC instance: loads the bundle (a cold start), runs the handler on the event, prints one JSON
 * line: the result, or FC's error fields, with the instance's wall and CPU time.
 */
const WORKER = `
const t0 = process.hrtime.bigint();
const { handler } = require(process.env.BENCH_BUNDLE);
const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
const usage = () => { const r = process.resourceUsage(); return { cpuMs: (r.userCPUTime + r.systemCPUTime) / 1000, peakRss: r.maxRSS * 1024 }; };
handler(Buffer.from(process.env.BENCH_EVENT), JSON.parse(process.env.BENCH_CONTEXT)).then(
  (result) => process.stdout.write(JSON.stringify({ result, loadMs, wallMs: ms(), ...usage() }) + '\\n'),
  (error) => process.stdout.write(JSON.stringify({ error: { errorMessage: String(error && error.message), errorType: (error && error.constructor && error.constructor.name) || 'Error' }, loadMs, wallMs: ms(), ...usage() }) + '\\n'),
);
`;

interface Invocation {
  readonly accountId: string;
  /** performance.now() when FC ran the invocation and when it answered. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** From the invocation to its answer, as FC's caller sees it (spawn, load, handler). */
  readonly wallMs: number;
  readonly loadMs: number;
  readonly cpuMs: number;
  readonly peakRss: number;
}

function flags(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      organisation: { type: 'boolean', default: true },
      accounts: { type: 'string', default: '20' },
      users: { type: 'string', default: '1000' },
      'keys-per-user': { type: 'string', default: '2' },
      qps: { type: 'string', default: '50' },
      latency: { type: 'string', default: '30-90' },
      'client-share': { type: 'string', default: String(DEPLOYED_SHARE) },
      processes: { type: 'boolean', default: false },
      instances: { type: 'string' },
      'shared-thread': { type: 'boolean', default: false },
      backlog: { type: 'string', default: '4096' },
    },
    strict: true,
  });
  const num = (name: keyof typeof values, min: number, max?: number): number => numberFlag(values[name], name, min, max);
  const latency = latencyFlag(values.latency);
  const qps = num('qps', 1, 10_000);
  if (values.processes === true && values.instances !== undefined) throw new Error('--processes and --instances: give one (a process per invocation, or N instances taking invocations concurrently)');
  const instances = values.instances === undefined ? cpus().length : Math.floor(num('instances', 0, 100));
  return {
    accounts: Math.floor(num('accounts', 1, 100)),
    users: Math.floor(num('users', 1, 100_000)),
    keysPerUser: Math.floor(num('keys-per-user', 1, 2)),
    qps,
    /** RAM at twice ActionTrail, as in a real account (100/s vs 50/s). */
    ramQps: 2 * qps,
    latency,
    clientShare: num('client-share', 0.1, 1),
    /**
     * Where the workers run: in this process (--instances 0), spread over N long-lived instance
     * processes (--instances N, default one per core), or a process per invocation (--processes).
     */
    workers: values.processes === true ? ({ kind: 'per-invocation' } as const) : instances === 0 ? ({ kind: 'bench-process' } as const) : ({ kind: 'instances', count: instances } as const),
    /** The fake cloud in this process, on the workers' JavaScript thread (default: a process of its own). */
    sharedThread: values['shared-thread'] === true,
    /** The fake cloud's listen backlog (0: Node's default, 511). */
    backlog: Math.floor(num('backlog', 0, 65_535)),
  };
}

type Flags = ReturnType<typeof flags>;

interface RunResult {
  readonly summary: OrganisationSummary;
  readonly wallMs: number;
  /** performance.now() when the coordinator's invocation started. */
  readonly startedAt: number;
  readonly instances: readonly Invocation[];
  /** What each instance process used (--instances N), undefined otherwise. */
  readonly instanceProcesses: readonly InstanceUsage[] | undefined;
  /** CPU of this process: the coordinator, the workers unless --processes, the fake cloud with --shared-thread. */
  readonly parentCpuMs: number;
  /** The event loop's delay in this process (ms): high when its one thread cannot keep up. */
  readonly loopDelay: LoopDelay;
  /** The fake's per-account counters, and its own process's CPU and loop delay (undefined with --shared-thread). */
  readonly cloud: CloudReadout;
  /** TCP listen-queue overflows and SYN retransmissions on this machine during the run (Linux), undefined elsewhere. */
  readonly tcp: { readonly listenOverflows: number; readonly synRetrans: number } | undefined;
}

/** The machine's TCP counters that show a listen queue overflowing (/proc/net/netstat), undefined when unreadable. */
function tcpCounters(): { listenOverflows: number; synRetrans: number } | undefined {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:'));
    const [names, values] = [lines[0]?.split(/\s+/) ?? [], lines[1]?.split(/\s+/) ?? []];
    const get = (name: string): number => Number(values[names.indexOf(name)]);
    const counters = { listenOverflows: get('ListenOverflows'), synRetrans: get('TCPSynRetrans') };
    return Number.isFinite(counters.listenOverflows) && Number.isFinite(counters.synRetrans) ? counters : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The fake organisation (management account plus --accounts members at the real limits' ratio).
 * `backlog`: the fake's listen queue (--backlog; 0 keeps Node's 511). 20 accounts' workers open
 * connections by the hundred at once (each keeps up to ~45 look-ups in flight), and while this
 * machine's CPU is saturated a 511 queue overflows: connects wait for SYN retransmits (1 s, 3 s),
 * some outlast the function's 5 s connect timeout and are retried, and the retries feed the storm
 * (measured: 46,418 overflows and 1.66x instead of 0 and 1.27x). On the cloud each service's front
 * end takes the connections.
 */
function cloudOptions(f: Flags, now: number): CloudProcessOptions {
  return {
    accounts: f.accounts,
    users: f.users,
    keysPerUser: f.keysPerUser,
    now,
    qps: { [AT]: f.qps, 'ram:ListUsers': f.ramQps, 'ram:ListAccessKeys': f.ramQps },
    latency: f.latency,
    backlog: f.backlog,
  };
}

/** FC for the fake: how it runs the worker invocations, and what their processes used. */
interface Workers {
  readonly invoke: FcHandler;
  /** Per instance process (--instances), undefined when the workers ran elsewhere. */
  usage(): Promise<readonly InstanceUsage[] | undefined>;
  close(): Promise<void>;
}

/**
 * FC's InvokeFunction for the fake: each invocation in this process (--instances 0), on one of N
 * instance processes (--instances N), or in a child process of its own (--processes). `env()` is
 * read at each invocation (the endpoints are known once the fake listens).
 */
function workers(env: () => Record<string, string>, f: Flags, invocations: Invocation[]): Workers {
  const accountOf = (body: Buffer): string => {
    const parsed = JSON.parse(body.toString('utf8')) as { accountScan?: { accountId?: string } };
    return parsed.accountScan?.accountId ?? '?';
  };
  /** Runs one invocation and records it, with the CPU and memory of its own process when it has one. */
  const timed =
    (run: (body: Buffer) => Promise<FcInvocationOutcome & { cpuMs?: number; peakRss?: number; loadMs?: number }>): FcHandler =>
    async (_name, body) => {
      const startedAt = performance.now();
      const { cpuMs = Number.NaN, peakRss = Number.NaN, loadMs = 0, ...outcome } = await run(body);
      const endedAt = performance.now();
      invocations.push({ accountId: accountOf(body), startedAt, endedAt, wallMs: endedAt - startedAt, loadMs, cpuMs, peakRss });
      return outcome;
    };
  const context = (): FcContext => fcContext({ requestId: randomUUID(), function: FUNCTION });
  const none = { usage: () => Promise.resolve(undefined), close: () => Promise.resolve() };
  switch (f.workers.kind) {
    case 'bench-process': {
        const logger = createLogger({ level: 'warn', sink: (line) => process.stderr.write(`${line}\n`) });
      return { ...none, invoke: timed(async (body) => ({ result: await handleInvocation(body, context(), { env: env(), clock: systemClock, logger }) })) };
    }
    case 'instances': {
      const pool = new InstancePool(f.workers.count, env, bundle);
      return { invoke: timed((body) => pool.invoke(body, context())), usage: () => pool.usage(), close: () => pool.close() };
    }
    case 'per-invocation':
      return {
        ...none,
        invoke: timed(async (body) => {
          const child = spawn(process.execPath, [...(process.env['BENCH_WORKER_NODE_ARGS']?.split(' ').filter(Boolean) ?? []), '-e', WORKER], {
            env: { PATH: process.env['PATH'] ?? '', ...env(), BENCH_BUNDLE: bundle, BENCH_EVENT: body.toString('utf8'), BENCH_CONTEXT: JSON.stringify(context()) },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          const { code, stdout, stderr: log } = await childOutput(child);
          if (code !== 0) return { error: { errorMessage: `the instance exited with ${code}: ${log.slice(-2000)}`, errorType: 'InstanceExited' }, log };
          const answer = JSON.parse(stdout) as { result?: unknown; error?: { errorMessage: string; errorType: string }; loadMs: number; cpuMs: number; peakRss: number };
          const usage = { loadMs: answer.loadMs, cpuMs: answer.cpuMs, peakRss: answer.peakRss };
          return answer.error === undefined ? { result: answer.result, log, ...usage } : { error: answer.error, log, ...usage };
        }),
      };
  }
}

/** The fake in a process of its own (default), or in this one (--shared-thread). */
async function startCloud(f: Flags, now: number, invoke: FcHandler): Promise<BenchCloud> {
  if (!f.sharedThread) return startCloudProcess(cloudOptions(f, now), invoke);
  const cloud = await startOrganisationCloud(cloudOptions(f, now));
  cloud.setFcHandler(invoke);
  return {
    endpoint: cloud.endpoint,
    dingtalkWebhookUrl: cloud.dingtalkWebhookUrl,
    readout: (accountIds) => Promise.resolve({ stats: snapshotStats(cloud, accountIds), cpuMs: undefined, loopDelay: undefined }),
    close: () => cloud.close(),
  };
}

/**
 * The fake's FC at a host name of its own (localhost rather than 127.0.0.1; the same server), as on
 * the cloud, where FC and Resource Manager are different hosts and so never share a keep-alive
 * socket. On one shared host:port they do, and that breaks a long invocation: @alicloud/openapi-core
 * (ListAccounts) reads its answers without clearing httpx's per-socket read timer, which fires 10 s
 * (its readTimeout) after the call and clears the timer of whatever request then uses the socket;
 * fc2 reads through httpx.read, which then fails at once with "ReadTimeout". The first worker
 * invocation reuses ListAccounts' socket, and a worker runs longer than 10 s at these sizes.
 */
function ownHost(endpoint: string): string {
  const url = new URL(endpoint);
  url.hostname = 'localhost';
  return url.origin;
}

/** One coordinator run on a fresh simulator: `include` narrows it to those accounts. */
async function coordinatorRun(f: Flags, now: number, include: readonly string[] | undefined): Promise<RunResult> {
  const count = include?.length ?? f.accounts;
  const instances: Invocation[] = [];
  let env: Record<string, string> = {};
  const fc = workers(() => env, f, instances);
  const cloud = await startCloud(f, now, fc.invoke);
  try {
    env = simulatorOrganisationEnv(cloud, {
      FUNCTION_COMPUTE_ENDPOINT: ownHost(cloud.endpoint),
      ACCOUNT_CONCURRENCY: String(Math.min(100, count)),
      ...(include === undefined ? {} : { ACCOUNTS_INCLUDE: include.join(',') }),
      ACTIONTRAIL_QPS: String(f.qps * f.clientShare),
      RAM_QPS: String(f.ramQps * f.clientShare),
      LOG_LEVEL: 'warn',
    });
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const tcp0 = tcpCounters();
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    const answer = await handleInvocation(Buffer.from('{"report":"full","dryRun":true}'), fcContext({ requestId: randomUUID(), function: FUNCTION }), {
      env,
      clock: systemClock,
      logger: createLogger({ level: 'warn', sink: (line) => process.stderr.write(`${line}\n`) }),
    });
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpu0);
    delay.disable();
    const loopDelay = { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 };
    const tcp1 = tcpCounters();
    const tcp = tcp0 === undefined || tcp1 === undefined ? undefined : { listenOverflows: tcp1.listenOverflows - tcp0.listenOverflows, synRetrans: tcp1.synRetrans - tcp0.synRetrans };
    const summary = organisationSummaryOf(answer);
    const readout = await cloud.readout(summary.accounts.map((a) => a.accountId));
    return { summary, wallMs, startedAt: started, instances, instanceProcesses: await fc.usage(), parentCpuMs: (cpu.user + cpu.system) / 1000, loopDelay, cloud: readout, tcp };
  } finally {
    await Promise.all([cloud.close(), fc.close()]);
  }
}

const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor((s.length - 1) / 2)] ?? Number.NaN;
};

function scannedSummaries(r: RunResult): Summary[] {
  return r.summary.accounts.flatMap((a) => ('summary' in a ? [a.summary] : []));
}

/** Where a run's CPU went: this process's one JavaScript thread, the fake's process, the worker processes. */
function cpuOf(r: RunResult, f: Flags) {
  const n = r.instances.length;
  const parts = ['coordinator', ...(f.workers.kind === 'bench-process' ? [`${n} worker${n === 1 ? '' : 's'}`] : []), ...(f.sharedThread ? ['fake cloud'] : [])];
  // Per instance process (--instances), or per invocation's process (--processes).
  const workerThreads = r.instanceProcesses?.map((i) => i.cpuMs) ?? (f.workers.kind === 'per-invocation' ? r.instances.map((i) => i.cpuMs) : []);
  const workersMs = f.workers.kind === 'bench-process' ? undefined : sum(workerThreads);
  const totalMs = r.parentCpuMs + (r.cloud.cpuMs ?? 0) + (workersMs ?? 0);
  const cores = cpus().length;
  // Each process's JavaScript runs on one thread, so its CPU is also a floor on the wall time.
  const floorMs = Math.max(r.parentCpuMs, r.cloud.cpuMs ?? 0, ...workerThreads, totalMs / cores);
  return { parentLabel: `this process (${parts.join(', ')})`, workersMs, totalMs, cores, floorMs };
}

/** How the workers ran, for the report's header. */
function workersLabel(f: Flags): string {
  switch (f.workers.kind) {
    case 'bench-process':
      return 'in this process (the handler from the sources), one FC instance taking every invocation at once (--instances 0)';
    case 'instances':
      return `spread over ${f.workers.count} FC instance${f.workers.count === 1 ? '' : 's'} (one process each, the deployed bundle's handler loaded once, invocations taken concurrently as FC's instance concurrency allows; --instances N, default one per core)`;
    case 'per-invocation':
      return "each invocation in a child process of its own running the deployed bundle's handler, as FC runs each on an instance of its own (--processes)";
  }
}

function describeRun(label: string, r: RunResult, f: Flags): string[] {
  const t = r.summary.totals;
  const summaries = scannedSummaries(r);
  const unknown = sum(summaries.map((s) => s.counts.unknown));
  const cpu = cpuOf(r, f);
  const share = (ms: number): string => `${sec(ms)} = ${(ms / r.wallMs).toFixed(2)} of its one JS thread`;
  const delay = (d: LoopDelay): string => `p50 ${d.p50.toFixed(1)} ms, p99 ${d.p99.toFixed(1)} ms, max ${d.max.toFixed(0)} ms`;
  const lines = [
    label,
    `  wall ${sec(r.wallMs)} (the coordinator's invocation, from the event to its answer); accounts ${t.accounts}: scanned ${t.scanned}, not scanned ${t.notScanned}; keys ${t.keys}, unknown ${unknown}, not checked ${t.notChecked}, stale ${t.stale}; complete ${t.complete}`,
    r.instances.length === 0
      ? '  worker invocations: none answered'
      : `  worker invocations ${r.instances.length}: wall (${f.workers.kind === 'per-invocation' ? 'spawn + load + handler' : 'the handler'}) median ${sec(median(r.instances.map((i) => i.wallMs)))}, max ${sec(Math.max(...r.instances.map((i) => i.wallMs)))}` +
        (f.workers.kind === 'per-invocation' ? `; bundle load median ${median(r.instances.map((i) => i.loadMs)).toFixed(0)} ms; peak RSS per instance median ${mb(median(r.instances.map((i) => i.peakRss)))}` : '') +
        (r.instanceProcesses === undefined ? '' : `; instances ${r.instanceProcesses.length}: CPU ${r.instanceProcesses.map((i) => sec(i.cpuMs)).join(', ')} (${r.instanceProcesses.map((i) => (i.cpuMs / r.wallMs).toFixed(2)).join(', ')} of their threads), bundle load ${r.instanceProcesses.map((i) => `${i.loadMs.toFixed(0)} ms`).join(', ')}, peak RSS ${r.instanceProcesses.map((i) => mb(i.peakRss)).join(', ')}`),
    `  CPU: ${cpu.parentLabel} ${share(r.parentCpuMs)}` +
      (r.cloud.cpuMs === undefined ? '' : `; the fake cloud's process ${share(r.cloud.cpuMs)}`) +
      (cpu.workersMs === undefined ? '' : `; worker processes ${sec(cpu.workersMs)} in all`) +
      `; total ${sec(cpu.totalMs)} over ${sec(r.wallMs)} wall = ${(cpu.totalMs / r.wallMs).toFixed(2)} cores busy on average, of the machine's ${cpu.cores}`,
    `  event-loop delay (high = a thread could not keep up: CPU, not quotas): this process ${delay(r.loopDelay)}` + (r.cloud.loopDelay === undefined ? '' : `; the fake cloud's ${delay(r.cloud.loopDelay)}`),
  ];
  if (r.instances.length > 0) {
    const at = (t: number): string => `+${((t - r.startedAt) / 1000).toFixed(1)} s`;
    const starts = r.instances.map((i) => i.startedAt);
    const ends = r.instances.map((i) => i.endedAt);
    lines.push(
      `  timeline: the workers started ${at(Math.min(...starts))} to ${at(Math.max(...starts))} and answered ${at(Math.min(...ends))} to ${at(Math.max(...ends))}; the coordinator answered ${at(r.startedAt + r.wallMs)} (${sec(r.startedAt + r.wallMs - Math.max(...ends))} after the last worker: receiving, merging, composing)`,
    );
  }
  if (r.tcp !== undefined) {
    lines.push(
      `  this machine's TCP during the run: ${r.tcp.listenOverflows} listen-queue overflows, ${r.tcp.synRetrans} SYN retransmissions` +
        (r.tcp.listenOverflows > 0 ? " (the fake's accept queue overflowed: new connections waited for SYN retransmits, and a call whose socket stays silent for 5 s, the function's connect timeout, fails and is retried)" : ''),
    );
  }
  return lines;
}

function perAccount(r: RunResult, f: Flags): string[] {
  const byId = new Map(r.instances.map((i) => [i.accountId, i]));
  const lines = [`  ${'account'.padEnd(10)} ${'id'.padEnd(16)} ${'keys'.padStart(6)} ${'unknown'.padStart(7)} ${'AT look-ups'.padStart(11)} ${'throttled'.padStart(9)} ${'ListAccessKeys'.padStart(14)} ${'ListUsers'.padStart(9)} ${'max AT in flight'.padStart(16)} ${'instance wall'.padStart(13)} ${'AT/s'.padStart(6)} ${'retries'.padStart(7)}${f.workers.kind === 'per-invocation' ? ` ${'CPU'.padStart(7)}` : ''}`];
  for (const a of r.summary.accounts) {
    const stats = r.cloud.stats.get(a.accountId);
    const count = (action: string): Readonly<ActionStats> => stats?.get(action) ?? NO_CALLS.get(action);
    const at = count(AT);
    const instance = byId.get(a.accountId);
    const keys = 'summary' in a ? String(a.summary.counts.keys) : 'NOT SCANNED';
    const unknown = 'summary' in a ? String(a.summary.counts.unknown) : '-';
    const rate = instance === undefined ? '-' : (at.successes / (instance.wallMs / 1000)).toFixed(1);
    lines.push(
      `  ${a.displayName.padEnd(10)} ${a.accountId.padEnd(16)} ${keys.padStart(6)} ${unknown.padStart(7)} ${String(at.successes).padStart(11)} ${String(at.throttled).padStart(9)} ${String(count('ram:ListAccessKeys').successes).padStart(14)} ${String(count('ram:ListUsers').successes).padStart(9)} ${String(at.maxInFlight).padStart(16)} ${(instance === undefined ? '-' : sec(instance.wallMs)).padStart(13)} ${rate.padStart(6)} ${('summary' in a ? String(a.summary.api.retries) : '-').padStart(7)}${f.workers.kind === 'per-invocation' ? ` ${(instance === undefined ? '-' : sec(instance.cpuMs)).padStart(7)}` : ''}`,
    );
    if ('error' in a) lines.push(`    NOT SCANNED: ${a.error.message}`);
  }
  // Why keys or users were not checked, one line per distinct reason.
  const reasons = new Map<string, number>();
  for (const s of scannedSummaries(r)) {
    for (const x of [...s.unknown, ...s.unlistedUsers]) reasons.set(x.reason, (reasons.get(x.reason) ?? 0) + 1);
  }
  for (const [reason, n] of reasons) lines.push(`  not checked (${n}): ${reason}`);
  return lines;
}

/**
 * Which resource the organisation's run was bound by: each account's quotas (one account's wall
 * time, near its ActionTrail floor) or this machine's CPU (the CPU the run used, over its cores).
 * On Function Compute every worker has an instance of its own, so only its own CPU share counts.
 */
function whatBinds(one: RunResult, all: RunResult, f: Flags, floorMs: number): string[] {
  const cpu = cpuOf(all, f);
  const where = f.sharedThread && f.workers.kind === 'bench-process' ? "this process's one JavaScript thread" : `this machine's ${cpu.cores} cores and its processes' threads`;
  const lines = [
    'what binds',
    `  the quotas: one account alone took ${sec(one.wallMs)} against its ActionTrail floor of ${sec(floorMs)} (${(one.wallMs / floorMs).toFixed(3)}x)${one.wallMs <= floorMs * 1.15 ? ": one account's scan is quota-bound" : ': at this size start-up and latency weigh too'}`,
    `  this machine's CPU: the organisation's run used ${sec(cpu.totalMs)} of CPU (${cpu.parentLabel} ${sec(all.parentCpuMs)}` +
      (all.cloud.cpuMs === undefined ? '' : `, the fake cloud's process ${sec(all.cloud.cpuMs)}`) +
      (cpu.workersMs === undefined ? '' : `, worker processes ${sec(cpu.workersMs)}`) +
      `); each process runs its JavaScript on one thread and the machine has ${cpu.cores} cores, so the run needs at least ${sec(cpu.floorMs)}, ${(cpu.floorMs / one.wallMs).toFixed(2)}x one account's time`,
    cpu.floorMs > one.wallMs * 0.9
      ? `  => the CPU binds here, not the quotas: the run's CPU ${cpu.floorMs > one.wallMs ? 'does not fit' : 'barely fits'} in ${where} within one account's time`
      : `  => the quotas bind: the run's CPU fits in ${where} within one account's time`,
  ];
  if (f.workers.kind === 'per-invocation' && all.instances.length > 0) {
    const perWorker = all.instances.map((i) => i.cpuMs / i.wallMs);
    const alone = one.instances[0];
    lines.push(
      `  on Function Compute each worker has an instance of its own: here a worker used ${sec(Math.min(...all.instances.map((i) => i.cpuMs)))}-${sec(Math.max(...all.instances.map((i) => i.cpuMs)))} of CPU` +
        `${alone === undefined ? '' : ` (${sec(alone.cpuMs)} alone, ${((alone.cpuMs / alone.wallMs) * 100).toFixed(0)}% of one core over its invocation)`}, median ${(median(perWorker) * 100).toFixed(0)}% of one core over its invocation`,
    );
  }
  lines.push('');
  return lines;
}

export async function benchOrganisation(argv: readonly string[]): Promise<void> {
  const f = flags(argv);
  const out = (lines: readonly string[]): void => {
    process.stdout.write(`${lines.join('\n')}\n`);
  };
  const keysPerAccount = f.users * f.keysPerUser;
  const floorMs = (keysPerAccount / (f.qps * f.clientShare)) * 1000;
  out([
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; bundle ${(statSync(bundle).size / 1024).toFixed(0)} KiB`,
    `organisation: ${f.accounts} member accounts x ${f.users} users x ${f.keysPerUser} keys; each account's limits ActionTrail ${f.qps}/s, RAM ListUsers and ListAccessKeys ${f.ramQps}/s each; latency ${f.latency[0]}-${f.latency[1]} ms;`,
    `client at ${f.clientShare} of the limits (ACTIONTRAIL_QPS ${f.qps * f.clientShare}, RAM_QPS ${f.ramQps * f.clientShare}); one account's ActionTrail floor ${keysPerAccount} keys / ${f.qps * f.clientShare}/s = ${sec(floorMs)}`,
    `the fake cloud's listen backlog: ${f.backlog === 0 ? "Node's default (511)" : f.backlog} (the kernel caps it at net.core.somaxconn)`,
    `the fake cloud: ${f.sharedThread ? "in this process, on the workers' one JavaScript thread (--shared-thread)" : 'in a process of its own, as the cloud runs on machines of its own (--shared-thread: in this one)'}`,
    `workers: ${workersLabel(f)}; coordinator event {"report":"full","dryRun":true}`,
    '',
  ]);
  const now = Date.now();
  const first = simulatorMemberId(1);

  const one = await coordinatorRun(f, now, [first]);
  out([...describeRun(`one account alone (ACCOUNTS_INCLUDE=${first}: the coordinator, one worker)`, one, f), ...perAccount(one, f), '']);

  const all = await coordinatorRun(f, now, undefined);
  out([...describeRun(`the organisation: ${f.accounts} accounts side by side (ACCOUNT_CONCURRENCY=${Math.min(100, f.accounts)})`, all, f), ...perAccount(all, f), '']);

  out(whatBinds(one, all, f, floorMs));
  const ratio = all.wallMs / one.wallMs;
  const unknown = sum(scannedSummaries(all).map((s) => s.counts.unknown));
  const t = all.summary.totals;
  out([
    'bars (issue 12)',
    `  one account ${sec(one.wallMs)}; the organisation ${sec(all.wallMs)}: ratio ${ratio.toFixed(3)} (bar <= ${BAR_RATIO})  ${verdict(ratio <= BAR_RATIO)}`,
    `  one account after another would take about ${f.accounts} x ${sec(one.wallMs)} = ${sec(f.accounts * one.wallMs)} (${f.accounts}x); side by side is ${((f.accounts * one.wallMs) / all.wallMs).toFixed(1)}x faster`,
    `  unknown keys ${unknown}, not checked ${t.notChecked} (bar 0)  ${verdict(unknown === 0 && t.notChecked === 0)}`,
    `  accounts scanned ${t.scanned} of ${t.accounts}, not scanned ${t.notScanned} (bar: all)  ${verdict(t.scanned === f.accounts && t.notScanned === 0)}`,
  ]);
}
