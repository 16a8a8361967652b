/**
 * `npm run bench -- --incremental`: a simulated day of hourly timer runs with the state in the
 * simulator's OSS (the real ali-oss client), against 24 stateless full scans.
 *
 * Serves a generated account (10,000 users x 2 keys by default, shaped to --stale-share) from the
 * loopback fake with per-call latency and QPS limits at the real limits' ratio (ActionTrail Q,
 * RAM 2Q: 50/s and 100/s in a real account). Each run is the deployed bundle's handler in its own
 * process, invoked with a timer event, as the existing bench runs it. Its clock (Date.now, which
 * the handler's system clock reads) is the simulated hour plus the real time elapsed; the SDKs
 * sign with `new Date()`, which is not shifted, so the fake checks their signatures against the
 * wall clock as it always does, while the DingTalk robot and the QPS windows run on the simulated
 * clock too.
 *
 * Order: a stateless timer run (today's hourly run, the full scan whose wall time the bars compare
 * with), a first run with STATE_URL (no state yet: a full scan that writes it), --warmup-hours
 * hourly runs (default none), then the measured --hours hourly runs, one of them the digest
 * (DIGEST_HOUR). Between runs the account lives: new uses on
 * a share of the keys in use, some stale keys used again (their episode ends), new keys (a new
 * user each), deleted keys, keys disabled and re-enabled.
 *
 * Why the stale share matters: for verdicts to equal a full scan's, every key that is stale by
 * the state is looked up in every run (a use may end its episode at any time), besides keys that
 * cross before the next run, new keys, a rolling 1/24 share and, in the digest, the warn tier. A
 * run that is not the digest looks up about (stale share + 1/24 + crossings + new keys) of the
 * keys, so the bars hold only while stale keys are a small share (about 4-5% at most).
 *
 *   npm run bench -- --incremental                          10,000 users x 2 keys, Q = 200, stale share 0.02
 *   npm run bench -- --incremental --qps 50                 the real limits (50/s ActionTrail, 100/s RAM)
 *   npm run bench -- --incremental --users 2000 --stale-share 0.25
 *   npm run bench -- --incremental --users 2000 --warmup-hours 24   the second day after the first full scan
 *   flags: --users N --keys-per-user N --qps Q --stale-share F --hours H --warmup-hours H --latency MIN-MAX
 *          --client-share F --use-rate F --revive-rate F --churn-rate F --seed N
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Summary } from '../functions/stale-key-detector/src/core/summary';
import type { WorkerResult } from './bench';
import { buildAccount, createRng, productUse, randomAccessKeyId, startFakeCloud, type FakeAccount, type FakeCloud, type FakeKey, type Rng } from '../simulator';
import { fcContext, SIMULATOR_STATE_BUCKET, simulatorEnv, simulatorStateEnv } from '../simulator/function-wiring';
import { childOutput } from './child-output';
import { latencyFlag, numberFlag } from './bench-flags';

const root = resolve(__dirname, '..');
const bundle = join(root, 'functions', 'stale-key-detector', 'dist', 'index.js');
const worker = join(root, 'scripts', 'bench-worker.js');

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The function's defaults, which the runs use: STALE_AFTER_DAYS, WARN_WITHIN_DAYS, SCHEDULE_MINUTES. */
const THRESHOLD_DAYS = 90;
const WARN_DAYS = 7;
/** ActionTrail keeps about 400 days. */
const RETENTION_MS = 400 * DAY_MS;
const STATE_PREFIX = 'bench';
const AT = 'actiontrail:GetAccessKeyLastUsedProducts';

/** The bars of issue 11. */
const BARS = { nonDigestShare: 0.1, dayRatio: 2, hourlyWall: 0.35, stateBytesAt20k: 1024 * 1024 } as const;

/**
 * The worker with its clock shifted: Date.now() is the real time plus BENCH_CLOCK_OFFSET_MS, from
 * before the bundle loads. `new Date()` (what the SDKs sign with) is left as it is.
 */
const SHIFTED_WORKER = `
const offset = Number(process.env.BENCH_CLOCK_OFFSET_MS);
if (!Number.isFinite(offset)) throw new Error('BENCH_CLOCK_OFFSET_MS is not a number');
const realNow = Date.now.bind(Date);
Date.now = () => realNow() + offset;
require(process.env.BENCH_WORKER);
`;


function flags(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      incremental: { type: 'boolean', default: true },
      users: { type: 'string', default: '10000' },
      'keys-per-user': { type: 'string', default: '2' },
      qps: { type: 'string', default: '200' },
      'stale-share': { type: 'string', default: '0.02' },
      hours: { type: 'string', default: '24' },
      'warmup-hours': { type: 'string', default: '0' },
      latency: { type: 'string', default: '30-90' },
      'client-share': { type: 'string', default: '0.95' },
      'use-rate': { type: 'string', default: '0.03' },
      'revive-rate': { type: 'string', default: '0.01' },
      'churn-rate': { type: 'string', default: '0.0005' },
      seed: { type: 'string', default: '42' },
    },
    strict: true,
  });
  const num = (name: keyof typeof values, min: number, max?: number): number => numberFlag(values[name], name, min, max);
  const latency = latencyFlag(values.latency);
  const qps = num('qps', 1);
  return {
    users: Math.floor(num('users', 1)),
    keysPerUser: Math.floor(num('keys-per-user', 1, 2)),
    qps,
    /** RAM at twice ActionTrail, as in a real account (100/s vs 50/s). */
    ramQps: 2 * qps,
    staleShare: num('stale-share', 0, 0.8),
    hours: Math.floor(num('hours', 1, 48)),
    /** Hourly runs before the measured ones, so that these show the state after a day of runs, not after the first full scan. */
    warmupHours: Math.floor(num('warmup-hours', 0, 48)),
    latency,
    clientShare: num('client-share', 0.1, 1),
    useRate: num('use-rate', 0, 1),
    reviveRate: num('revive-rate', 0, 1),
    churnRate: num('churn-rate', 0, 0.1),
    seed: Math.floor(num('seed', 0)),
  };
}

type Flags = ReturnType<typeof flags>;

/**
 * buildAccount's bands for a stale share F (at the 90-day threshold): 5% disabled, never-used keys
 * min(F, 10%) of the keys (half created long ago, stale; half recently), the rest of F idle for
 * 91-700 days, 5% idle for 30-89 days (they cross in the following days), the others used within
 * 30 days.
 */
function accountShape(staleShare: number) {
  const neverUsedFraction = Math.min(staleShare, 0.1);
  return {
    inactiveFraction: 0.05,
    neverUsedFraction,
    staleFraction: Math.max(0, staleShare - neverUsedFraction / 2),
    staleIdleDays: [THRESHOLD_DAYS + 1, 700] as const,
    idleFraction: 0.05,
    idleDays: [30, THRESHOLD_DAYS - 1] as const,
  };
}

// ---- the account's truth: what a full scan at t would find ----

function staleAt(key: FakeKey, t: number): number {
  let lastUsed: number | undefined;
  for (const p of key.products) if (p.usedTimestamp >= t - RETENTION_MS && p.usedTimestamp <= t && (lastUsed === undefined || p.usedTimestamp > lastUsed)) lastUsed = p.usedTimestamp;
  return (lastUsed === undefined ? key.createDate : Math.max(lastUsed, key.createDate)) + THRESHOLD_DAYS * DAY_MS;
}

function liveKeys(account: FakeAccount): FakeKey[] {
  return account.users.flatMap((u) => u.keys);
}

/** What the plan must look up at t, by the account's truth (the state knows at least as much). */
interface Expectation {
  keys: number;
  users: number;
  stale: number;
  /** Cross in (t, t + 1 h]: confirmed before anyone is told. */
  crossing: number;
  /** Turn stale within WARN_WITHIN_DAYS (the digest re-checks them). */
  warn: number;
  added: number;
  rolling: number;
}

function expectation(account: FakeAccount, t: number, added: number): Expectation {
  const keys = liveKeys(account);
  let stale = 0;
  let crossing = 0;
  let warn = 0;
  for (const key of keys) {
    if (key.status !== 'Active') continue;
    const at = staleAt(key, t);
    if (t > at) stale += 1;
    else if (at <= t + HOUR_MS) crossing += 1;
    else if (at <= t + WARN_DAYS * DAY_MS) warn += 1;
  }
  return { keys: keys.length, users: account.users.length, stale, crossing, warn, added, rolling: keys.length / 24 };
}

const expectedLookUps = (e: Expectation, digest: boolean): number => e.stale + e.crossing + e.added + e.rolling + (digest ? e.warn : 0);

// ---- the account lives between runs ----

interface Changes {
  uses: number;
  revived: number;
  added: number;
  deleted: number;
  disabled: number;
  enabled: number;
}

const USE_SERVICES = ['Ecs', 'Oss', 'Sls', 'Fc', 'Rds'] as const;

function recordUse(rng: Rng, key: FakeKey, at: number): void {
  const serviceName = USE_SERVICES[Math.floor(rng() * USE_SERVICES.length)] ?? 'Ecs';
  key.products = [productUse(serviceName, at, { userName: key.userName }), ...key.products.filter((p) => p.serviceName !== serviceName)];
}

function pickSome<T>(rng: Rng, items: readonly T[], count: number): T[] {
  const out: T[] = [];
  const taken = new Set<number>();
  while (out.length < Math.min(count, items.length)) {
    const i = Math.floor(rng() * items.length);
    if (taken.has(i)) continue;
    taken.add(i);
    out.push(items[i] as T);
  }
  return out;
}

/**
 * Events in [from, to): uses on `useRate` of the active keys that are not stale, `reviveRate` of
 * the stale ones used again, `churnRate` of the keys added (a new user with one key, half used at
 * once) and as many deleted, and `churnRate / 2` disabled and as many re-enabled.
 */
function liveAnHour(account: FakeAccount, rng: Rng, f: Flags, from: number, to: number, serial: { n: number }): Changes {
  // Whole milliseconds, as ActionTrail's UsedTimestamp.
  const when = (): number => Math.floor(from + rng() * (to - from - 1000));
  const keys = liveKeys(account);
  const changes: Changes = { uses: 0, revived: 0, added: 0, deleted: 0, disabled: 0, enabled: 0 };
  for (const key of keys) {
    if (key.status !== 'Active') continue;
    const stale = from > staleAt(key, from);
    if (rng() < (stale ? f.reviveRate : f.useRate)) {
      recordUse(rng, key, when());
      if (stale) changes.revived += 1;
      else changes.uses += 1;
    }
  }
  const churn = Math.max(1, Math.round(keys.length * f.churnRate));
  for (const key of pickSome(rng, keys, churn)) {
    const user = account.getUser(key.userName);
    const i = user?.keys.indexOf(key) ?? -1;
    if (user !== undefined && i >= 0) {
      user.keys.splice(i, 1);
      changes.deleted += 1;
    }
  }
  for (let i = 0; i < churn; i += 1) {
    serial.n += 1;
    const created = Math.floor(when() / 1000) * 1000;
    const user = account.addUser({ userName: `bench-new-${serial.n}`, displayName: `New hire ${serial.n}`, createDate: created });
    let accessKeyId = randomAccessKeyId(rng);
    while (account.getKey(accessKeyId) !== undefined) accessKeyId = randomAccessKeyId(rng);
    const key = account.addKey(user.userName, { accessKeyId, createDate: created });
    if (rng() < 0.5) recordUse(rng, key, Math.min(to - 1000, created + 60_000));
    changes.added += 1;
  }
  const flips = Math.max(1, Math.round((keys.length * f.churnRate) / 2));
  const remaining = liveKeys(account);
  const inactive = remaining.filter((k) => k.status === 'Inactive');
  for (const key of pickSome(rng, remaining.filter((k) => k.status === 'Active'), flips)) {
    key.status = 'Inactive';
    changes.disabled += 1;
  }
  for (const key of pickSome(rng, inactive, flips)) {
    key.status = 'Active';
    changes.enabled += 1;
  }
  return changes;
}

// ---- runs ----

interface Counters {
  at: number;
  ram: number;
  oss: number;
  throttled: number;
}

function counters(cloud: FakeCloud): Counters {
  return {
    at: cloud.stats.get(AT).requests,
    ram: cloud.stats.get('ram:ListUsers').requests + cloud.stats.get('ram:ListAccessKeys').requests,
    oss: cloud.ossRequests.length,
    throttled: cloud.stats.totals().throttled,
  };
}

interface RunResult {
  label: string;
  simAt: number;
  summary: Summary;
  wallMs: number;
  calls: Counters;
  digest: boolean;
  expected: Expectation;
  changes: Changes | undefined;
}

class SimClock {
  private offset = 0;
  /** The simulated now: the real time shifted to the run's hour. */
  readonly now = (): number => Date.now() + this.offset;
  startAt(simAt: number): number {
    this.offset = simAt - Date.now();
    return this.offset;
  }
}

async function runHandler(f: Flags, env: Record<string, string>, event: unknown, offset: number): Promise<WorkerResult> {
  const childEnv = {
    PATH: process.env['PATH'] ?? '',
    ...env,
    ACTIONTRAIL_QPS: String(f.qps * f.clientShare),
    RAM_QPS: String(f.ramQps * f.clientShare),
    LOG_LEVEL: 'warn',
    NODE_OPTIONS: '--expose-gc',
    BENCH_CONTEXT: JSON.stringify(fcContext({ function: { name: 'stale-key-detector', timeout: 86_400 } })),
    BENCH_EVENT: JSON.stringify(event),
    BENCH_CLOCK_OFFSET_MS: String(offset),
    BENCH_WORKER: worker,
  };
  // The handler's log (e.g. the first run's "state not used: full scan") is shown only when the run fails.
  const { code, stdout, stderr } = await childOutput(spawn(process.execPath, ['-e', SHIFTED_WORKER], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] }));
  if (code !== 0) throw new Error(`worker exited with ${code}:\n${stderr.slice(-4000)}`);
  return JSON.parse(stdout) as WorkerResult;
}

const timerEvent = (at: number): unknown => ({ triggerTime: new Date(at).toISOString(), triggerName: 'hourly', payload: '' });

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const pct2 = (x: number): string => `${(x * 100).toFixed(2)}%`;
const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const pad = (s: string, n: number): string => s.padStart(n);
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');

function stateObject(cloud: FakeCloud): { name: string; bytes: number; generations: number } | undefined {
  const names = cloud.objects.keys(SIMULATOR_STATE_BUCKET).filter((k) => k.startsWith(`${STATE_PREFIX}/`) && /\/g\d+\.json\.br$/.test(k));
  const newest = names[names.length - 1];
  if (newest === undefined) return undefined;
  return { name: newest, bytes: cloud.objects.object(SIMULATOR_STATE_BUCKET, newest)?.body.length ?? 0, generations: names.length };
}

const HEADER = `${pad('run', 4)} ${pad('sim time (UTC)', 16)} ${pad('kind', 7)} ${pad('keys', 7)} ${pad('AT calls', 8)} ${pad('AT/keys', 7)} ${pad('expected', 8)} ${pad('looked up', 9)} ${pad('from state', 10)} ${pad('RAM calls', 9)} ${pad('OSS', 4)} ${pad('wall', 8)} ${pad('/full', 6)} ${pad('/RAM floor', 10)} ${pad('msgs', 4)}  changes before the run (uses, stale used again, +keys, -keys, disabled, re-enabled)`;

function row(r: RunResult, f: Flags, fullWallMs: number | undefined): string {
  const keys = r.summary.counts.keys;
  const ramFloorMs = (r.summary.counts.users / f.ramQps) * 1000;
  const kind = r.summary.state.where === null ? 'no state' : !r.summary.state.loaded ? 'full' : r.digest ? 'digest' : 'hourly';
  const expected = r.summary.state.loaded ? int(expectedLookUps(r.expected, r.digest)) : int(keys);
  const c = r.changes;
  return [
    pad(r.label, 4),
    pad(new Date(r.simAt).toISOString().slice(0, 16).replace('T', ' '), 16),
    pad(kind, 7),
    pad(int(keys), 7),
    pad(int(r.calls.at), 8),
    pad(pct(r.calls.at / keys), 7),
    pad(expected, 8),
    pad(int(r.summary.state.keysLookedUp), 9),
    pad(int(r.summary.state.keysFromState), 10),
    pad(int(r.calls.ram), 9),
    pad(String(r.calls.oss), 4),
    pad(sec(r.wallMs), 8),
    pad(fullWallMs === undefined ? '' : (r.wallMs / fullWallMs).toFixed(3), 6),
    pad((r.wallMs / ramFloorMs).toFixed(2), 10),
    pad(String(r.summary.notified.messages), 4),
    c === undefined ? '' : `  ${c.uses} ${c.revived} +${c.added} -${c.deleted} ${c.disabled} ${c.enabled}`,
  ].join(' ');
}

export async function benchIncremental(argv: readonly string[]): Promise<void> {
  const f = flags(argv);
  const out = (line = ''): void => {
    process.stdout.write(`${line}\n`);
  };
  out(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}; bundle ${(statSync(bundle).size / 1024).toFixed(0)} KiB`);
  out(`incremental bench: ${int(f.users)} users x ${f.keysPerUser} keys, ${f.hours} hourly runs${f.warmupHours > 0 ? ` after ${f.warmupHours} warm-up runs` : ''}; limits ActionTrail ${f.qps}/s, RAM ${f.ramQps}/s (the real ratio 50:100), client at ${pct(f.clientShare)} of them; latency ${f.latency[0]}-${f.latency[1]} ms`);
  out(`account shaped to a stale share of ${pct(f.staleShare)} (--stale-share ${f.staleShare}); every hour: uses on ${pct(f.useRate)} of the keys in use, ${pct(f.reviveRate)} of the stale keys used again, ${pct2(f.churnRate)} of the keys added and as many deleted, ${pct2(f.churnRate / 2)} disabled and as many re-enabled`);

  // The runs are in the past of the wall clock, on whole hours: hour0 is the first measured run,
  // the warm-up runs are before it, the first run with a state before them, the stateless run and
  // the account's creation an hour before that.
  const hour0 = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - (f.hours + 3) * HOUR_MS;
  const seedAt = hour0 - (f.warmupHours + 1) * HOUR_MS;
  const fullAt = seedAt - HOUR_MS;
  const digestIndex = Math.min(9, f.hours - 1);
  const digestHour = new Date(hour0 + digestIndex * HOUR_MS).getUTCHours();
  const account = buildAccount({ users: f.users, keysPerUser: f.keysPerUser, now: fullAt, seed: f.seed, ...accountShape(f.staleShare) });
  const rng = createRng(f.seed ^ 0x5bd1e995);
  const serial = { n: 0 };
  const clock = new SimClock();
  const cloud = await startFakeCloud({
    account,
    latencyMs: f.latency,
    qps: { [AT]: f.qps, 'ram:ListAccessKeys': f.ramQps, 'ram:ListUsers': f.ramQps },
    seed: 7,
    now: clock.now,
  });
  const baseEnv = { ...simulatorEnv(cloud), REPORT_TIMEZONE: 'UTC', DIGEST_HOUR: String(digestHour) };
  const stateSettings = simulatorStateEnv(cloud, STATE_PREFIX);
  const stateEnv = { ...baseEnv, ...stateSettings };
  out(`digest: DIGEST_HOUR=${digestHour} UTC (run ${digestIndex}); state: ${stateSettings['STATE_URL'] ?? '?'} in the simulator's OSS`);
  out();

  const run = async (label: string, simAt: number, env: Record<string, string>, changes: Changes | undefined, added: number): Promise<RunResult> => {
    const expected = expectation(account, simAt, added);
    const before = counters(cloud);
    const offset = clock.startAt(simAt);
    const r = await runHandler(f, env, timerEvent(simAt), offset);
    const after = counters(cloud);
    const calls = { at: after.at - before.at, ram: after.ram - before.ram, oss: after.oss - before.oss, throttled: after.throttled - before.throttled };
    return { label, simAt, summary: r.summary, wallMs: r.wallMs, calls, digest: r.summary.report === 'full', expected, changes };
  };

  const runs: RunResult[] = [];
  let full: RunResult;
  let seeded: RunResult;
  try {
    out(HEADER);
    full = await run('full', fullAt, baseEnv, undefined, 0);
    out(row(full, f, undefined));
    seeded = await run('seed', seedAt, stateEnv, undefined, 0);
    out(row(seeded, f, full.wallMs));
    let previousEnd = seedAt + Math.ceil(seeded.wallMs);
    for (let h = -f.warmupHours; h < f.hours; h += 1) {
      const simAt = hour0 + h * HOUR_MS;
      const changes = liveAnHour(account, rng, f, previousEnd + 1000, simAt, serial);
      const r = await run(h < 0 ? `w${h + f.warmupHours}` : String(h), simAt, stateEnv, changes, changes.added);
      if (h === 0 && f.warmupHours > 0) out('     -- the measured runs --');
      if (h >= 0) runs.push(r);
      out(row(r, f, full.wallMs));
      previousEnd = simAt + Math.ceil(r.wallMs);
      if (r.summary.state.where !== null && !r.summary.state.loaded) throw new Error(`run ${h} did not load the state: ${r.summary.state.why ?? '?'}`);
      if (r.summary.state.why !== null) throw new Error(`run ${h}: ${r.summary.state.why}`);
    }
  } finally {
    await cloud.close();
  }
  const state = stateObject(cloud);

  // ---- the day ----
  const keysOf = (r: RunResult): number => r.summary.counts.keys;
  const meanKeys = runs.reduce((n, r) => n + keysOf(r), 0) / runs.length;
  const dayCalls = runs.reduce((n, r) => n + r.calls.at, 0);
  const statelessDay = runs.reduce((n, r) => n + keysOf(r), 0);
  const dayExpected = runs.reduce((n, r) => n + expectedLookUps(r.expected, r.digest), 0);
  const hourly = runs.filter((r) => !r.digest);
  const digests = runs.filter((r) => r.digest);
  const maxShare = Math.max(0, ...hourly.map((r) => r.calls.at / keysOf(r)));
  const meanShare = hourly.reduce((n, r) => n + r.calls.at / keysOf(r), 0) / Math.max(1, hourly.length);
  const walls = hourly.map((r) => r.wallMs).sort((a, b) => a - b);
  const medianWall = walls[Math.floor(walls.length / 2)] ?? 0;
  const maxWall = Math.max(0, ...runs.map((r) => r.wallMs));
  const ramFloorMs = (runs.reduce((n, r) => n + r.summary.counts.users, 0) / runs.length / f.ramQps) * 1000;
  const measuredStale = runs.reduce((n, r) => n + r.summary.counts.stale / keysOf(r), 0) / runs.length;
  const fullStaleShare = full.summary.counts.stale / keysOf(full);

  out();
  out(`kind: "no state" today's hourly run (STATE_URL unset); "full" the first run with STATE_URL (no state yet); "hourly"/"digest" the day's runs.`);
  out(`expected (formula): stale + crossing within the hour + new keys + keys/24 (+ the warn tier, ${WARN_DAYS} days, in the digest), from the account's truth before the run.`);
  out(`/full: wall time against the stateless run's; /RAM floor: wall time against users / RAM limit (${f.ramQps}/s).`);
  if (f.warmupHours < 24) out(`the measured runs start ${f.warmupHours + 1} hour(s) after the first full scan, whose look-ups all date from one instant: --warmup-hours 24 measures a day in the steady state.`);
  out();
  out(`the day (${runs.length} runs, stale share used: ${pct(f.staleShare)} shaped, ${pct(fullStaleShare)} measured at the first run, ${pct(measuredStale)} average over the day)`);
  out(`  ActionTrail calls: ${int(dayCalls)} vs ${int(statelessDay)} for ${runs.length} stateless runs (${(statelessDay / dayCalls).toFixed(1)}x fewer); ${(dayCalls / meanKeys).toFixed(2)}x the keys (stateless: ${(statelessDay / meanKeys).toFixed(0)}x); formula ${int(dayExpected)} (${(dayExpected / meanKeys).toFixed(2)}x)`);
  out(`  non-digest runs: ActionTrail calls ${pct(meanShare)} of the keys on average, ${pct(maxShare)} at most; digest: ${digests.map((r) => pct(r.calls.at / keysOf(r))).join(', ') || 'none in these hours'}`);
  out(`  RAM calls a run: ${int(runs.reduce((n, r) => n + r.calls.ram, 0) / runs.length)} (as a full scan: RAM is listed in full every run); OSS calls a run: ${(runs.reduce((n, r) => n + r.calls.oss, 0) / runs.length).toFixed(1)}`);
  out(`  wall time: full scan (stateless) ${sec(full.wallMs)}; hourly runs median ${sec(medianWall)} (${(medianWall / full.wallMs).toFixed(3)}x), slowest run of the day ${sec(maxWall)} (${(maxWall / full.wallMs).toFixed(3)}x); RAM floor users/RAM limit ${sec(ramFloorMs)} (${(ramFloorMs / full.wallMs).toFixed(3)}x of the full scan; median hourly run ${(medianWall / ramFloorMs).toFixed(2)}x the floor)`);
  const per20k = state === undefined ? undefined : (state.bytes / keysOf(runs[runs.length - 1] ?? full)) * 20_000;
  out(state === undefined ? '  state: no generation found in OSS' : `  state in OSS: ${state.name}, ${int(state.bytes)} bytes compressed for ${int(keysOf(runs[runs.length - 1] ?? full))} keys (${(state.bytes / keysOf(runs[runs.length - 1] ?? full)).toFixed(1)} B a key; about ${int((per20k ?? 0) / 1024)} KiB at 20,000 keys); ${state.generations} generations kept (a lifecycle rule expires old ones)`);
  out();
  const dayBarApplies = f.hours === 24;
  const at20k = Math.abs(meanKeys - 20_000) / 20_000 < 0.05;
  out(`bars (stale share ${pct(f.staleShare)}; the look-up bars hold only while stale keys are a small share, about 4-5% at most):`);
  out(`  ${verdict(maxShare <= BARS.nonDigestShare)}  non-digest hourly runs at most ${pct(BARS.nonDigestShare)} of a full scan's ActionTrail calls: max ${pct(maxShare)}`);
  out(
    dayBarApplies
      ? `  ${verdict(dayCalls / meanKeys <= BARS.dayRatio)}  a day's runs at most ${BARS.dayRatio}x the keys (stateless 24x): ${(dayCalls / meanKeys).toFixed(2)}x`
      : `  n/a   a day's runs at most ${BARS.dayRatio}x the keys: needs --hours 24 (these ${runs.length} runs: ${(dayCalls / meanKeys).toFixed(2)}x)`,
  );
  out(`  ${verdict(maxWall / full.wallMs <= BARS.hourlyWall)}  an hourly run at most ${BARS.hourlyWall}x the full scan's wall time: slowest ${(maxWall / full.wallMs).toFixed(3)}x (median ${(medianWall / full.wallMs).toFixed(3)}x)${at20k ? '' : `; measured at ${int(meanKeys)} keys, the bar is for 20,000`}`);
  out(per20k === undefined ? '  FAIL  state size: no state found' : `  ${verdict(per20k < BARS.stateBytesAt20k * 0.75)}  a 20,000-key state well under 1 MB (taken as at most three quarters of it): ${int(per20k / 1024)} KiB, ${((per20k / BARS.stateBytesAt20k) * 100).toFixed(0)}% of 1 MiB${at20k ? '' : ' (scaled from this run)'}; the random AccessKeyIds alone take about 300 KB`);
}
