import { randomUUID } from 'node:crypto';
import { cloudAdapters } from '../functions/stale-key-detector/src/adapters/cloud-adapters';
import { DingTalkRobot } from '../functions/stale-key-detector/src/adapters/dingtalk';
import type { AccountsConfig } from '../functions/stale-key-detector/src/config/accounts';
import { type Env, readString } from '../functions/stale-key-detector/src/config/env-reader';
import { runOptionsFor } from '../functions/stale-key-detector/src/config/run-config';
import { actionTrailEndpointFor, readSettings } from '../functions/stale-key-detector/src/config/settings';
import type { ChatMessage, Notifier, RamApi } from '../functions/stale-key-detector/src/core/ports';
import { runDetector } from '../functions/stale-key-detector/src/core/run';
import type { Summary } from '../functions/stale-key-detector/src/core/summary';
import { ConfigError } from '../functions/stale-key-detector/src/errors/config-error';
import { createLogger } from '../functions/stale-key-detector/src/logger';
import type { Finding } from '../functions/stale-key-detector/src/model';
import { systemClock } from '../functions/stale-key-detector/src/pacing/clock';
import { describeError } from '../functions/stale-key-detector/src/redact';
import { parseFlags, regionId, staleAfterDaysFlag } from './args';
import { readAccountsFlags, scanOrganisation } from './accounts-scan';
import { cliCredentials } from './credentials';
import { reportPostFailure } from './post-failure';
import { type CliIo, EXIT, exitCodeFor } from './io';
import { ProgressBar } from './progress';
import { incompleteText, plural, renderReport } from './report';
import { type KeyRow, rowFromFinding, rowFromStale } from './table';
import { chooseState, openState, quietStateNotice, saveFailure, settingsEnv, withStateWhy } from './state-option';
import { SCAN_USAGE } from './usage';

export const SCAN_FLAGS = {
  'stale-after-days': { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  notify: { type: 'boolean' },
  state: { type: 'string' },
  'no-state': { type: 'boolean' },
  accounts: { type: 'string' },
  'account-concurrency': { type: 'string' },
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
  const organisation = accountsFlags(flags, io);
  const stateFlags = { state: flags.state, noState: flags['no-state'] === true };

  // A plain scan reads no DingTalk setting at all: a partial or bad DINGTALK_* (set for the
  // function, say) must not fail a scan that posts nothing. Nor does it read STATE_URL when a flag decides the state.
  const settings = readSettings(settingsEnv(notify ? io.env : withoutDingTalk(io.env), stateFlags), { cwd: io.cwd });
  const stateChoice = chooseState(stateFlags, settings.state, io.env, io.cwd);
  if (notify && settings.webhook === undefined) {
    throw new ConfigError('--notify', 'needs DINGTALK_WEBHOOK_URL (the robot\'s webhook, with DINGTALK_SECRET if the robot signs); leave --notify out to print only');
  }
  const clock = io.clock ?? systemClock;
  const progress = new ProgressBar(io.stderr, clock, io.isTTY);
  // The function logs at info; on a terminal only warnings and errors, unless LOG_LEVEL says otherwise.
  const logger = quietStateNotice(createLogger({
    level: readString(io.env, 'LOG_LEVEL') === undefined ? 'warn' : settings.logLevel,
    sink: (line) => {
      progress.clear();
      io.stderr.write(`${line}\n`);
    },
  }));

  const credentials = await cliCredentials(io.env, flags.profile);
  const scanRegion = region ?? settings.region;
  if (organisation !== undefined) {
    const channel = notify && settings.webhook !== undefined ? { notifier: new DingTalkRobot(settings.webhook, { clock }), mentions: settings.mentions, keyword: settings.keyword } : undefined;
    return scanOrganisation({ config: organisation, io, settings, credentials, region: scanRegion, stateChoice, staleAfterDays, json: flags.json === true, all: flags.all === true, channel, logger, progress, clock });
  }
  const adapters = cloudAdapters(credentials, { ram: settings.ramEndpoint, actionTrail: actionTrailEndpointFor(settings, scanRegion) });
  const ram = countListedKeys(adapters.ram, progress);
  const { actionTrail } = adapters;
  // Under another threshold the state is read, not written: as the function's manual runs with staleAfterDays.
  const saveState = staleAfterDays === undefined;
  const state = await openState(stateChoice, { credentials, region: scanRegion, env: io.env, clock, writes: saveState });
  const findings: Finding[] = [];
  // With --notify the run composes its messages as the function does, but they are held back
  // and posted after the result is printed: a DingTalk rejection never hides the table.
  const robot = notify && settings.webhook !== undefined ? new DingTalkRobot(settings.webhook, { clock }) : undefined;
  const outbox = robot === undefined ? undefined : new Outbox(robot);
  const runId = `cli:${randomUUID()}`;
  const now = clock.now();
  const options = runOptionsFor(settings, {
    trigger: 'cli',
    runId,
    now,
    report: 'full',
    dryRun: !notify,
    saveState,
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
    summary = withStateWhy(await runDetector({ ram, actionTrail, notifier: outbox, logger, clock, state: state.access }, options), stateChoice, state);
  } catch (error) {
    // The run failed and queued its failure alert: post it now, then report the failure.
    const alert = await outbox?.flush();
    if (alert?.error !== undefined) io.stderr.write(`error: the failure alert could not be posted to DingTalk either: ${describeError(alert.error)}\n`);
    throw saveFailure(error, state) ?? error;
  } finally {
    progress.clear();
  }

  const timezone = settings.timezone;
  const print = (s: Summary): void => {
    if (flags.json === true) {
      io.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      return;
    }
    const rows = flags.all === true ? allRows(s, findings) : undefined;
    const unsaved = saveState ? {} : { unsaved: '--stale-after-days reads the state, never writes it' };
    io.stdout.write(renderReport(s, { ...(rows === undefined ? {} : { rows }), timezone, dryRunHint: '--notify posts it', ...unsaved, ...(outbox === undefined ? {} : { posting: 'pending' as const }) }));
  };
  let posted: Posted | undefined;
  if (outbox === undefined) {
    print(summary);
  } else if (flags.json === true) {
    // JSON is read by programs: post first, so that notified.messages is what DingTalk took.
    posted = await outbox.flush();
    print({ ...summary, notified: { messages: posted.sent } });
  } else {
    print(summary);
    posted = await outbox.flush();
  }
  if (posted !== undefined && robot !== undefined) {
    if (posted.error === undefined) {
      if (flags.json !== true) io.stdout.write(`Posted ${plural(posted.sent, 'message')} to DingTalk.\n`);
    } else {
      await reportPostFailure(io, { notifier: robot, mentions: settings.mentions, keyword: settings.keyword }, posted.error, `posted ${posted.sent} of ${plural(posted.queued, 'message')} to DingTalk`, { runId, now, timezone }, logger);
    }
  }
  if (!summary.complete) io.stderr.write(`error: ${incompleteText(summary)}\n`);
  if (posted?.error !== undefined) return EXIT.error;
  return exitCodeFor(summary);
}

/** --accounts and --account-concurrency: the organisation's configuration, or undefined for the one account of the credentials. */
function accountsFlags(flags: { readonly accounts?: string; readonly 'account-concurrency'?: string }, io: CliIo): AccountsConfig | undefined {
  if (flags.accounts === undefined) {
    if (flags['account-concurrency'] !== undefined) throw new ConfigError('--account-concurrency', 'applies to --accounts only; give --accounts resource-directory or a JSON list');
    return undefined;
  }
  return readAccountsFlags(flags.accounts, flags['account-concurrency'], io.env);
}

/** The environment without the DINGTALK_* variables. */
export function withoutDingTalk(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('DINGTALK_')));
}


interface Posted {
  readonly queued: number;
  readonly sent: number;
  readonly error: unknown;
}

/** A notifier that holds the messages until flush(), which posts them in order and stops at the first refusal. */
class Outbox implements Notifier {
  private queue: ChatMessage[] = [];

  constructor(private readonly robot: Notifier) {}

  async send(message: ChatMessage): Promise<void> {
    this.queue.push(message);
  }

  async flush(): Promise<Posted> {
    const messages = this.queue;
    this.queue = [];
    let sent = 0;
    try {
      for (const message of messages) {
        await this.robot.send(message);
        sent += 1;
      }
      return { queued: messages.length, sent, error: undefined };
    } catch (error) {
      return { queued: messages.length, sent, error };
    }
  }
}

/** Counts the keys RAM lists: the progress bar's total. */
function countListedKeys(inner: RamApi, progress: ProgressBar): RamApi {
  let listed = 0;
  return {
    listUsersPage: (marker) => inner.listUsersPage(marker),
    listAccessKeys: async (user) => {
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
