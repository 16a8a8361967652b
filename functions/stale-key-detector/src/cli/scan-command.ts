import { randomUUID } from 'node:crypto';
import { ActionTrailAdapter, type ActionTrailApi, createActionTrailClient } from '../adapters/actiontrail';
import { DingTalkRobot } from '../adapters/dingtalk';
import { createRamClient, RamAdapter, type RamApi } from '../adapters/ram';
import { DEFAULT_TIMEOUTS } from '../adapters/timeouts';
import { readString } from '../config/env-reader';
import { runOptionsFor } from '../config/run-config';
import { actionTrailEndpointFor, readSettings } from '../config/settings';
import { judge } from '../core/judge';
import { type RunOptions, runDetector } from '../core/run';
import type { Summary } from '../core/summary';
import { ConfigError } from '../errors/config-error';
import { createLogger } from '../logger';
import type { AccessKey, ProductUse, RamUser } from '../model';
import { systemClock } from '../pacing/clock';
import { parseFlags, regionId, wholeNumber } from './args';
import { cliCredentials } from './credentials';
import { type CliIo, EXIT, exitCodeFor } from './io';
import { ProgressBar } from './progress';
import { type KeyRow, plural, renderReport, rowFromFinding, rowFromStale } from './table';
import { SCAN_USAGE } from './usage';

export const SCAN_FLAGS = {
  'stale-after-days': { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  notify: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `scan`: the detector run from this machine, with the default credential chain. */
export async function scanCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, SCAN_FLAGS, 'scan');
  if (flags.help === true) {
    io.stdout.write(SCAN_USAGE);
    return EXIT.clean;
  }
  if (flags.json === true && flags.all === true) {
    throw new ConfigError('--all', 'only changes the table; --json always prints the whole summary, so give one or the other');
  }
  const staleAfterDays = flags['stale-after-days'] === undefined ? undefined : wholeNumber('--stale-after-days', flags['stale-after-days'], 1, 3650);
  const region = flags.region === undefined ? undefined : regionId('--region', flags.region);
  const notify = flags.notify === true;

  const settings = readSettings(io.env, { cwd: io.cwd });
  if (notify && settings.webhook === undefined) {
    throw new ConfigError('--notify', 'needs DINGTALK_WEBHOOK_URL (the robot\'s webhook, with DINGTALK_SECRET if the robot signs); leave --notify out to print only');
  }
  const clock = io.clock ?? systemClock;
  const progress = new ProgressBar(io.stderr, clock, io.isTTY);
  // The function logs at info; on a terminal only warnings and errors, unless LOG_LEVEL says otherwise.
  const logger = createLogger({
    level: readString(io.env, 'LOG_LEVEL') === undefined ? 'warn' : settings.logLevel,
    sink: (line) => {
      progress.clear();
      io.stderr.write(`${line}\n`);
    },
  });

  const credentials = await cliCredentials(io.env, flags.profile);
  const scanRegion = region ?? settings.region;
  const recorder = new Recorder(progress, flags.all === true);
  const ram = recorder.ram(new RamAdapter(createRamClient(credentials, settings.ramEndpoint, DEFAULT_TIMEOUTS)));
  const actionTrail = recorder.actionTrail(new ActionTrailAdapter(createActionTrailClient(credentials, actionTrailEndpointFor(settings, scanRegion)), DEFAULT_TIMEOUTS));
  const notifier = notify && settings.webhook !== undefined ? new DingTalkRobot(settings.webhook, { clock }) : undefined;
  const options = runOptionsFor(settings, {
    trigger: 'cli',
    runId: `cli:${randomUUID()}`,
    now: clock.now(),
    report: 'full',
    dryRun: !notify,
    staleAfterDays,
    // No time limit on a terminal: Ctrl-C stops it.
    deadline: Number.POSITIVE_INFINITY,
    onProgress: ({ keys }) => progress.checked(keys),
  });

  let summary: Summary;
  try {
    summary = await runDetector({ ram, actionTrail, notifier, logger, clock }, options);
  } finally {
    progress.clear();
  }

  if (flags.json === true) {
    io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    const rows = flags.all === true ? recorder.rows(summary, options) : undefined;
    io.stdout.write(renderReport(summary, { ...(rows === undefined ? {} : { rows }), timezone: settings.timezone, dryRunHint: '--notify posts it' }));
  }
  const code = exitCodeFor(summary);
  if (code === EXIT.error) io.stderr.write(`error: ${plural(summary.counts.unknown, 'key')} could not be checked${summary.partial ? ' before the time limit' : ''}; the result is incomplete\n`);
  return code;
}

/**
 * Watches the adapters: counts the keys RAM lists (the progress bar's total) and, for --all,
 * keeps every key and its look-up so that the table can show the keys the summary leaves out
 * (ok, inactive, exempt).
 */
class Recorder {
  private listed = 0;
  private readonly keys: AccessKey[] = [];
  private readonly lookups = new Map<string, readonly ProductUse[]>();

  constructor(
    private readonly progress: ProgressBar,
    private readonly keep: boolean,
  ) {}

  ram(inner: RamApi): RamApi {
    return {
      listUsersPage: (marker) => inner.listUsersPage(marker),
      listAccessKeys: async (user: RamUser) => {
        const keys = await inner.listAccessKeys(user);
        this.listed += keys.length;
        if (this.keep) this.keys.push(...keys);
        this.progress.listed(this.listed);
        return keys;
      },
    };
  }

  actionTrail(inner: ActionTrailApi): ActionTrailApi {
    return {
      lastUsedProducts: async (accessKeyId: string) => {
        const products = await inner.lastUsedProducts(accessKeyId);
        if (this.keep) this.lookups.set(accessKeyId, products);
        return products;
      },
    };
  }

  /** Every key: the summary's stale keys, plus the others judged again with the run's rules (a pure function). */
  rows(summary: Summary, options: RunOptions): KeyRow[] {
    const rules = { now: options.now, staleAfterDays: options.staleAfterDays, timezone: options.timezone, exemptions: options.exemptions };
    const stale = new Set(summary.stale.map((s) => s.accessKeyId));
    const unknown = new Set(summary.unknown.map((u) => u.accessKeyId));
    const rows = summary.stale.map(rowFromStale);
    for (const key of this.keys) {
      if (stale.has(key.accessKeyId) || unknown.has(key.accessKeyId)) continue;
      const products = this.lookups.get(key.accessKeyId);
      const finding = judge(key, products === undefined ? { ok: false, reason: 'not looked up' } : { ok: true, products }, rules);
      if (finding.verdict === 'stale' || finding.verdict === 'unknown') continue;
      rows.push(rowFromFinding(finding));
    }
    return rows;
  }
}
