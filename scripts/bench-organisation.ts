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
 * assumes the member's role and scans it with rate limiters of its own (client at --client-share
 * of the limits, as a deployment should be), through the real SDKs.
 *
 * Two runs, the same path, each on a fresh simulator (same accounts): one account alone (the
 * coordinator with ACCOUNTS_INCLUDE naming member-01), then all N with ACCOUNT_CONCURRENCY = N.
 *
 * Where the workers run. On Function Compute each worker is an instance with a vCPU of its own;
 * here they share this machine's cores with the fake cloud, so the CPU used is printed, and
 * "what binds" says whether the CPU or the quotas bound the run. By default the workers run in
 * this process (the handler from the sources), sharing its one JavaScript thread with the fake
 * cloud: measured on 2 cores, 20 accounts x 2,000 keys at Q = 50 use 51-67 s of CPU for one
 * account's 44 s, so the thread is the limit and the ratio varies from run to run (1.27-1.45x).
 * --processes runs each invocation in a child process of its own instead, the deployed bundle's
 * handler, as FC runs each on an instance of its own; that is closer to FC's isolation but costs
 * 2.6-3 times the CPU (21 event loops each waking per call, 20 bundle loads and JIT warm-ups:
 * 139-175 s in all), which 2 cores cannot give within 44 s (2.2-2.7x).
 *
 *   npm run bench -- --organisation                       20 accounts x 1,000 users x 2 keys, Q = 50 (under 2 minutes)
 *   npm run bench -- --organisation --processes           each worker invocation in a child process (about 2.5 minutes)
 *   npm run bench -- --organisation --qps 200             4x the real limits (quicker, and 4x the CPU a second)
 *   flags: --accounts N --users N --keys-per-user N --qps Q --latency MIN-MAX --client-share F --processes
 *          --backlog N (the fake cloud's listen backlog, default 4096; 0 = Node's 511: see startCloud)
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
import { handleInvocation } from '../functions/stale-key-detector/src/handler';
import { createLogger } from '../functions/stale-key-detector/src/logger';
import { FakeAccount, startFakeCloud, type FakeCloud, type FakeCloudOptions, type FcInvocationOutcome } from '../simulator';
import { addSimulatorMembers, fcContext, organisationSummaryOf, simulatorMemberId, simulatorOrganisationEnv } from '../simulator/function-wiring';
import { childOutput } from './child-output';
import { latencyFlag, numberFlag } from './bench-flags';

const root = resolve(__dirname, '..');
const bundle = join(root, 'functions', 'stale-key-detector', 'dist', 'index.js');
const AT = 'actiontrail:GetAccessKeyLastUsedProducts';
const FUNCTION = { name: 'stale-key-detector', timeout: 3600 };
/** The issue's bar: the organisation's wall time over one account's. */
const BAR_RATIO = 1.3;

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

interface Instance {
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
      'client-share': { type: 'string', default: '0.95' },
      processes: { type: 'boolean', default: false },
      backlog: { type: 'string', default: '4096' },
    },
    strict: true,
  });
  const num = (name: keyof typeof values, min: number, max?: number): number => numberFlag(values[name], name, min, max);
  const latency = latencyFlag(values.latency);
  const qps = num('qps', 1, 10_000);
  return {
    accounts: Math.floor(num('accounts', 1, 100)),
    users: Math.floor(num('users', 1, 100_000)),
    keysPerUser: Math.floor(num('keys-per-user', 1, 2)),
    qps,
    /** RAM at twice ActionTrail, as in a real account (100/s vs 50/s). */
    ramQps: 2 * qps,
    latency,
    clientShare: num('client-share', 0.1, 1),
    inProcess: values.processes !== true,
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
  readonly instances: readonly Instance[];
  /** CPU of this process (the fake cloud, the coordinator, and the workers unless --processes). */
  readonly parentCpuMs: number;
  /** The event loop's delay in this process (ms): high when the fake cloud cannot keep up. */
  readonly loopDelay: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly cloud: FakeCloud;
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
 * startFakeCloud with a longer listen queue (`--backlog`; 0 keeps Node's 511). 20 accounts' workers
 * open connections by the hundred at once (each keeps up to ~45 look-ups in flight), and while this
 * machine's CPU is saturated a 511 queue overflows: connects wait for SYN retransmits (1 s, 3 s),
 * some outlast the function's 5 s connect timeout and are retried, and the retries feed the storm
 * (measured: 46,418 overflows and 1.66x instead of 0 and 1.27x). On the cloud each service's front
 * end takes the connections.
 */
function startCloud(options: FakeCloudOptions, backlog: number): Promise<FakeCloud> {
  return startFakeCloud(backlog === 0 ? options : { ...options, listenBacklog: backlog });
}

async function startOrganisation(f: Flags, now: number): Promise<FakeCloud> {
  const qps = { [AT]: f.qps, 'ram:ListUsers': f.ramQps, 'ram:ListAccessKeys': f.ramQps };
  const cloud = await startCloud({ account: new FakeAccount(), latencyMs: f.latency, seed: 7 }, f.backlog);
  addSimulatorMembers(cloud, { count: f.accounts, users: f.users, keysPerUser: f.keysPerUser, now, seed: 42, qps });
  return cloud;
}

/** FC's InvokeFunction on the fake: each invocation in this process, or (--processes) in a child process of its own. */
function wireWorkers(cloud: FakeCloud, env: Record<string, string>, f: Flags, instances: Instance[]): void {
  const accountOf = (body: Buffer): string => {
    const parsed = JSON.parse(body.toString('utf8')) as { accountScan?: { accountId?: string } };
    return parsed.accountScan?.accountId ?? '?';
  };
  if (f.inProcess) {
    const clock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
    cloud.setFcHandler(async (_name, body) => {
      const started = performance.now();
      const result = await handleInvocation(body, fcContext({ requestId: randomUUID(), function: FUNCTION }), { env, clock, logger: createLogger({ level: 'warn', sink: (line) => process.stderr.write(`${line}\n`) }) });
      const endedAt = performance.now();
      instances.push({ accountId: accountOf(body), startedAt: started, endedAt, wallMs: endedAt - started, loadMs: 0, cpuMs: Number.NaN, peakRss: Number.NaN });
      return { result };
    });
    return;
  }
  cloud.setFcHandler(async (_name, body): Promise<FcInvocationOutcome> => {
    const started = performance.now();
    const child = spawn(process.execPath, [...(process.env['BENCH_WORKER_NODE_ARGS']?.split(' ').filter(Boolean) ?? []), '-e', WORKER], {
      env: {
        PATH: process.env['PATH'] ?? '',
        ...env,
        BENCH_BUNDLE: bundle,
        BENCH_EVENT: body.toString('utf8'),
        BENCH_CONTEXT: JSON.stringify(fcContext({ requestId: randomUUID(), function: FUNCTION })),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { code, stdout, stderr: log } = await childOutput(child);
    if (code !== 0) return { error: { errorMessage: `the instance exited with ${code}: ${log.slice(-2000)}`, errorType: 'InstanceExited' }, log };
    const answer = JSON.parse(stdout) as { result?: unknown; error?: { errorMessage: string; errorType: string }; loadMs: number; cpuMs: number; peakRss: number };
    const endedAt = performance.now();
    instances.push({ accountId: accountOf(body), startedAt: started, endedAt, wallMs: endedAt - started, loadMs: answer.loadMs, cpuMs: answer.cpuMs, peakRss: answer.peakRss });
    return answer.error === undefined ? { result: answer.result, log } : { error: answer.error, log };
  });
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
  const cloud = await startOrganisation(f, now);
  const count = include?.length ?? f.accounts;
  const env = simulatorOrganisationEnv(cloud, {
    FUNCTION_COMPUTE_ENDPOINT: ownHost(cloud.endpoint),
    ACCOUNT_CONCURRENCY: String(Math.min(100, count)),
    ...(include === undefined ? {} : { ACCOUNTS_INCLUDE: include.join(',') }),
    ACTIONTRAIL_QPS: String(f.qps * f.clientShare),
    RAM_QPS: String(f.ramQps * f.clientShare),
    LOG_LEVEL: 'warn',
  });
  const instances: Instance[] = [];
  wireWorkers(cloud, env, f, instances);
  const clock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const tcp0 = tcpCounters();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  try {
    const answer = await handleInvocation(Buffer.from('{"report":"full","dryRun":true}'), fcContext({ requestId: randomUUID(), function: FUNCTION }), {
      env,
      clock,
      logger: createLogger({ level: 'warn', sink: (line) => process.stderr.write(`${line}\n`) }),
    });
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpu0);
    delay.disable();
    const loopDelay = { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 };
    const tcp1 = tcpCounters();
    const tcp = tcp0 === undefined || tcp1 === undefined ? undefined : { listenOverflows: tcp1.listenOverflows - tcp0.listenOverflows, synRetrans: tcp1.synRetrans - tcp0.synRetrans };
    return { summary: organisationSummaryOf(answer), wallMs, startedAt: started, instances, parentCpuMs: (cpu.user + cpu.system) / 1000, loopDelay, cloud, tcp };
  } catch (error) {
    await cloud.close();
    throw error;
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

function describeRun(label: string, r: RunResult, f: Flags): string[] {
  const t = r.summary.totals;
  const summaries = scannedSummaries(r);
  const unknown = sum(summaries.map((s) => s.counts.unknown));
  const workerCpu = sum(r.instances.map((i) => i.cpuMs));
  const cores = cpus().length;
  const totalCpu = r.parentCpuMs + (f.inProcess ? 0 : workerCpu);
  const lines = [
    label,
    `  wall ${sec(r.wallMs)} (the coordinator's invocation, from the event to its answer); accounts ${t.accounts}: scanned ${t.scanned}, not scanned ${t.notScanned}; keys ${t.keys}, unknown ${unknown}, not checked ${t.notChecked}, stale ${t.stale}; complete ${t.complete}`,
    r.instances.length === 0
      ? '  worker invocations: none answered'
      : `  worker invocations ${r.instances.length}: wall (${f.inProcess ? 'the handler' : 'spawn + load + handler'}) median ${sec(median(r.instances.map((i) => i.wallMs)))}, max ${sec(Math.max(...r.instances.map((i) => i.wallMs)))}` +
        (f.inProcess ? '' : `; bundle load median ${median(r.instances.map((i) => i.loadMs)).toFixed(0)} ms; peak RSS per instance median ${mb(median(r.instances.map((i) => i.peakRss)))}`),
    f.inProcess
      ? `  CPU: this process (fake cloud + coordinator + all workers) ${sec(r.parentCpuMs)} over ${sec(r.wallMs)} wall = ${(r.parentCpuMs / r.wallMs).toFixed(2)} of its one JS thread (the machine has ${cores} cores)`
      : `  CPU: this process (fake cloud + coordinator) ${sec(r.parentCpuMs)} = ${(r.parentCpuMs / r.wallMs).toFixed(2)} of its one JS thread; worker instances ${sec(workerCpu)} in all; total ${sec(totalCpu)} over ${sec(r.wallMs)} wall = ${(totalCpu / r.wallMs).toFixed(2)} cores busy on average, of the machine's ${cores}`,
    `  this process's event-loop delay: p50 ${r.loopDelay.p50.toFixed(1)} ms, p99 ${r.loopDelay.p99.toFixed(1)} ms, max ${r.loopDelay.max.toFixed(0)} ms (high = the fake cloud answered late: CPU, not quotas)`,
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
  const lines = [`  ${'account'.padEnd(10)} ${'id'.padEnd(16)} ${'keys'.padStart(6)} ${'unknown'.padStart(7)} ${'AT look-ups'.padStart(11)} ${'throttled'.padStart(9)} ${'ListAccessKeys'.padStart(14)} ${'ListUsers'.padStart(9)} ${'max AT in flight'.padStart(16)} ${'instance wall'.padStart(13)} ${'AT/s'.padStart(6)} ${'retries'.padStart(7)}${f.inProcess ? '' : ` ${'CPU'.padStart(7)}`}`];
  for (const a of r.summary.accounts) {
    const stats = r.cloud.statsOf(a.accountId);
    const at = stats.get(AT);
    const instance = byId.get(a.accountId);
    const keys = 'summary' in a ? String(a.summary.counts.keys) : 'NOT SCANNED';
    const unknown = 'summary' in a ? String(a.summary.counts.unknown) : '-';
    const rate = instance === undefined ? '-' : (at.successes / (instance.wallMs / 1000)).toFixed(1);
    lines.push(
      `  ${a.displayName.padEnd(10)} ${a.accountId.padEnd(16)} ${keys.padStart(6)} ${unknown.padStart(7)} ${String(at.successes).padStart(11)} ${String(at.throttled).padStart(9)} ${String(stats.get('ram:ListAccessKeys').successes).padStart(14)} ${String(stats.get('ram:ListUsers').successes).padStart(9)} ${String(at.maxInFlight).padStart(16)} ${(instance === undefined ? '-' : sec(instance.wallMs)).padStart(13)} ${rate.padStart(6)} ${('summary' in a ? String(a.summary.api.retries) : '-').padStart(7)}${f.inProcess ? '' : ` ${(instance === undefined ? '-' : sec(instance.cpuMs)).padStart(7)}`}`,
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
  const cores = cpus().length;
  const workerCpu = sum(all.instances.map((i) => i.cpuMs));
  const totalCpu = all.parentCpuMs + (f.inProcess ? 0 : workerCpu);
  // In-process, JavaScript runs on this process's one thread: its CPU over one core is the floor.
  const cpuFloorMs = f.inProcess ? all.parentCpuMs : totalCpu / cores;
  const lines = [
    'what binds',
    `  the quotas: one account alone took ${sec(one.wallMs)} against its ActionTrail floor of ${sec(floorMs)} (${(one.wallMs / floorMs).toFixed(3)}x)${one.wallMs <= floorMs * 1.15 ? ": one account's scan is quota-bound" : ': at this size start-up and latency weigh too'}`,
    f.inProcess
      ? `  this machine's CPU: the organisation's run used ${sec(all.parentCpuMs)} of CPU on this process's one JavaScript thread (fake cloud, coordinator and all ${all.instances.length} workers): at least ${sec(cpuFloorMs)}, ${(cpuFloorMs / one.wallMs).toFixed(2)}x one account's time`
      : `  this machine's CPU: the organisation's run used ${sec(totalCpu)} of CPU (workers ${sec(workerCpu)}, fake cloud + coordinator ${sec(all.parentCpuMs)}); on ${cores} cores that needs at least ${sec(cpuFloorMs)}, ${(cpuFloorMs / one.wallMs).toFixed(2)}x one account's time`,
    cpuFloorMs > one.wallMs * 0.9
      ? `  => the CPU binds here, not the quotas: the run's CPU ${cpuFloorMs > one.wallMs ? 'does not fit' : 'barely fits'} in ${f.inProcess ? "this process's one JavaScript thread" : `this machine's ${cores} cores`} within one account's time`
      : `  => the quotas bind: the run's CPU fits in ${f.inProcess ? "this process's one JavaScript thread" : `this machine's ${cores} cores`} within one account's time`,
  ];
  if (!f.inProcess && all.instances.length > 0) {
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
    `workers: ${f.inProcess ? 'in this process (the handler from the sources), sharing its one JS thread with the fake cloud (--processes: a child process each)' : "each invocation in a child process of its own running the deployed bundle's handler, as FC runs each on an instance of its own"}; coordinator event {"report":"full","dryRun":true}`,
    '',
  ]);
  const now = Date.now();
  const first = simulatorMemberId(1);

  const one = await coordinatorRun(f, now, [first]);
  try {
    out([...describeRun(`one account alone (ACCOUNTS_INCLUDE=${first}: the coordinator, one worker)`, one, f), ...perAccount(one, f), '']);
  } finally {
    await one.cloud.close();
  }

  const all = await coordinatorRun(f, now, undefined);
  try {
    out([...describeRun(`the organisation: ${f.accounts} accounts side by side (ACCOUNT_CONCURRENCY=${Math.min(100, f.accounts)})`, all, f), ...perAccount(all, f), '']);
  } finally {
    await all.cloud.close();
  }

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
