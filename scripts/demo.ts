/**
 * `npm start`: the whole job on an embedded simulator, no account needed. A seeded demo account
 * is served by the loopback fake of RAM, ActionTrail and the DingTalk robot (the one the tests
 * use); the real handler scans it through the real SDKs, posts to the fake robot, and this
 * prints what the robot received and the summary the function returns. The state lives in the
 * simulator's OSS (the real ali-oss client): the first run finds none and writes it; a second run
 * right after shows what it saves (it is summarised, its messages are not printed).
 *
 *   npm start                      the daily digest (a manual full report)
 *   npm start -- --changes         the hourly alert: two demo keys turned stale in the last hour
 *   npm start --silent -- --json   the summary only, as JSON on stdout (--silent keeps npm's
 *                                  banner out of it, so it can be piped: ... | jq .counts)
 *   npm start -- --accounts 5      an organisation (issue 12): a Resource Directory of 5 small member
 *                                  accounts (1..50); the coordinator invokes the function once per
 *                                  account through FC InvokeFunction, which runs the real handler as
 *                                  the worker, and posts one digest grouped by account
 *                                  (scripts/demo-organisation.ts; --changes and --json work too)
 */
import { handleInvocation } from '../functions/stale-key-detector/src/handler';
import { systemClock } from '../functions/stale-key-detector/src/pacing/clock';
import { createLogger } from '../functions/stale-key-detector/src/logger';
import { demoAccount, startFakeCloud } from '../simulator';
import { accountSummaryOf, fcContext, simulatorEnv, simulatorStateEnv } from '../simulator/function-wiring';
import { accountsFlag, organisationDemo } from './demo-organisation';

async function main(argv: readonly string[]): Promise<void> {
  const organisation = accountsFlag(argv);
  if (organisation !== undefined) {
    await organisationDemo(organisation.accounts, organisation.rest);
    return;
  }
  const known = new Set(['--changes', '--json']);
  const unknown = argv.find((a) => !known.has(a));
  if (unknown !== undefined) throw new Error(`${unknown}: unknown flag; use --changes, --json and/or --accounts N`);
  const now = Date.now();
  const cloud = await startFakeCloud({ account: demoAccount(now), latencyMs: [5, 30] });
  try {
    const event = JSON.stringify({ report: argv.includes('--changes') ? 'changes' : 'full' });
    const logs: string[] = [];
    const run = (requestId: string) =>
      handleInvocation(Buffer.from(event), fcContext({ requestId }), {
        // The on-call person the alerts mention, as a real deployment would set it.
        env: simulatorEnv(cloud, { DINGTALK_AT_MOBILES: '13800000000', ...simulatorStateEnv(cloud) }),
        clock: systemClock,
        logger: createLogger({ sink: (line) => logs.push(line) }),
      }).then(accountSummaryOf);
    const summary = await run('c0ffee00-0000-4000-8000-000000000001');
    const messages = [...cloud.dingtalk.messages];
    const loggedFirst = logs.length;
    const again = await run('c0ffee00-0000-4000-8000-000000000002');
    if (argv.includes('--json')) {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      return;
    }
    const out: string[] = [`Simulated account at ${cloud.endpoint}: event ${event}`, ''];
    out.push(messages.length === 0 ? 'DingTalk: nothing posted (nothing changed).' : `DingTalk received ${messages.length} message(s):`);
    for (const m of messages) {
      const markdown = m.body['markdown'] as { title: string; text: string };
      out.push('', `──── ${markdown.title} ────`, markdown.text);
    }
    out.push('', '──── summary returned by the function ────', JSON.stringify(summary, null, 2), '', '──── function log ────', ...logs.slice(0, loggedFirst));
    const posted = cloud.dingtalk.messages.length - messages.length;
    out.push(
      '',
      '──── the same run again, with the state the first one wrote ────',
      `looked up ${again.state.keysLookedUp} of ${again.counts.keys} keys in ActionTrail, took ${again.state.keysFromState} from the state (${again.state.where ?? ''}, generation ${again.state.savedGeneration ?? '-'});`,
      `same verdicts (${again.counts.stale} stale, ${again.counts.unknown} not checked); posted ${posted} message(s), alerting ${again.newlyStale.length} stale key(s) as new: each stale episode is alerted once.`,
    );
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await cloud.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
