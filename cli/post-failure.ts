import type { AlertChannel } from '../functions/stale-key-detector/src/core/messages';
import { sendFailureAlert } from '../functions/stale-key-detector/src/core/failure-alert';
import type { Logger } from '../functions/stale-key-detector/src/logger';
import { describeError } from '../functions/stale-key-detector/src/redact';
import type { CliIo } from './io';

/**
 * `scan --notify` when DingTalk refused the report: says so on stderr (`what`: how much was
 * posted), then, as the function does when its report cannot be posted, tries the short failure
 * alert. The scan's result is already printed.
 */
export async function reportPostFailure(io: CliIo, channel: AlertChannel, error: unknown, what: string, run: { readonly runId: string; readonly now: number; readonly timezone: string }, logger: Logger): Promise<void> {
  io.stderr.write(`error: ${what}: ${describeError(error)}\n`);
  await sendFailureAlert(channel, { message: `the report could not be posted: ${describeError(error)}`, fix: 'see the error; the scan itself finished (stale-key-detector scan printed its result)' }, run, logger);
}
