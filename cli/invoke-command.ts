import { IANAZone } from 'luxon';
import { createFcClient, fcEndpointFor, invokeFunction, type InvokeOutcome } from '../functions/stale-key-detector/src/adapters/function-compute';
import { type Env, readBaseUrl, readString } from '../functions/stale-key-detector/src/config/env-reader';
import { DEFAULTS } from '../functions/stale-key-detector/src/config/settings';
import type { Summary } from '../functions/stale-key-detector/src/core/summary';
import { quoteValue } from '../functions/stale-key-detector/src/config/quote-value';
import { ConfigError } from '../functions/stale-key-detector/src/errors/config-error';
import { redact } from '../functions/stale-key-detector/src/redact';
import { matching, oneOf, parseFlags, regionId, staleAfterDaysFlag, wholeNumber } from './args';
import { cliCredentials } from './credentials';
import { type CliIo, EXIT, exitCodeFor } from './io';
import { renderReport } from './report';
import { INVOKE_USAGE } from './usage';

export const INVOKE_FLAGS = {
  'dry-run': { type: 'boolean' },
  report: { type: 'string' },
  'stale-after-days': { type: 'string' },
  function: { type: 'string' },
  qualifier: { type: 'string' },
  region: { type: 'string' },
  'account-id': { type: 'string' },
  profile: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const DEFAULT_FUNCTION_NAME = 'stale-key-detector';
/** The function's timeout (s.yaml: 900 s) plus a minute for cold start and transfer. */
export const DEFAULT_INVOKE_TIMEOUT_SECONDS = 960;

/** The invocation event, in the function's manual-event format (config/event.ts); only the fields given. */
export function invocationEvent(options: { dryRun: boolean; report: 'full' | 'changes' | undefined; staleAfterDays: number | undefined }): string {
  return JSON.stringify({
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.report === undefined ? {} : { report: options.report }),
    ...(options.staleAfterDays === undefined ? {} : { staleAfterDays: options.staleAfterDays }),
  });
}

/** `invoke`: one synchronous run of the deployed function through FC 3.0 InvokeFunction. */
export async function invokeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, INVOKE_FLAGS, 'invoke');
  if (flags.help === true) {
    io.stdout.write(INVOKE_USAGE);
    return EXIT.clean;
  }
  const event = invocationEvent({
    dryRun: flags['dry-run'] === true,
    report: flags.report === undefined ? undefined : oneOf('--report', flags.report, ['full', 'changes'] as const),
    staleAfterDays: flags['stale-after-days'] === undefined ? undefined : staleAfterDaysFlag(flags['stale-after-days']),
  });
  // FC 3.0 function names: letters, digits, _ and -, not starting with a digit or -, at most 64.
  const functionName = flags.function === undefined ? DEFAULT_FUNCTION_NAME : matching('--function', flags.function, /^[A-Za-z_][\w-]{0,63}$/, 'a function name (letters, digits, _ and -; 1-64 characters)');
  const qualifier = flags.qualifier === undefined ? undefined : matching('--qualifier', flags.qualifier, /^[\w][\w.-]{0,127}$/, 'a version number, an alias name or LATEST');
  const waitSeconds = flags.timeout === undefined ? DEFAULT_INVOKE_TIMEOUT_SECONDS : wholeNumber('--timeout', flags.timeout, 1, 86_400);
  const region = flags.region === undefined ? envRegion(io.env) : regionId('--region', flags.region);
  const endpoint = invokeEndpoint(io.env, flags['account-id'], region);

  const credentials = await cliCredentials(io.env, flags.profile);
  const client = createFcClient(credentials, endpoint, { connectTimeout: waitSeconds * 1000, readTimeout: waitSeconds * 1000 }, region);
  const outcome = await invokeFunction(client, { functionName, qualifier, event });
  return report(outcome, io, { json: flags.json === true, functionName, qualifier, timezone: reportTimezone(io.env) });
}

function envRegion(env: Env): string {
  const raw = readString(env, 'ALIBABA_CLOUD_REGION_ID');
  if (raw === undefined) return DEFAULTS.region;
  if (!/^[a-z]+(-[a-z0-9]+)+$/.test(raw)) throw new ConfigError('ALIBABA_CLOUD_REGION_ID', `must be a region id like cn-hangzhou, got ${quoteValue(raw)}`);
  return raw;
}

/** FUNCTION_COMPUTE_ENDPOINT, else https://<account-id>.<region>.fc.aliyuncs.com. */
function invokeEndpoint(env: Env, accountFlag: string | undefined, region: string): URL {
  if (accountFlag !== undefined) return fcEndpointFor(matching('--account-id', accountFlag, /^\d{5,32}$/, 'your Alibaba Cloud account ID (digits only)'), region);
  if (readString(env, 'FUNCTION_COMPUTE_ENDPOINT') !== undefined) return readBaseUrl(env, 'FUNCTION_COMPUTE_ENDPOINT', '');
  const account = readString(env, 'ALIBABA_CLOUD_ACCOUNT_ID');
  if (account !== undefined) {
    if (!/^\d{5,32}$/.test(account)) throw new ConfigError('ALIBABA_CLOUD_ACCOUNT_ID', `must be your Alibaba Cloud account ID (digits only), got ${quoteValue(account)}`);
    return fcEndpointFor(account, region);
  }
  throw new ConfigError(
    '--account-id',
    'is needed: Function Compute 3.0\'s endpoint is <account-id>.<region>.fc.aliyuncs.com; pass --account-id or set ALIBABA_CLOUD_ACCOUNT_ID (or FUNCTION_COMPUTE_ENDPOINT)',
  );
}

function reportTimezone(env: Env): string {
  const zone = readString(env, 'REPORT_TIMEZONE');
  return zone !== undefined && IANAZone.isValidZone(zone) ? zone : DEFAULTS.timezone;
}

function isSummary(value: unknown): value is Summary {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const counts = v['counts'] as Record<string, unknown> | undefined;
  return (
    Array.isArray(v['stale']) &&
    Array.isArray(v['unknown']) &&
    Array.isArray(v['unlistedUsers']) &&
    typeof v['complete'] === 'boolean' &&
    typeof counts === 'object' &&
    counts !== null &&
    typeof counts['stale'] === 'number' &&
    typeof v['now'] === 'string'
  );
}

function report(outcome: InvokeOutcome, io: CliIo, options: { json: boolean; functionName: string; qualifier: string | undefined; timezone: string }): number {
  const what = `${options.functionName}${options.qualifier === undefined ? '' : `:${options.qualifier}`}`;
  const request = outcome.requestId === undefined ? '' : ` [RequestId ${outcome.requestId}]`;
  const tail = outcome.logTail === undefined ? '' : `\n--- log tail ---\n${redact(outcome.logTail)}${outcome.logTail.endsWith('\n') ? '' : '\n'}`;
  const json = options.json ? `${JSON.stringify(outcome.result ?? null, null, 2)}\n` : undefined;
  if (outcome.error !== undefined) {
    if (json !== undefined) io.stdout.write(json);
    io.stderr.write(redact(`error: the function ${what} failed (${outcome.error.type}): ${outcome.error.errorType}: ${outcome.error.errorMessage}${request}\n`) + tail);
    return EXIT.error;
  }
  if (json !== undefined) {
    io.stdout.write(json);
    io.stderr.write(tail);
  } else {
    io.stdout.write(`Invoked ${what}${request}\n\n`);
    if (isSummary(outcome.result)) io.stdout.write(renderReport(outcome.result, { timezone: options.timezone }));
    else io.stdout.write(`${typeof outcome.result === 'string' ? outcome.result : JSON.stringify(outcome.result ?? null, null, 2)}\n`);
    io.stdout.write(tail);
  }
  if (isSummary(outcome.result)) return exitCodeFor(outcome.result);
  // An organisation's coordinator (ACCOUNTS set on the function): printed as JSON above; complete only when every account and key was.
  const totals = typeof outcome.result === 'object' && outcome.result !== null ? (outcome.result as Record<string, unknown>)['totals'] : undefined;
  if (typeof totals === 'object' && totals !== null && typeof (totals as Record<string, unknown>)['complete'] === 'boolean') {
    const t = totals as Record<string, unknown>;
    return t['complete'] !== true ? EXIT.error : typeof t['stale'] === 'number' && t['stale'] > 0 ? EXIT.stale : EXIT.clean;
  }
  // Not a summary this CLI knows (another version of the function?): nothing says every key was checked.
  io.stderr.write('error: the function did not return a summary this CLI can read, so it cannot say whether every key was checked\n');
  return EXIT.error;
}
