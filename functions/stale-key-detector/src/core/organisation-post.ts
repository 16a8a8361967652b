/**
 * Posting an organisation's report (issue 12): the function's coordinator after its workers, and
 * the CLI's `scan --accounts --notify` after its in-process scans. The accounts' runs post
 * nothing and leave their stale episodes undelivered in their states; this posts the one report
 * grouped by account, and only once the chat took every message marks what it alerted delivered
 * in each account's state (at least once: a mark that cannot be written means a repeat, never a
 * miss).
 */
import type { Logger } from '../logger';
import { type AlertChannel, composeOptions, sendParts } from './messages';
import { composeOrganisation, type OrgResult } from './organisation-report';

export interface OrganisationPost {
  readonly report: 'full' | 'changes';
  readonly now: number;
  /** Seeds the messages' msgUuid: a retried post of the same run is not shown twice. */
  readonly runId: string;
  readonly timezone: string;
  readonly staleAfterDays: number;
  readonly channel: AlertChannel;
  /** Marks an account's alerted episodes delivered in its state; undefined when the accounts keep none. */
  readonly markDelivered: ((accountId: string, accessKeyIds: readonly string[]) => Promise<unknown>) | undefined;
  readonly logger: Logger;
}

/** Composes and posts the report; resolves to the messages posted. Rejects when the chat refuses one (nothing is marked then). */
export async function postOrganisation(results: readonly OrgResult[], o: OrganisationPost): Promise<number> {
  // The mentions go with news: an hourly alert, or a digest that has newly stale keys.
  const mention = o.report === 'changes' || results.some((r) => 'summary' in r && r.summary.counts.newlyStale > 0);
  const parts = composeOrganisation(results, { report: o.report, now: o.now, timezone: o.timezone, staleAfterDays: o.staleAfterDays, ...composeOptions(o.channel, mention) });
  const messages = await sendParts(o.channel, o.runId, parts, mention);
  const mark = o.markDelivered;
  if (mark !== undefined) {
    await Promise.all(
      results.map(async (r) => {
        if (!('summary' in r) || r.summary.newlyStale.length === 0) return;
        try {
          await mark(r.account.accountId, r.summary.newlyStale);
        } catch (error) {
          o.logger.warn('delivered marks not saved: the episodes are alerted again', { accountId: r.account.accountId, error: error instanceof Error ? error.message : String(error) });
        }
      }),
    );
  }
  return messages;
}
