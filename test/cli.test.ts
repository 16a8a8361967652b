/**
 * The CLI end to end: main() with the real SDKs, the real credential chain and the real DingTalk
 * client, against the loopback fake cloud (which checks every signature). No real endpoint, no
 * metadata server, no profile of the machine running the tests.
 */
import { execFile } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderBar } from '../cli/progress';
import { displayWidth, type KeyRow, renderTable } from '../cli/table';
import { buildCli } from '../scripts/build';
import type { Summary } from '../functions/stale-key-detector/src/core/summary';
import { ConfigError } from '../functions/stale-key-detector/src/errors/config-error';
import { handleInvocation } from '../functions/stale-key-detector/src/handler';
import { createLogger } from '../functions/stale-key-detector/src/logger';
import type { Clock } from '../functions/stale-key-detector/src/pacing/clock';
import { DEFAULT_DINGTALK, DEMO_KEY_IDS, demoAccount, startFakeCloud, type FakeCloud } from '../simulator';
import { fcContext, simulatorEnv, accountSummaryOf } from '../simulator/function-wiring';
import { type CliRun, cliEnv, runCli } from './helpers/cli-env';

/** Real time, instant back-off. */
const fastClock: Clock = { now: () => Date.now(), sleep: async () => {} };

let cloud: FakeCloud;
let home: string;

beforeEach(async () => {
  cloud = await startFakeCloud({ account: demoAccount(Date.now()), recordRequests: true });
  home = mkdtempSync(join(tmpdir(), 'skd-cli-home-'));
});
afterEach(async () => {
  await cloud.close();
  rmSync(home, { recursive: true, force: true });
});

const testEnv = (extra: Record<string, string | undefined> = {}): Record<string, string | undefined> => cliEnv(cloud, home, extra);

type Run = CliRun;

/**
 * The installed package's layout, built once: bin/stale-key-detector.js and the esbuild bundle in
 * dist-cli/, in a directory with no sources and no node_modules (what `npm install -g` of the
 * packed tarball holds; .ci/run checks the real thing). The bin runs the bundle there.
 */
let installed: string;
beforeAll(async () => {
  installed = mkdtempSync(join(tmpdir(), 'skd-cli-installed-'));
  mkdirSync(join(installed, 'bin'));
  copyFileSync(join(__dirname, '..', 'bin', 'stale-key-detector.js'), join(installed, 'bin', 'stale-key-detector.js'));
  await buildCli(join(installed, 'dist-cli'));
}, 120_000);
afterAll(() => {
  rmSync(installed, { recursive: true, force: true });
});

/** The bin as a user runs it (node bin/stale-key-detector.js), in a child process, from the installed layout. */
function bin(argv: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(installed, 'bin', 'stale-key-detector.js'), ...argv], { env, cwd: home, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : undefined;
      if (code === undefined) reject(error ?? new Error('no exit code'));
      else resolve({ code, stdout, stderr });
    });
  });
}

function cli(argv: string[], options: { env?: Record<string, string | undefined>; isTTY?: boolean } = {}): Promise<Run> {
  return runCli(argv, options.env ?? testEnv(), home, fastClock, options.isTTY ?? false);
}

/** The function itself, as FC would run it, against the same fake. */
async function runFunction(event: Buffer | string, log: (line: string) => void = () => {}): Promise<Summary> {
  return handleInvocation(typeof event === 'string' ? Buffer.from(event) : event, fcContext(), {
    env: simulatorEnv(cloud),
    clock: fastClock,
    logger: createLogger({ level: 'info', sink: log }),
  }).then(accountSummaryOf);
}

/** What a function run with --report changes might return: nothing stale, nothing newly stale. */
const CANNED: Summary = {
  trigger: 'manual',
  report: 'changes',
  dryRun: true,
  now: '2026-11-25T01:00:00.000Z',
  staleAfterDays: 30,
  partial: false,
  complete: true,
  counts: { users: 1, keys: 1, stale: 0, unknown: 0, unlistedUsers: 0, inactive: 0, ok: 1, exempt: 0, newlyStale: 0, warn: 0, rotationOverdue: 0 },
  stale: [],
  newlyStale: [],
  unknown: [],
  unlistedUsers: [],
  notified: { messages: 0 },
  state: { where: null, loaded: false, why: "no state configured: every key looked up", keysLookedUp: 0, keysFromState: 0, savedGeneration: null },
  api: { calls: 3, retries: 0, throttled: 0 },
  durationMs: 12,
};

const staleIds = (s: Pick<Summary, 'stale'>): string[] => s.stale.map((k) => k.accessKeyId).sort();

const EXPECTED_STALE = [DEMO_KEY_IDS.exEmployee, DEMO_KEY_IDS.legacyNeverUsed, DEMO_KEY_IDS.liNaStale, DEMO_KEY_IDS.wangFangNeverUsed, DEMO_KEY_IDS.zhaoMinCrossed, DEMO_KEY_IDS.backupCrossed].sort();

describe('scan', () => {
  it('--json prints the function\'s summary: the same stale keys as a dry-run invocation, exit 1', async () => {
    const fromFunction = await runFunction('{"dryRun":true}');
    const run = await cli(['scan', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout) as Summary;
    expect(staleIds(summary)).toEqual(staleIds(fromFunction));
    expect(staleIds(summary)).toEqual(EXPECTED_STALE);
    expect(summary.counts).toEqual(fromFunction.counts);
    expect(summary.stale).toEqual(fromFunction.stale);
    expect(Object.keys(summary).sort()).toEqual(Object.keys(fromFunction).sort());
    expect(summary).toMatchObject({ trigger: 'cli', report: 'full', dryRun: true, staleAfterDays: 90, partial: false, notified: { messages: 0 } });
    expect(cloud.dingtalk.messages).toHaveLength(0);
  });

  /** Exempts the demo's four stale keys, so that nothing is stale. */
  const exemptStale = (): Record<string, string | undefined> => testEnv({ EXEMPTIONS: JSON.stringify(EXPECTED_STALE.map((accessKeyId) => ({ accessKeyId, reason: 'test' }))) });

  it('exits 0 when every key was checked and nothing is stale', async () => {
    const run = await cli(['scan', '--stale-after-days', '365'], { env: exemptStale() });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('No stale access keys.');
    expect(run.stdout).toContain('16 keys of 11 users: 0 stale');
    expect(run.stdout).toContain('Stale means unused for more than 365 days');
  });

  it('prints a table of the stale keys, longest idle first, with the counts', async () => {
    const run = await cli(['scan']);
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^USER +ACCESS KEY +STATUS +IDLE +LAST USED +PRODUCTS$/);
    const rows = lines.slice(1, 7);
    expect(rows.map((l) => l.split(/\s{2,}/)[1])).toEqual([
      DEMO_KEY_IDS.legacyNeverUsed,
      DEMO_KEY_IDS.wangFangNeverUsed,
      DEMO_KEY_IDS.exEmployee,
      DEMO_KEY_IDS.liNaStale,
      DEMO_KEY_IDS.backupCrossed,
      DEMO_KEY_IDS.zhaoMinCrossed,
    ]);
    const zhang = rows.find((l) => l.includes(DEMO_KEY_IDS.exEmployee)) ?? '';
    // IDLE in whole days (the hours only when the days equal the threshold).
    // The display name goes first when the USER column is short.
    expect(zhang).toMatch(/^zhang\.wei( \(张伟\))? +LTAI5t\w+ +stale +200 d +\d{4}-\d{2}-\d{2} +Ecs, Rds$/);
    // Created two years ago with no use recorded: idle as long as ActionTrail can vouch for, not
    // "never"; the legend under the table says since when.
    expect(rows.find((l) => l.includes(DEMO_KEY_IDS.legacyNeverUsed))).toMatch(/^legacy-b\S* +LTAI5t\w+ +stale +399 d +none +-$/);
    // Just past the threshold: the hours show, so it never reads as idle exactly 90 days.
    expect(rows.find((l) => l.includes(DEMO_KEY_IDS.zhaoMinCrossed))).toMatch(/ stale +90 d <1 h +\d{4}-\d{2}-\d{2} +Oss, Ecs$/);
    expect(lines[7]).toMatch(/^none: no use recorded since \d{4}-\d{2}-\d{2}, the start of ActionTrail's records\.$/);
    // Columns line up, CJK names counted two columns wide.
    const statusAt = new Set(lines.slice(0, 7).map((l) => displayWidth(l.slice(0, l.search(/ (STATUS|stale) /)))));
    expect(statusAt.size).toBe(1);
    expect(lines[8]).toBe('');
    // Always said, even when it is none.
    expect(run.stdout).toContain('\nCould not check 0 keys and the keys of 0 users.\n');
    expect(run.stdout).toContain('16 keys of 11 users: 6 stale, 8 ok, 2 inactive, 0 exempt, 0 not checked.');
    expect(run.stdout).toContain('Dry run: nothing was posted to DingTalk (--notify posts it).');
    expect(run.stdout).not.toContain(DEMO_KEY_IDS.ciDaily);
  });

  it('--all lists every key, stale first', async () => {
    const run = await cli(['scan', '--all']);
    expect(run.code).toBe(1);
    const rows = run.stdout.split('\n\n')[0]?.split('\n').slice(1, -1) ?? [];
    expect(rows).toHaveLength(16);
    expect(rows.map((l) => l.split(/\s{2,}/)[2])).toEqual([...Array(6).fill('stale'), ...Array(8).fill('ok'), 'inactive', 'inactive']);
    // Four products do not fit in what 80 columns leave: the first, and how many more.
    expect(rows.find((l) => l.includes(DEMO_KEY_IDS.ciDaily))).toMatch(/^ci-deplo\S* +LTAI5t\w+ +ok +0 d +\d{4}-\d{2}-\d{2} +Fc … \+3$/);
  });

  it('fits 80 columns: scan, scan --all, every help text; ids whole, USER cut with "…", PRODUCTS with "… +N"', async () => {
    const outputs = [
      (await cli(['scan'])).stdout,
      (await cli(['scan', '--all'])).stdout,
      (await cli(['scan', '--all', '--stale-after-days', '1'])).stdout,
      (await cli(['scan', '--help'])).stdout,
      (await cli(['invoke', '--help'])).stdout,
      (await cli(['--help'])).stdout,
    ];
    for (const output of outputs) {
      const wide = output.split('\n').filter((line) => displayWidth(line) > 80);
      expect(wide).toEqual([]);
    }
    for (const id of Object.values(DEMO_KEY_IDS)) expect(outputs[1]).toContain(id);

    // Long names and many products: cut by the rule, the id never.
    const now = Date.now();
    const row = (userName: string, displayName: string | undefined, accessKeyId: string, products: string[]): KeyRow => ({
      userName, displayName, accessKeyId, verdict: 'inactive', idleMs: 400 * 86_400_000, lastUsed: now - 400 * 86_400_000, noUseSince: undefined, createdAt: 0, products,
    });
    const table = renderTable(
      [
        row('a-very-long-ram-user-name-for-the-nightly-export-job', '夜间导出任务的服务账号', 'LTAI5tLongUserName000001', ['Ecs', 'Oss', 'Rds', 'Sls', 'Kms', 'Vpc', 'Actiontrail']),
        row('李娜的第二个账号和很长的名字', undefined, 'LTAI5tCjkName00000000002', ['Actiontrail', 'Resourcemanager']),
        row('ops', 'Ops', 'LTAI5tShort0000000000003', []),
      ],
      'UTC',
      { staleAfterDays: 90 },
    );
    const lines = table.trimEnd().split('\n');
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(80);
    expect(lines[1]).toMatch(/^a-very-long-\S*… +LTAI5tLongUserName000001 .* Ecs(, \w+)* … \+\d$/);
    // Not even the first product fits whole: it is cut, and the count of the others kept.
    expect(lines[2]).toMatch(/^李娜的\S*… +LTAI5tCjkName00000000002 .* Actio\S*… \+1$/);
    expect(lines[3]).toMatch(/^ops \(Ops\) +LTAI5tShort0000000000003 +inactive +400 d +\d{4}-\d{2}-\d{2} +-$/);
  });

  it('--stale-after-days and --region change the run', async () => {
    const run = await cli(['scan', '--json', '--stale-after-days', '30', '--region', 'cn-shanghai']);
    const summary = JSON.parse(run.stdout) as Summary;
    expect(summary.staleAfterDays).toBe(30);
    expect(staleIds(summary)).toEqual([...EXPECTED_STALE, DEMO_KEY_IDS.monitorIdle, DEMO_KEY_IDS.slsShipperIdle].sort());
  });

  const notifyEnv = (): Record<string, string | undefined> => testEnv({ DINGTALK_WEBHOOK_URL: cloud.dingtalkWebhookUrl, DINGTALK_SECRET: DEFAULT_DINGTALK.secret });

  it('--notify prints the table, then posts the report to DingTalk as the function does', async () => {
    const run = await cli(['scan', '--notify'], { env: notifyEnv() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(cloud.dingtalk.messages.length).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/^USER +ACCESS KEY/);
    expect(run.stdout).not.toContain('Dry run');
    // The last line says what was posted, after the table.
    expect(run.stdout.endsWith(`\nPosted ${cloud.dingtalk.messages.length === 1 ? '1 message' : `${cloud.dingtalk.messages.length} messages`} to DingTalk.\n`)).toBe(true);
    const text = cloud.dingtalk.messages.map((m) => m.text).join('\n');
    for (const id of EXPECTED_STALE) expect(text).toContain(id);
    // --json posts first, so that notified.messages is what DingTalk took.
    cloud.dingtalk.reset();
    const json = await cli(['scan', '--notify', '--json'], { env: notifyEnv() });
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as Summary).notified.messages).toBe(cloud.dingtalk.messages.length);
  });

  it('--notify: a DingTalk rejection is reported after the table, exit 2, and the failure alert goes out', async () => {
    cloud.dingtalk.failNext(1, 310000, 'keywords not in content');
    const run = await cli(['scan', '--notify'], { env: notifyEnv() });
    expect(run.code).toBe(2);
    // The whole result is printed, the rejection does not hide it.
    expect(run.stdout).toMatch(/^USER +ACCESS KEY/);
    for (const id of EXPECTED_STALE) expect(run.stdout).toContain(id);
    expect(run.stdout).toContain('16 keys of 11 users: 6 stale');
    expect(run.stdout).not.toContain('Posted');
    expect(run.stderr).toMatch(/^error: posted 0 of \d+ messages? to DingTalk: DingTalk refused the message: errcode 310000 \(keywords not in content\)/);
    // As the function does: the short failure alert, which the robot took.
    expect(cloud.dingtalk.messages).toHaveLength(1);
    expect(cloud.dingtalk.messages[0]?.text).toContain('could not be posted');
  });

  it('--notify without a webhook is an error naming the flag; without --notify nothing is posted', async () => {
    const run = await cli(['scan', '--notify']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: --notify: needs DINGTALK_WEBHOOK_URL/);
    const quiet = await cli(['scan'], { env: notifyEnv() });
    expect(quiet.code).toBe(1);
    expect(cloud.dingtalk.messages).toHaveLength(0);
    expect(cloud.stats.get('dingtalk:send').requests).toBe(0);
  });

  it('a plain scan reads no DingTalk setting: a partial or bad DINGTALK_* does not fail it', async () => {
    const cases = [
      { DINGTALK_SECRET: DEFAULT_DINGTALK.secret },
      { DINGTALK_SECRET: 'not-a-signing-secret', DINGTALK_WEBHOOK_URL: 'ftp://example' },
      { DINGTALK_KEYWORD: 'two\nlines', DINGTALK_AT_MOBILES: 'nobody', DINGTALK_AT_ALL: 'perhaps' },
    ];
    for (const dingtalk of cases) {
      const run = await cli(['scan'], { env: testEnv(dingtalk) });
      expect({ dingtalk, code: run.code, stderr: run.stderr }).toEqual({ dingtalk, code: 1, stderr: '' });
      // With --notify they are read, and the bad one is named.
      const notify = await cli(['scan', '--notify'], { env: testEnv(dingtalk) });
      expect(notify.code).toBe(2);
      expect(notify.stderr).toMatch(/^error: (DINGTALK_\w+|--notify): /);
    }
    expect(cloud.stats.get('dingtalk:send').requests).toBe(0);
  });

  it('draws a progress bar on stderr only when stderr is a terminal', async () => {
    const tty = await cli(['scan', '--json'], { isTTY: true });
    expect(tty.code).toBe(1);
    expect(tty.stderr).toContain('\r');
    expect(tty.stderr).toMatch(/\r.*█*░* \d+\/\d+ keys checked \d+s\x1b\[K/);
    // Redrawn at most every 100 ms, not once per key.
    expect(tty.stderr.split('keys checked').length - 1).toBeLessThan(14);
    // The bar is erased at the end: the last thing written is a clear-line.
    expect(tty.stderr.endsWith('\r\x1b[K')).toBe(true);
    expect(JSON.parse(tty.stdout)).toMatchObject({ counts: { keys: 16 } });
    const piped = await cli(['scan', '--json'], { isTTY: false });
    expect(piped.stderr).toBe('');
    expect(renderBar(7, 14, 3200)).toBe(`${'█'.repeat(12)}${'░'.repeat(12)} 7/14 keys checked 3s`);
  });

  it('exits 2 naming the flag for bad flags', async () => {
    const cases: [string[], string][] = [
      [['scan', '--stale-after-days', 'x'], 'error: --stale-after-days: must be a whole number from 1 to 365, got "x"'],
      [['scan', '--stale-after-days', '0'], 'error: --stale-after-days: must be a whole number from 1 to 365, got "0"'],
      [['scan', '--stale-after-days'], 'error: --stale-after-days: needs a value'],
      [['scan', '--bogus'], 'error: --bogus: unknown flag (see "stale-key-detector scan --help")'],
      [['scan', '-x'], 'error: -x: unknown flag'],
      [['scan', '--region', 'Hangzhou'], 'error: --region: must be a region id like cn-hangzhou, got "Hangzhou"'],
      [['scan', '--json=yes'], 'error: --json: is a switch and takes no value, got "yes"'],
      [['scan', '--json', '--all'], 'error: --all: only changes the table'],
      [['scan', '--region', 'cn-hangzhou', '--region', 'cn-beijing'], 'error: --region: given more than once'],
      [['scan', 'now'], 'error: now: unexpected argument'],
      [['scna'], 'error: scna: unknown command (commands: scan, invoke'],
      [['--json'], 'error: --json: unknown flag; give a command first'],
      [['invoke', '--report', 'weekly'], 'error: --report: must be one of full, changes, got "weekly"'],
      [['invoke', '--function', '9lives'], 'error: --function: must be a function name'],
    ];
    for (const [argv, message] of cases) {
      const run = await cli(argv);
      expect({ argv, code: run.code, stdout: run.stdout }).toEqual({ argv, code: 2, stdout: '' });
      expect(run.stderr.startsWith(message)).toBe(true);
    }
    expect(cloud.stats.get('ram:ListUsers').requests).toBe(0);
  });

  it('exits 2 on a bad setting in the environment, naming the variable', async () => {
    const run = await cli(['scan'], { env: testEnv({ RAM_QPS: 'fast' }) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: RAM_QPS: must be a number/);
  });

  it('exits 2 on a cloud error (wrong secret) with the code and the fix, and never prints the secret', async () => {
    const secret = 'definitely-the-wrong-secret';
    const run = await cli(['scan'], { env: testEnv({ ALIBABA_CLOUD_ACCESS_KEY_SECRET: secret }) });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('SignatureDoesNotMatch');
    expect(run.stderr).toMatch(/\nfix: the access key or its secret is wrong/);
    expect(run.stderr + run.stdout).not.toContain(secret);
  });

  it('no credentials: one line naming the ways to give them, and not one request (no ECS metadata probe)', async () => {
    // Nothing switched off: the ECS metadata service would be probed here if the CLI did so unasked.
    const env = testEnv({
      ALIBABA_CLOUD_ACCESS_KEY_ID: undefined,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: undefined,
      ALIBABA_CLOUD_SECURITY_TOKEN: undefined,
      ALIBABA_CLOUD_ECS_METADATA_DISABLED: undefined,
      ALIBABA_CLOUD_CREDENTIALS_URI: undefined,
      ALIBABA_CLOUD_CREDENTIALS_FILE: undefined,
    });
    // Every socket this process opens while the command runs (node:diagnostics_channel).
    const sockets: unknown[] = [];
    const onSocket = (message: unknown): void => {
      sockets.push(message);
    };
    subscribe('net.client.socket', onSocket);
    let run: Run;
    try {
      run = await cli(['scan'], { env });
    } finally {
      unsubscribe('net.client.socket', onSocket);
    }
    expect(sockets).toEqual([]);
    expect(cloud.stats.totals().requests).toBe(0);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')).toHaveLength(2);
    expect(run.stderr).toMatch(/^error: credentials: none found; set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET \(plus ALIBABA_CLOUD_SECURITY_TOKEN/);
    for (const way of ['--profile NAME', '~/.alibabacloud/credentials', 'aliyun configure', '~/.aliyun/config.json', 'ALIBABA_CLOUD_ECS_METADATA']) expect(run.stderr).toContain(way);
    expect(run.stderr).not.toContain('undefined');
  });

  it('no credentials: names a source that is there but unusable, and asks ALIBABA_CLOUD_CREDENTIALS_URI only when set', async () => {
    const noKeys = { ALIBABA_CLOUD_ACCESS_KEY_ID: undefined, ALIBABA_CLOUD_ACCESS_KEY_SECRET: undefined, ALIBABA_CLOUD_SECURITY_TOKEN: undefined };
    const half = await cli(['scan'], { env: testEnv({ ...noKeys, ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tHalfAKey0000000001', ALIBABA_CLOUD_CREDENTIALS_URI: undefined }) });
    expect(half.stderr).toMatch(/^error: credentials: none found \(ALIBABA_CLOUD_ACCESS_KEY_ID is set without ALIBABA_CLOUD_ACCESS_KEY_SECRET; ALIBABA_CLOUD_CREDENTIALS_FILE: no such file [^;]*\); set /);
    const uri = await cli(['scan'], { env: testEnv(noKeys) });
    expect(uri.code).toBe(2);
    expect(uri.stderr).toContain('ALIBABA_CLOUD_CREDENTIALS_URI: get sts token failed, httpStatus: 404');
  });

  it('exits 2 when keys could not be checked, whether stale keys were found or not', async () => {
    cloud.failKey(DEMO_KEY_IDS.ciDaily, { kind: 'error', status: 500, code: 'InternalError' });
    const clean = await cli(['scan'], { env: exemptStale() });
    expect(clean.code).toBe(2);
    expect(clean.stdout).toMatch(/^INCOMPLETE: 1 key could not be checked/);
    expect(clean.stdout).not.toContain('No stale access keys');
    const run = await cli(['scan']);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('Could not check 1 key and the keys of 0 users:');
    expect(run.stdout).toContain(DEMO_KEY_IDS.ciDaily);
    expect(run.stderr).toContain('error: 1 key could not be checked; the result is incomplete');
  });

  describe('--profile', () => {
    const PROFILE_KEY = { accessKeyId: 'LTAI5tProfileKey00000001', accessKeySecret: 'profile-key-secret-0001' };
    /** The environment's own key is one the fake does not know. */
    const unknownEnvKey = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tUnknownEnvKey000001', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'unknown-env-secret', ALIBABA_CLOUD_SECURITY_TOKEN: undefined };

    function writeCredentialsFile(path: string): void {
      writeFileSync(
        path,
        [
          '[default]',
          'type = access_key',
          'access_key_id = LTAI5tNotKnownToTheFake01',
          'access_key_secret = not-known-either-000',
          '',
          '[prod]',
          'type = access_key',
          `access_key_id = ${PROFILE_KEY.accessKeyId}`,
          `access_key_secret = ${PROFILE_KEY.accessKeySecret}`,
          '',
        ].join('\n'),
      );
    }

    beforeEach(() => {
      cloud.addCredential(PROFILE_KEY);
    });

    it('selects the profile from the credentials file, over the keys in the environment', async () => {
      const file = join(home, 'credentials.ini');
      writeCredentialsFile(file);
      const env = testEnv({ ...unknownEnvKey, ALIBABA_CLOUD_CREDENTIALS_FILE: file });
      // Without --profile the environment's key wins, and the fake refuses it.
      const withoutProfile = await cli(['scan'], { env });
      expect(withoutProfile.code).toBe(2);
      expect(withoutProfile.stderr).toContain('InvalidAccessKeyId');
      const withProfile = await cli(['scan', '--json', '--profile', 'prod'], { env });
      expect(withProfile.stderr).toBe('');
      expect(withProfile.code).toBe(1);
      expect(staleIds(JSON.parse(withProfile.stdout) as Summary)).toEqual(EXPECTED_STALE);
      // The default profile has a key the fake does not know.
      const defaultProfile = await cli(['scan', '--profile', 'default'], { env });
      expect(defaultProfile.code).toBe(2);
      expect(defaultProfile.stderr).toContain('InvalidAccessKeyId');
    });

    it('fails naming --profile for a profile that does not exist, without falling back', async () => {
      const file = join(home, 'credentials.ini');
      writeCredentialsFile(file);
      const run = await cli(['scan', '--profile', 'staging'], { env: testEnv({ ALIBABA_CLOUD_CREDENTIALS_FILE: file }) });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^error: --profile: no usable profile "staging" \(profile: .*staging/);
      expect(cloud.stats.get('ram:ListUsers').requests).toBe(0);
    });

    it('leaves process.env as it was', async () => {
      const before = { ...process.env };
      await cli(['scan', '--profile', 'nope']);
      await cli(['scan'], { env: testEnv({ ALIBABA_CLOUD_ACCESS_KEY_ID: undefined }) });
      expect(process.env).toEqual(before);
    });

    it('through the bin, running the bundle alone: reads ~/.alibabacloud/credentials of $HOME, and exits with the code', async () => {
      mkdirSync(join(home, '.alibabacloud'));
      writeCredentialsFile(join(home, '.alibabacloud', 'credentials'));
      const env = {
        PATH: process.env['PATH'] ?? '',
        HOME: home,
        USERPROFILE: home,
        ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
        ALIBABA_CLOUD_CREDENTIALS_URI: `${cloud.endpoint}/no-credentials-here`,
        RAM_ENDPOINT: cloud.endpoint,
        ACTIONTRAIL_ENDPOINT: cloud.endpoint,
        // The state goes to the default directory, ~/.local/state of this HOME.
        STS_ENDPOINT: cloud.endpoint,
        ALIBABA_CLOUD_ACCESS_KEY_ID: unknownEnvKey.ALIBABA_CLOUD_ACCESS_KEY_ID,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: unknownEnvKey.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
      };
      const scan = await bin(['scan', '--json', '--profile', 'prod'], env);
      expect(scan.stderr).toBe('');
      expect(scan.code).toBe(1);
      expect(staleIds(JSON.parse(scan.stdout) as Summary)).toEqual(EXPECTED_STALE);
      const bad = await bin(['scan', '--stale-after-days', 'x'], env);
      expect(bad).toEqual({ code: 2, stdout: '', stderr: 'error: --stale-after-days: must be a whole number from 1 to 365, got "x"; ActionTrail keeps about 400 days of history, so a longer threshold would judge keys on a use it can no longer see\n' });
      const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
      expect(await bin(['--version'], env)).toEqual({ code: 0, stdout: `stale-key-detector ${version}\n`, stderr: '' });
    });

    it('through the bin: invoke loads its Function Compute client from the bundle beside it', async () => {
      cloud.setFcHandler(async () => ({ result: { ...CANNED, report: 'full' }, log: 'canned\n' }));
      const env = Object.fromEntries(Object.entries({ PATH: process.env['PATH'], ...testEnv() }).filter((e): e is [string, string] => e[1] !== undefined));
      const run = await bin(['invoke', '--dry-run'], env);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('No stale access keys.');
      expect(cloud.fcInvocations).toHaveLength(1);
    });
  });
});

describe('invoke', () => {
  /** The deployed function: the real handler against the same fake, its log lines as FC's log. */
  function deployRealFunction(): void {
    cloud.setFcHandler(async (_name, body) => {
      const lines: string[] = [];
      const summary = await runFunction(body, (line) => lines.push(line));
      return { result: summary, log: `${lines.join('\n')}\n` };
    });
  }


  it('runs the function synchronously and prints its summary and the decoded log tail', async () => {
    deployRealFunction();
    const run = await cli(['invoke', '--dry-run']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const record = cloud.fcInvocations[0];
    expect(record).toMatchObject({ functionName: 'stale-key-detector', invocationType: 'Sync', outcome: 'ok' });
    expect(record?.body.toString()).toBe('{"dryRun":true}');
    expect(run.stdout).toContain(`Invoked stale-key-detector [RequestId ${record?.requestId}]`);
    expect(run.stdout).toMatch(/\nUSER +ACCESS KEY +STATUS +IDLE +LAST USED +PRODUCTS\n/);
    for (const id of EXPECTED_STALE) expect(run.stdout).toContain(id);
    expect(run.stdout).toContain('16 keys of 11 users: 6 stale');
    expect(run.stdout).toContain('Dry run: nothing was posted to DingTalk');
    const tail = run.stdout.slice(run.stdout.indexOf('--- log tail ---'));
    expect(tail).toContain(`FC Invoke Start RequestId: ${record?.requestId}`);
    expect(tail).toContain('"message":"run starting"');
    expect(tail).toContain('"message":"scan done"');
    expect(cloud.dingtalk.messages).toHaveLength(0);
  });

  it('--json prints the function\'s summary on stdout and the log tail on stderr', async () => {
    deployRealFunction();
    const run = await cli(['invoke', '--dry-run', '--json']);
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout) as Summary;
    expect(summary).toMatchObject({ trigger: 'manual', dryRun: true });
    expect(staleIds(summary)).toEqual(EXPECTED_STALE);
    expect(run.stderr).toContain('--- log tail ---');
    expect(run.stderr).toContain('FC Invoke End RequestId');
  });

  it('turns --dry-run, --report and --stale-after-days into exactly the event JSON', async () => {
    cloud.setFcHandler(async () => ({ result: CANNED, log: 'canned\n' }));
    const run = await cli(['invoke', '--dry-run', '--report', 'changes', '--stale-after-days', '30']);
    expect(run.code).toBe(0);
    expect(cloud.fcInvocations).toHaveLength(1);
    expect(cloud.fcInvocations[0]?.body.toString('utf8')).toBe('{"dryRun":true,"report":"changes","staleAfterDays":30}');
    expect(run.stdout).toContain('Newly stale (0): no key turned stale since the previous scheduled run.');
    expect(run.stdout).not.toContain('USER');
    expect(run.stdout).toContain('canned');
  });

  it('--report changes prints the newly stale keys as such, not a full report', async () => {
    deployRealFunction();
    const full = JSON.parse((await cli(['invoke', '--dry-run', '--json'])).stdout) as Summary;
    const [first, second] = [...full.stale].sort((a, b) => a.accessKeyId.localeCompare(b.accessKeyId));
    if (first === undefined || second === undefined) throw new Error('the demo account has stale keys');
    const changes: Summary = {
      ...full,
      report: 'changes',
      newlyStale: [first.accessKeyId],
      counts: { ...full.counts, newlyStale: 1 },
    };
    cloud.setFcHandler(async () => ({ result: changes, log: 'changes\n' }));
    const run = await cli(['invoke', '--dry-run', '--report', 'changes']);
    expect(run.code).toBe(1);
    const body = run.stdout.split('\n').slice(2);
    expect(body[0]).toBe('Newly stale (1), since the previous scheduled run:');
    expect(body[1]).toMatch(/^USER +ACCESS KEY +STATUS +IDLE +LAST USED +PRODUCTS$/);
    expect(body[2]).toContain(first.accessKeyId);
    expect(run.stdout).not.toContain(second.accessKeyId);
    expect(run.stdout).toContain(`${full.stale.length - 1} other keys are still stale; --report full lists every stale key.`);
    expect(run.stdout).toContain('Could not check 0 keys and the keys of 0 users.');
    for (const line of run.stdout.split('--- log tail ---')[0]?.split('\n') ?? []) expect(displayWidth(line)).toBeLessThanOrEqual(80);
  });

  it('sends {} without flags, and --function / --qualifier pick the function', async () => {
    cloud.setFcHandler(async () => ({ result: CANNED }), ['stale-key-detector', 'skd-staging']);
    expect((await cli(['invoke'])).code).toBe(0);
    expect((await cli(['invoke', '--function', 'skd-staging', '--qualifier', 'prod'])).code).toBe(0);
    expect(cloud.fcInvocations.map((r) => [r.functionName, r.qualifier ?? null, r.body.toString()])).toEqual([
      ['stale-key-detector', null, '{}'],
      ['skd-staging', 'prod', '{}'],
    ]);
  });

  it('exits 2 when the function fails, printing its error and log tail', async () => {
    cloud.setFcHandler(async () => {
      throw new ConfigError('DINGTALK_WEBHOOK_URL', 'is required (the robot\'s webhook URL) unless the event asks for {"dryRun": true}');
    });
    const run = await cli(['invoke']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: the function stale-key-detector failed \(UnhandledInvocationError\): ConfigError: DINGTALK_WEBHOOK_URL: is required/);
    expect(run.stderr).toContain(`[RequestId ${cloud.fcInvocations[0]?.requestId}]`);
    expect(run.stderr).toContain('--- log tail ---');
  });

  it('exits 2 on an FC API error, with advice', async () => {
    cloud.setFcHandler(async () => ({ result: CANNED }));
    const missing = await cli(['invoke', '--function', 'no-such-function']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: FC InvokeFunction failed: FunctionNotFound \(HTTP 404\)/);
    expect(missing.stderr).toContain('fix: check --function, --qualifier, --region and --account-id');
    const badSecret = await cli(['invoke'], { env: testEnv({ ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'wrong-secret-for-fc' }) });
    expect(badSecret.code).toBe(2);
    // FC 3.0's code, or FC 2.0's (@alicloud/fc2 signs as FC 2.0 does).
    expect(badSecret.stderr).toMatch(/Signature(Does)?NotMatch/);
    expect(cloud.fcInvocations).toHaveLength(0);
  });

  it('needs an account id (or FUNCTION_COMPUTE_ENDPOINT) for the endpoint', async () => {
    const run = await cli(['invoke'], { env: testEnv({ FUNCTION_COMPUTE_ENDPOINT: undefined }) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: --account-id: is needed: Function Compute 3\.0's endpoint is <account-id>\.<region>\.fc\.aliyuncs\.com/);
    const bad = await cli(['invoke', '--account-id', 'acme'], { env: testEnv({ FUNCTION_COMPUTE_ENDPOINT: undefined }) });
    expect(bad.stderr).toMatch(/^error: --account-id: must be your Alibaba Cloud account ID \(digits only\), got "acme"/);
    const badEndpoint = await cli(['invoke'], { env: testEnv({ FUNCTION_COMPUTE_ENDPOINT: 'ftp://example' }) });
    expect(badEndpoint.stderr).toMatch(/^error: FUNCTION_COMPUTE_ENDPOINT: must use http or https/);
  });
});

describe('help', () => {
  it.each([
    [['--help'], 'Usage:\n  stale-key-detector scan [flags]'],
    [['-h'], 'Usage:\n  stale-key-detector scan [flags]'],
    [['scan', '--help'], 'Usage: stale-key-detector scan [flags]'],
    [['scan', '-h'], 'Usage: stale-key-detector scan [flags]'],
    [['help', 'scan'], 'Usage: stale-key-detector scan [flags]'],
    [['invoke', '--help'], 'Usage: stale-key-detector invoke [flags]'],
  ])('%j exits 0 and shows usage with examples', async (argv, usage) => {
    const run = await cli(argv);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(usage);
    expect(run.stdout).toContain('Examples:\n  stale-key-detector ');
    expect(run.stdout).toContain('Exit codes: 0 nothing stale, 1 stale keys found, 2 error');
  });

  it('--version prints the package version, exit 0', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) expect(await cli([flag])).toEqual({ code: 0, stdout: `stale-key-detector ${version}\n`, stderr: '' });
    expect((await cli(['--help'])).stdout).toContain('stale-key-detector --version');
  });

  it('no arguments: the usage on stderr, exit 2', async () => {
    const run = await cli([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage:');
  });

  it('documents every flag the commands accept', async () => {
    const { SCAN_FLAGS } = await import('../cli/scan-command');
    const { INVOKE_FLAGS } = await import('../cli/invoke-command');
    const scan = (await cli(['scan', '--help'])).stdout;
    const invoke = (await cli(['invoke', '--help'])).stdout;
    for (const flag of Object.keys(SCAN_FLAGS)) expect(scan).toContain(`--${flag}`);
    for (const flag of Object.keys(INVOKE_FLAGS)) expect(invoke).toContain(`--${flag}`);
  });
});
