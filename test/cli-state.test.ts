/**
 * The CLI's incremental state end to end: main() with the real SDKs (pop-core for STS and
 * ActionTrail, openapi-core for RAM, ali-oss for OSS) over HTTP against the loopback fake cloud,
 * which checks every signature. The default directory is $XDG_STATE_HOME of a temporary home:
 * nothing is written to the real one.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultStateDirectory } from '../cli/state-option';
import { displayWidth } from '../cli/table';
import { ossEndpointFor } from '../functions/stale-key-detector/src/adapters/oss-store';
import type { Summary } from '../functions/stale-key-detector/src/core/summary';
import { handleInvocation } from '../functions/stale-key-detector/src/handler';
import { silentLogger } from '../functions/stale-key-detector/src/logger';
import type { Clock } from '../functions/stale-key-detector/src/pacing/clock';
import { DEFAULT_CREDENTIALS, demoAccount, startFakeCloud, type FakeCloud } from '../simulator';
import { fcContext, SIMULATOR_ACCOUNT_ID, SIMULATOR_STATE_BUCKET, simulatorEnv, accountSummaryOf } from '../simulator/function-wiring';
import { type CliRun, cliEnv, runCli } from './helpers/cli-env';

/** Real time, instant back-off. */
const fastClock: Clock = { now: () => Date.now(), sleep: async () => {} };
const LOOKUP = 'actiontrail:GetAccessKeyLastUsedProducts';
const STS = 'sts:GetCallerIdentity';

let cloud: FakeCloud;
let home: string;

beforeEach(async () => {
  cloud = await startFakeCloud({ account: demoAccount(Date.now()), recordRequests: true });
  home = mkdtempSync(join(tmpdir(), 'skd-cli-state-'));
});
afterEach(async () => {
  await cloud.close();
  rmSync(home, { recursive: true, force: true });
});

const testEnv = (extra: Record<string, string | undefined> = {}): Record<string, string | undefined> => cliEnv(cloud, home, extra);

const defaultDir = (): string => join(home, 'xdg-state', 'stale-key-detector');
/** Where a directory state of the simulator's account keeps the generations of a region. */
const scopeDir = (root: string, region = 'cn-hangzhou'): string => join(root, SIMULATOR_ACCOUNT_ID, region);

type Run = CliRun;

const cli = (argv: string[], env: Record<string, string | undefined> = testEnv()): Promise<Run> => runCli(argv, env, home, fastClock);

/** A --json scan, and how many ActionTrail look-ups it made. */
async function jsonScan(argv: string[] = [], env?: Record<string, string | undefined>): Promise<{ run: Run; summary: Summary; lookups: number }> {
  const before = cloud.stats.get(LOOKUP).requests;
  const run = await cli(['scan', '--json', ...argv], env);
  expect(run.stderr).toBe('');
  return { run, summary: JSON.parse(run.stdout) as Summary, lookups: cloud.stats.get(LOOKUP).requests - before };
}

/**
 * What a scan decided, without how it got there. Not newlyStale: that is what the alert would
 * name, by the window rule without a state and by undelivered episode with one.
 */
const verdicts = (s: Summary): unknown => ({ stale: s.stale, counts: { ...s.counts, newlyStale: undefined }, unknown: s.unknown, unlistedUsers: s.unlistedUsers, complete: s.complete });

/** The report's "State..." sentence, unwrapped. */
const stateLine = (stdout: string): string => /\nState[^\n]*(?:\n(?!Dry run|Posted)[^\n]+)*/.exec(stdout)?.[0].trim().replace(/\n/g, ' ') ?? '';

describe('scan keeps a state by default', () => {
  it('the first scan writes one in $XDG_STATE_HOME/stale-key-detector, the second looks up fewer keys, with the same verdicts', async () => {
    const first = await jsonScan();
    expect(first.run.code).toBe(1);
    expect(first.lookups).toBe(16);
    expect(first.summary.state).toMatchObject({ where: `${defaultDir()}/`, loaded: false, keysLookedUp: 16, keysFromState: 0, savedGeneration: 1 });
    expect(first.summary.state.why).toMatch(/^missing: /);
    // Per account (STS GetCallerIdentity's) and region.
    expect(readdirSync(scopeDir(defaultDir())).sort()).toEqual(['g000000001.json.br', 'head.json']);
    expect(cloud.stats.get(STS).requests).toBe(1);

    const second = await jsonScan();
    expect(second.run.code).toBe(1);
    expect(second.summary.state).toMatchObject({ where: `${defaultDir()}/`, loaded: true, why: null, savedGeneration: 2 });
    expect(second.lookups).toBe(second.summary.state.keysLookedUp);
    expect(second.lookups).toBeLessThan(first.lookups);
    expect(second.summary.state.keysFromState).toBeGreaterThan(0);
    expect(verdicts(second.summary)).toEqual(verdicts(first.summary));
    // And against a scan that keeps none.
    const full = await jsonScan(['--no-state']);
    expect(full.lookups).toBe(16);
    expect(verdicts(full.summary)).toEqual(verdicts(second.summary));
  });

  it('says in the table report where the state is and what it saved, within 80 columns', async () => {
    const first = await cli(['scan']);
    expect(first).toMatchObject({ code: 1, stderr: '' });
    expect(stateLine(first.stdout)).toBe(`State at ${defaultDir()}/ not used (missing: no state at ${defaultDir()}/ yet): full scan, 16 keys looked up; saved as generation 1.`);
    const second = await cli(['scan', '--all']);
    expect(second).toMatchObject({ code: 1, stderr: '' });
    expect(stateLine(second.stdout)).toMatch(new RegExp(`^State at ${defaultDir()}/: (\\d+) of 16 keys looked up, (\\d+) taken from the state; saved as generation 2\\.$`));
    for (const line of [...first.stdout.split('\n'), ...second.stdout.split('\n')]) expect(displayWidth(line)).toBeLessThanOrEqual(80);
  });

  it('--stale-after-days reads the state and never writes it', async () => {
    await jsonScan();
    const other = await jsonScan(['--stale-after-days', '30']);
    expect(other.summary.state).toMatchObject({ loaded: true, savedGeneration: null });
    expect(other.lookups).toBeLessThan(16);
    expect(readdirSync(scopeDir(defaultDir())).sort()).toEqual(['g000000001.json.br', 'head.json']);
    // The same verdicts as a full scan under that threshold.
    expect(verdicts(other.summary)).toEqual(verdicts((await jsonScan(['--stale-after-days', '30', '--no-state'])).summary));
    const table = await cli(['scan', '--stale-after-days', '30']);
    expect(stateLine(table.stdout)).toMatch(/; not saved \(--stale-after-days reads the state, never writes it\)\.$/);
    // Nor does it create the default directory when there is none.
    rmSync(defaultDir(), { recursive: true });
    expect((await jsonScan(['--stale-after-days', '30'])).summary.state).toMatchObject({ loaded: false, savedGeneration: null });
    expect(existsSync(defaultDir())).toBe(false);
  });

  it('shares its scope with the function: the account from STS, the region; a state the CLI wrote is one the function loads', async () => {
    const dir = join(home, 'shared');
    await jsonScan(['--state', dir]);
    expect(existsSync(scopeDir(dir))).toBe(true);
    const summary = accountSummaryOf(await handleInvocation(Buffer.from('{"dryRun":true}'), fcContext(), { env: simulatorEnv(cloud, { STATE_URL: dir }), clock: fastClock, logger: silentLogger }));
    expect(summary.state).toMatchObject({ loaded: true, why: null });
    // Another region is another scope: a state of its own.
    const shanghai = await jsonScan(['--state', dir, '--region', 'cn-shanghai']);
    expect(shanghai.summary.state).toMatchObject({ loaded: false, savedGeneration: 1 });
    expect(existsSync(scopeDir(dir, 'cn-shanghai'))).toBe(true);
  });

  it('asks STS even for a key whose policy grants nothing but the scan: GetCallerIdentity needs no permission', async () => {
    const key = { accessKeyId: 'LTAI5tScanOnlyKey0000001', accessKeySecret: 'scan-only-secret-0001' };
    cloud.addCredential({ ...key, allowedActions: ['ram:ListUsers', 'ram:ListAccessKeys', LOOKUP] });
    const env = testEnv({ ALIBABA_CLOUD_ACCESS_KEY_ID: key.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: key.accessKeySecret, ALIBABA_CLOUD_SECURITY_TOKEN: undefined });
    expect((await jsonScan([], env)).summary.state).toMatchObject({ where: `${defaultDir()}/`, savedGeneration: 1 });
    expect((await jsonScan([], env)).summary.state).toMatchObject({ loaded: true, savedGeneration: 2 });
  });
});

describe('--no-state', () => {
  it('looks up every key, writes nothing and does not ask STS', async () => {
    const { run, summary, lookups } = await jsonScan(['--no-state']);
    expect(run.code).toBe(1);
    expect(lookups).toBe(16);
    expect(summary.state).toEqual({ where: null, loaded: false, why: '--no-state: every key looked up', keysLookedUp: 16, keysFromState: 0, savedGeneration: null });
    const table = await cli(['scan', '--no-state']);
    expect(stateLine(table.stdout)).toBe('State: none (--no-state: every key looked up).');
    expect(existsSync(join(home, 'xdg-state'))).toBe(false);
    expect(cloud.stats.get(STS).requests).toBe(0);
  });

  it('ignores STATE_URL, even a bad one kept for the function', async () => {
    const run = await cli(['scan', '--no-state'], testEnv({ STATE_URL: 'ftp://nowhere', STATE_OSS_ENDPOINT: 'not a url' }));
    expect(run).toMatchObject({ code: 1, stderr: '' });
  });
});

describe('--state', () => {
  const ossEnv = (): Record<string, string | undefined> => testEnv({ STATE_OSS_ENDPOINT: cloud.endpoint });

  it('oss://BUCKET/PREFIX keeps it in OSS with the operator\'s credentials, at the public endpoint\'s name', async () => {
    const first = await jsonScan(['--state', `oss://${SIMULATOR_STATE_BUCKET}/x`], ossEnv());
    expect(first.summary.state).toMatchObject({ where: `oss://${SIMULATOR_STATE_BUCKET}/x/`, loaded: false, savedGeneration: 1 });
    expect(cloud.objects.keys(SIMULATOR_STATE_BUCKET).sort()).toEqual([`x/${SIMULATOR_ACCOUNT_ID}/cn-hangzhou/g000000001.json.br`, `x/${SIMULATOR_ACCOUNT_ID}/cn-hangzhou/head.json`]);
    const second = await jsonScan(['--state', `oss://${SIMULATOR_STATE_BUCKET}/x`], ossEnv());
    expect(second.summary.state).toMatchObject({ loaded: true, savedGeneration: 2 });
    expect(second.lookups).toBeLessThan(16);
    expect(verdicts(second.summary)).toEqual(verdicts(first.summary));
    // Signed with the operator's STS key; addressed as OSS's public endpoint (the CLI runs outside the region).
    expect(cloud.ossRequests.length).toBeGreaterThan(0);
    for (const request of cloud.ossRequests) {
      expect(request.host).toBe(`${SIMULATOR_STATE_BUCKET}.oss-cn-hangzhou.aliyuncs.com`);
      expect(request.headers['x-oss-security-token']).toBe(DEFAULT_CREDENTIALS.securityToken);
    }
    expect(ossEndpointFor('cn-shanghai', false).href).toBe('https://oss-cn-shanghai.aliyuncs.com/');
    // Nothing in the default directory.
    expect(existsSync(join(home, 'xdg-state'))).toBe(false);
  });

  it('wins over STATE_URL, which is used without it', async () => {
    const fromEnv = join(home, 'from-env');
    const fromFlag = join(home, 'from-flag');
    expect((await jsonScan([], testEnv({ STATE_URL: fromEnv }))).summary.state.where).toBe(`${fromEnv}/`);
    expect((await jsonScan(['--state', fromFlag], testEnv({ STATE_URL: fromEnv }))).summary.state.where).toBe(`${fromFlag}/`);
    // A relative directory is relative to the working directory.
    expect((await jsonScan(['--state', 'here'])).summary.state.where).toBe(`${join(home, 'here')}/`);
    expect(existsSync(join(home, 'xdg-state'))).toBe(false);
  });

  it('a bad value fails naming --state, before any request', async () => {
    const cases: [string[], RegExp][] = [
      [['--state', 'oss://Bad_Bucket/x'], /^error: --state: names no valid OSS bucket/],
      [['--state', 'oss://stale-key-state/a/../b'], /^error: --state: has a prefix OSS cannot hold/],
      [['--state', 'https://example.com/state'], /^error: --state: must be oss:\/\/BUCKET\/PREFIX/],
      [['--state', ''], /^error: --state: needs a location/],
      [['--state'], /^error: --state: needs a value/],
      [['--state', join(home, 'a'), '--no-state'], /^error: --no-state: contradicts --state/],
      [['--state', join(home, 'a-file', 'state')], /^error: --state: cannot keep the state in .*a-file\/state: ENOTDIR.*; name a writable directory, or give --no-state/],
      // A directory under /proc cannot be made (Node's recursive mkdir never returns there).
      ...(process.platform === 'linux' ? [[['--state', '/proc/stale-key-detector-state'], /^error: --state: cannot keep the state in \/proc\/stale-key-detector-state: /] as [string[], RegExp]] : []),
    ];
    writeFileSync(join(home, 'a-file'), 'not a directory');
    for (const [argv, message] of cases) {
      const run = await cli(['scan', ...argv]);
      expect({ argv, code: run.code, stdout: run.stdout }).toEqual({ argv, code: 2, stdout: '' });
      expect(run.stderr).toMatch(message);
    }
    expect(cloud.stats.get('ram:ListUsers').requests).toBe(0);
    // A directory named in STATE_URL that cannot be written fails naming STATE_URL.
    const file = join(home, 'a-file');
    const env = await cli(['scan'], testEnv({ STATE_URL: file }));
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/^error: STATE_URL: cannot keep the state in .*a-file is not a directory/);
  });
});

describe('when the state cannot be used', () => {
  it('STS does not answer: every key looked up, the report says why, nothing saved', async () => {
    cloud.failNext(STS, 2, { kind: 'error', status: 503, code: 'ServiceUnavailable' });
    const { run, summary, lookups } = await jsonScan();
    expect(run.code).toBe(1);
    expect(lookups).toBe(16);
    expect(summary.state).toMatchObject({ where: `${defaultDir()}/`, loaded: false, savedGeneration: null, keysFromState: 0 });
    expect(summary.state.why).toMatch(/^its account is unknown: STS GetCallerIdentity failed: ServiceUnavailable \(HTTP 503\)/);
    expect(existsSync(scopeDir(defaultDir()))).toBe(false);
    // A blip is retried once.
    cloud.failNext(STS, 1, { kind: 'error', status: 503, code: 'ServiceUnavailable' });
    expect((await jsonScan()).summary.state).toMatchObject({ savedGeneration: 1 });
  });

  it('an STS endpoint that does not answer: the table report says so, exit code as usual', async () => {
    const run = await cli(['scan'], testEnv({ STS_ENDPOINT: 'http://127.0.0.1:1' }));
    expect(run).toMatchObject({ code: 1, stderr: '' });
    expect(stateLine(run.stdout)).toMatch(/^State at \S+ not used \(its account is unknown: STS GetCallerIdentity failed: NetworkError: .*\): full scan, 16 keys looked up; not saved\.$/);
    const bad = await cli(['scan'], testEnv({ STS_ENDPOINT: 'sts.aliyuncs.com' }));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: STS_ENDPOINT: must be a base URL/);
  });

  it('a default directory that cannot be written: a full scan that says why; the scan itself succeeds', async () => {
    const file = join(home, 'xdg-file');
    writeFileSync(file, 'not a directory');
    const { run, summary } = await jsonScan([], testEnv({ XDG_STATE_HOME: file }));
    expect(run.code).toBe(1);
    expect(summary.state).toMatchObject({ loaded: false, savedGeneration: null, keysLookedUp: 16 });
    expect(summary.state.why).toMatch(/^the directory cannot be written: .*; --state names another$/);
    expect(cloud.stats.get(STS).requests).toBe(0);
  });

  it('a state that cannot be saved fails the scan (exit 2) in the CLI\'s words: what failed, and the grant or --no-state', async () => {
    const key = { accessKeyId: 'LTAI5tReadOnlyState00001', accessKeySecret: 'read-only-state-secret' };
    cloud.addCredential({ ...key, allowedActions: ['ram:*', 'actiontrail:*', 'oss:GetObject'] });
    const env = testEnv({ ALIBABA_CLOUD_ACCESS_KEY_ID: key.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: key.accessKeySecret, ALIBABA_CLOUD_SECURITY_TOKEN: undefined, STATE_OSS_ENDPOINT: cloud.endpoint });
    const run = await cli(['scan', '--state', `oss://${SIMULATOR_STATE_BUCKET}/x`], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const [error, fix] = run.stderr.trimEnd().split('\n').slice(-2);
    expect(error).toMatch(new RegExp(`^error: the scan finished, but the state could not be saved at oss://${SIMULATOR_STATE_BUCKET}/x/: .*OSS PutObject failed: AccessDenied \\(HTTP 403\\)`));
    expect(fix).toMatch(/^fix: for oss:\/\/, grant these credentials oss:PutObject on the prefix .*; or give --no-state$/);
    // The core's log lines above it are the function's; the CLI's own error is not.
    expect(`${error}\n${fix}`).not.toContain('the report was posted');
    expect(run.stderr).not.toContain(key.accessKeySecret);
  });

  it('a wrong secret fails the scan as before, naming the code and the fix', async () => {
    const run = await cli(['scan'], testEnv({ ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'definitely-the-wrong-secret' }));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('SignatureDoesNotMatch');
    expect(run.stderr).toMatch(/\nfix: the access key or its secret is wrong/);
    expect(run.stderr + run.stdout).not.toContain('definitely-the-wrong-secret');
  });
});

describe('the default directory', () => {
  it('is $XDG_STATE_HOME/stale-key-detector, else ~/.local/state/stale-key-detector (a relative XDG_STATE_HOME is ignored)', () => {
    expect(defaultStateDirectory({ XDG_STATE_HOME: '/var/tmp/xdg' })).toBe(join('/var/tmp/xdg', 'stale-key-detector'));
    expect(defaultStateDirectory({})).toBe(join(homedir(), '.local', 'state', 'stale-key-detector'));
    expect(defaultStateDirectory({ XDG_STATE_HOME: '' })).toBe(join(homedir(), '.local', 'state', 'stale-key-detector'));
    expect(defaultStateDirectory({ XDG_STATE_HOME: 'relative/dir' })).toBe(join(homedir(), '.local', 'state', 'stale-key-detector'));
  });
});

describe('--help', () => {
  it('lists --state and --no-state, the default directory and STS_ENDPOINT, within 80 columns', async () => {
    const run = await cli(['scan', '--help']);
    expect(run.code).toBe(0);
    for (const text of ['--state LOCATION', '--no-state', 'XDG_STATE_HOME', '~/.local/state', 'STS_ENDPOINT', 'STATE_OSS_ENDPOINT', '--stale-after-days it is read and never written']) expect(run.stdout).toContain(text);
    for (const line of run.stdout.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(80);
  });
});
