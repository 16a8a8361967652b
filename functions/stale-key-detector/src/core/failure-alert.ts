import type { Logger } from '../logger';
import { describeError } from '../redact';
import { composeFailure } from '../report/compose';
import { type AlertChannel, composeOptions, sendParts } from './messages';

/** What a failure alert says. */
export interface FailureNotice {
  readonly message: string;
  readonly fix: string;
  readonly code?: string | undefined;
  readonly requestId?: string | undefined;
}

/**
 * Rule: never silent. Posts the short failure alert (one message, within DingTalk's limits
 * whatever the error text) and reports whether DingTalk took it. Never throws: when the robot
 * refuses even this, the log is the only witness, and the caller fails the run anyway.
 */
export async function sendFailureAlert(
  channel: AlertChannel,
  notice: FailureNotice,
  run: { readonly runId: string; readonly now: number; readonly timezone: string },
  logger: Logger,
): Promise<boolean> {
  try {
    const parts = composeFailure(notice, run.now, run.timezone, composeOptions(channel, true));
    await sendParts(channel, `${run.runId}:failure`, parts, true);
    return true;
  } catch (error) {
    logger.error('the failure alert could not be posted either', { error: describeError(error) });
    return false;
  }
}
