/**
 * `npm run bench`: the scan's speed against the cloud's rate limits, on the simulator.
 *
 * Serves a generated account (10,000 users x 2 keys by default) from the loopback fake with
 * per-call latency and per-API QPS limits, runs the deployed bundle's handler (dry run) in a
 * child process, and reports the wall time against the floor keys / Q, as a ratio. Then a naive
 * sequential scan of a 500-key subset, and a fault run with throttling and 5xx injected.
 *
 *   npm run bench                          Q = 200 (short run)
 *   npm run bench -- --qps 50              the real ActionTrail limit (~7 min)
 *   npm run bench -- --users 2000 --no-faults --no-naive
 *   npm run bench -- --incremental         a simulated day of hourly runs with a state (scripts/bench-incremental.ts)
 *   npm run bench -- --organisation        20 accounts side by side against one alone, at the real limits (scripts/bench-organisation.ts)
 *   flags: --users N --keys-per-user N --qps Q --ram-qps N --latency MIN-MAX --client-share F
 *          --naive-keys N --throttle-rate F --error-rate F --no-naive --no-faults
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Summary } from '../functions/stale-key-detector/src/core/summary';
import { buildAccount, startFakeCloud, type FakeAccount, type FakeCloud } from '../simulator';
import { fcContext, simulatorAdapters } from '../simulator/function-wiring';
import { benchIncremental } from './bench-incremental';
import { benchOrganisation } from './bench-organisation';
import { childOutput } from './child-output';
import { latencyFlag, numberFlag } from './bench-flags';

const root = resolve(__dirname, '..');
const bundle = join(root, 'functions', 'stale-key-detector', 'dist', 'index.js');

export interface WorkerResult {
  summary: Summary;
  wallMs: number;
  loadMs: number;
  peakRss: number;
  /** Heap still used after a full GC at the end: what the run really holds. */
  liveHeap: number | null;
}

function flags() {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '10000' },
      'keys-per-user': { type: 'string', default: '2' },
      qps: { type: 'string', default: '200' },
      'ram-qps': { type: 'string' },
      latency: { type: 'string', default: '30-90' },
      'client-share': { type: 'string', default: '0.95' },
      'naive-keys': { type: 'string', default: '500' },
      'throttle-rate': { type: 'string', default: '0.3' },
      'error-rate': { type: 'string', default: '0.1' },
      'no-naive': { type: 'boolean', default: false },
      'no-faults': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const num = (name: keyof typeof values, min: number): number => numberFlag(values[name], name, min);
  const latency = latencyFlag(values.latency);
  const qps = num('qps', 1);
  return {
    users: num('users', 1),
    keysPerUser: num('keys-per-user', 1),
    qps,
    // RAM's real limit is 100/s; scaled up with Q so that, as in a real account, ActionTrail binds.
    ramQps: values['ram-qps'] === undefined ? Math.max(100, qps) : num('ram-qps', 1),
    latency,
    clientShare: num('client-share', 0.1),
    naiveKeys: num('naive-keys', 1),
    throttleRate: num('throttle-rate', 0),
    errorRate: num('error-rate', 0),
    naive: !values['no-naive'],
    faults: !values['no-faults'],
  };
}

type Flags = ReturnType<typeof flags>;

async function startCloud(account: FakeAccount, f: Flags, faults?: { throttleRate: number; serverErrorRate: number }): Promise<FakeCloud> {
  return startFakeCloud({
    account,
    latencyMs: f.latency,
    qps: { 'actiontrail:GetAccessKeyLastUsedProducts': f.qps, 'ram:ListAccessKeys': f.ramQps, 'ram:ListUsers': f.ramQps },
    ...(faults === undefined ? {} : { faults }),
    seed: 7,
  });
}

async function runWorker(cloud: FakeCloud, f: Flags): Promise<WorkerResult> {
  const env = {
    PATH: process.env['PATH'] ?? '',
    RAM_ENDPOINT: cloud.endpoint,
    ACTIONTRAIL_ENDPOINT: cloud.endpoint,
    ACTIONTRAIL_QPS: String(f.qps * f.clientShare),
    RAM_QPS: String(f.ramQps * f.clientShare),
    LOG_LEVEL: 'warn',
    NODE_OPTIONS: '--expose-gc',
    BENCH_CONTEXT: JSON.stringify(fcContext({ function: { name: 'stale-key-detector', timeout: 86_400 } })),
    BENCH_EVENT: '{"dryRun":true}',
  };
  const { code, stdout } = await childOutput(spawn(process.execPath, [join(root, 'scripts', 'bench-worker.js')], { env, stdio: ['ignore', 'pipe', 'inherit'] }));
  if (code !== 0) throw new Error(`worker exited with ${code}`);
  return JSON.parse(stdout) as WorkerResult;
}

/** What a first attempt would do: one call after another, no pacing, no retries. */
async function naiveScan(cloud: FakeCloud): Promise<{ keys: number; wallMs: number }> {
  const { ram, actionTrail: trail } = simulatorAdapters(cloud);
  const started = performance.now();
  let keys = 0;
  let marker: string | undefined;
  do {
    const page = await ram.listUsersPage(marker);
    marker = page.isTruncated ? page.marker : undefined;
    for (const user of page.users) {
      for (const key of await ram.listAccessKeys(user)) {
        await trail.lastUsedProducts(key.accessKeyId);
        keys += 1;
      }
    }
  } while (marker !== undefined);
  return { keys, wallMs: performance.now() - started };
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function report(label: string, r: WorkerResult, f: Flags, cloud: FakeCloud): number {
  const keys = r.summary.counts.keys;
  const floorMs = (keys / f.qps) * 1000;
  const ratio = r.wallMs / floorMs;
  const at = cloud.stats.get('actiontrail:GetAccessKeyLastUsedProducts');
  const lines = [
    `${label}`,
    `  keys ${keys} (users ${r.summary.counts.users}), Q ${f.qps}/s (client ${(f.qps * f.clientShare).toFixed(0)}/s), RAM ${f.ramQps}/s, latency ${f.latency[0]}-${f.latency[1]} ms`,
    `  wall ${s(r.wallMs)}, floor keys/Q ${s(floorMs)}, ratio wall/floor ${ratio.toFixed(3)}`,
    `  retries ${r.summary.api.retries}, throttled answers ${r.summary.api.throttled} (fake: ${cloud.stats.totals().throttled}), injected errors ${cloud.stats.totals().injectedErrors}, max ActionTrail calls in flight ${at.maxInFlight}`,
    `  unknown keys ${r.summary.counts.unknown}, stale ${r.summary.counts.stale}, peak RSS ${mb(r.peakRss)} (live heap after GC ${r.liveHeap === null ? '?' : mb(r.liveHeap)}), bundle require ${r.loadMs.toFixed(0)} ms`,
  ];
  process.stdout.write(`${lines.join('\n')}\n\n`);
  return ratio;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--incremental')) {
    await benchIncremental(argv);
    return;
  }
  if (argv.includes('--organisation')) {
    await benchOrganisation(argv);
    return;
  }
  const f = flags();
  const size = statSync(bundle).size;
  process.stdout.write(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}; bundle ${(size / 1024).toFixed(0)} KiB\n\n`);
  const now = Date.now();
  const account = buildAccount({ users: f.users, keysPerUser: f.keysPerUser, now, seed: 42 });

  const cloud = await startCloud(account, f);
  let clean: WorkerResult;
  try {
    clean = await runWorker(cloud, f);
    report('paced scan (the handler, dry run)', clean, f, cloud);
  } finally {
    await cloud.close();
  }

  if (f.naive) {
    const subsetUsers = Math.max(1, Math.ceil(f.naiveKeys / f.keysPerUser));
    const subset = await startCloud(buildAccount({ users: subsetUsers, keysPerUser: f.keysPerUser, now, seed: 42 }), f);
    try {
      const naive = await naiveScan(subset);
      const naiveRate = naive.keys / (naive.wallMs / 1000);
      const pacedRate = clean.summary.counts.keys / (clean.wallMs / 1000);
      process.stdout.write(
        `naive sequential scan (${naive.keys}-key subset)\n  wall ${s(naive.wallMs)}: ${naiveRate.toFixed(1)} keys/s vs paced ${pacedRate.toFixed(1)} keys/s: paced is ${(pacedRate / naiveRate).toFixed(1)}x faster;\n  naive at this rate would take ${s((clean.summary.counts.keys / naiveRate) * 1000)} for all ${clean.summary.counts.keys} keys\n\n`,
      );
    } finally {
      await subset.close();
    }
  }

  if (f.faults) {
    const faulty = await startCloud(account, f, { throttleRate: f.throttleRate, serverErrorRate: f.errorRate });
    try {
      const r = await runWorker(faulty, f);
      report(`fault run: ${f.throttleRate * 100}% throttled, ${f.errorRate * 100}% 5xx injected`, r, f, faulty);
      const before = new Set(clean.summary.stale.map((k) => k.accessKeyId));
      const after = new Set(r.summary.stale.map((k) => k.accessKeyId));
      // Keys that crossed the threshold between the two runs are not misjudged.
      const [t0, t1] = [Date.parse(clean.summary.now), Date.parse(r.summary.now)];
      const crossed = (id: string): boolean => {
        const key = account.getKey(id);
        if (key === undefined) return false;
        const ref = Math.max(key.createDate, ...account.productsOf(id).map((p) => p.usedTimestamp));
        const staleAt = ref + clean.summary.staleAfterDays * 86_400_000;
        return staleAt >= t0 && staleAt < t1;
      };
      const misjudged = [...before].filter((id) => !after.has(id)).concat([...after].filter((id) => !before.has(id))).filter((id) => !crossed(id));
      process.stdout.write(`  misjudged keys vs the fault-free run: ${misjudged.length}${misjudged.length > 0 ? ` (${misjudged.slice(0, 5).join(', ')})` : ''}\n`);
    } finally {
      await faulty.close();
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
