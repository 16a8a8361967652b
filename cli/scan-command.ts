import { randomUUID } from 'node:crypto';
import { cloudAdapters } from '../functions/stale-key-detector/src/adapters/cloud-adapters';
import { DingTalkRobot } from '../functions/stale-key-detector/src/adapters/dingtalk';
import type { RamApi } from '../functions/stale-key-detector/src/core/ports';
import { readString } from '../functions/stale-key-detector/src/config/env-reader';
import { runOptionsFor } from '../functions/stale-key-detector/src/config/run-config';
import { actionTrailEndpointFor, readSettings } from '../functions/stale-key-detector/src/config/settings';
import { runDetector } from '../functions/stale-key-detector/src/core/run';
import type { Summary } from '../functions/stale-key-detector/src/core/summary';
import { ConfigError } from '../functions/stale-key-detector/src/errors/config-error';
import { createLogger } from '../functions/stale-key-detector/src/logger';
import type { Finding, RamUser } from '../functions/stale-key-detector/src/model';
import { systemClock } from '../functions/stale-key-detector/src/pacing/clock';
import { parseFlags, regionId, staleAfterDaysFlag } from './args';
import { cliCredentials } from './credentials';
import { type CliIo, EXIT, exitCodeFor } from './io';
import { ProgressBar } from './progress';
import { incompleteText, type KeyRow, renderReport, rowFromFinding, rowFromStale } from './table';
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
  const staleAfterDays = flags['stale-after-days'] === undefined ? undefined : staleAfterDaysFlag(flags['stale-after-days']);
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
  const adapters = cloudAdapters(credentials, { ram: settings.ramEndpoint, actionTrail: actionTrailEndpointFor(settings, scanRegion) });
  const ram = countListedKeys(adapters.ram, progress);
  const { actionTrail } = adapters;
  const findings: Finding[] = [];
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
    onProgress: ({ keys, finding }) => {
      progress.checked(keys);
      if (flags.all === true) findings.push(finding);
    },
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
    const rows = flags.all === true ? allRows(summary, findings) : undefined;
    io.stdout.write(renderReport(summary, { ...(rows === undefined ? {} : { rows }), timezone: settings.timezone, dryRunHint: '--notify posts it' }));
  }
  const code = exitCodeFor(summary);
  if (!summary.complete) io.stderr.write(`error: ${incompleteText(summary)}\n`);
  return code;
}

/** Counts the keys RAM lists: the progress bar's total. */
function countListedKeys(inner: RamApi, progress: ProgressBar): RamApi {
  let listed = 0;
  return {
    listUsersPage: (marker) => inner.listUsersPage(marker),
    listAccessKeys: async (user: RamUser) => {
      const keys = await inner.listAccessKeys(user);
      listed += keys.length;
      progress.listed(listed);
      return keys;
    },
  };
}

/** Every key for --all: the summary's stale keys in its order, then the others the run judged. */
function allRows(summary: Summary, findings: readonly Finding[]): KeyRow[] {
  const now = Date.parse(summary.now);
  const rest = findings.filter((f) => f.verdict !== 'stale' && f.verdict !== 'unknown').map((f) => rowFromFinding(f, now));
  return [...summary.stale.map((s) => rowFromStale(s, now)), ...rest];
}
