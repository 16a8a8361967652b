import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudApiError } from '../functions/stale-key-detector/src/errors/cloud-api-error';
import { cloudFix } from '../functions/stale-key-detector/src/errors/error-codes';
import { ConfigError } from '../functions/stale-key-detector/src/errors/config-error';
import { DingTalkError } from '../functions/stale-key-detector/src/errors/dingtalk-error';
import { ScanFailedError } from '../functions/stale-key-detector/src/errors/scan-failed-error';
import { describeError, redact, registerSecret } from '../functions/stale-key-detector/src/redact';
import { type CliIo, EXIT, type Writer } from './io';
import { INVOKE_USAGE, MAIN_USAGE, SCAN_USAGE } from './usage';

export type { CliIo } from './io';

/**
 * Each command's code is loaded when it runs: `--version`, `--help` and a bad command line do
 * not load the cloud SDKs, and `scan` does not load invoke's Function Compute client.
 */
const COMMANDS: Readonly<Record<string, { run: (argv: readonly string[], io: CliIo) => Promise<number>; usage: string }>> = {
  scan: { run: async (argv, io) => (await import('./scan-command')).scanCommand(argv, io), usage: SCAN_USAGE },
  invoke: { run: async (argv, io) => (await import('./invoke-command')).invokeCommand(argv, io), usage: INVOKE_USAGE },
};

/**
 * The CLI: `stale-key-detector <scan|invoke> [flags]`. `argv` is without node and the script
 * (process.argv.slice(2)). Resolves to the exit code; never throws, never calls process.exit.
 */
export async function main(argv: readonly string[], raw: CliIo): Promise<number> {
  // Secrets in the environment are masked in anything printed, before anything can print them.
  for (const name of ['ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_SECURITY_TOKEN', 'DINGTALK_SECRET']) registerSecret(raw.env[name]);
  // The one place where CLI output is redacted: tables, JSON, errors and progress all go through these writers.
  const io: CliIo = { ...raw, stdout: redacting(raw.stdout), stderr: redacting(raw.stderr) };
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr.write(MAIN_USAGE);
    return EXIT.error;
  }
  if (first === '--version' || first === '-V') {
    io.stdout.write(`stale-key-detector ${cliVersion()}\n`);
    return EXIT.clean;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' && rest[0] !== undefined ? COMMANDS[rest[0]] : undefined;
    io.stdout.write(topic?.usage ?? MAIN_USAGE);
    return EXIT.clean;
  }
  const command = COMMANDS[first];
  if (command === undefined) {
    const what = first.startsWith('-') ? `${first}: unknown flag; give a command first` : `${first}: unknown command`;
    io.stderr.write(`error: ${what} (commands: ${Object.keys(COMMANDS).join(', ')}; see "stale-key-detector --help")\n`);
    return EXIT.error;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    io.stderr.write(`${describeFailure(error)}\n`);
    return EXIT.error;
  }
}

/** Set by the build (scripts/build.ts, esbuild `define`) in the bundled CLI. */
declare const STALE_KEY_DETECTOR_VERSION: string | undefined;

/**
 * The package version: fixed into the bundle at build time; when run from source (tests, or the
 * bin's fallback before a build), read from the package.json one level up (cli/ is at the root).
 */
export function cliVersion(): string {
  if (typeof STALE_KEY_DETECTOR_VERSION === 'string') return STALE_KEY_DETECTOR_VERSION;
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * A writer that redacts every string written. Redaction works on one write at a time: a secret
 * split across two writes is not seen whole, so commands write whole lines or whole documents.
 * Secrets registered later (credentials resolved by a command) count too: redact reads the set on each write.
 */
function redacting(writer: Writer): Writer {
  return { write: (text: string) => writer.write(redact(text)) };
}

/** One or two redacted lines: what failed and, when known, what to do about it. */
export function describeFailure(error: unknown): string {
  if (error instanceof ConfigError) return `error: ${redact(error.message)}`;
  if (error instanceof ScanFailedError) return `error: ${redact(error.message)}\nfix: ${redact(error.fix)}`;
  // The advice comes from the one table of Alibaba error codes (errors/error-codes.ts).
  if (error instanceof CloudApiError) return `error: ${redact(error.message)}\nfix: ${cloudFix(error, 'cli')}`;
  if (error instanceof DingTalkError) return `error: ${redact(error.message)}`;
  return `error: ${describeError(error)}`;
}

