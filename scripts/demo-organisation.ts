/**
 * `npm start -- --accounts N`: an organisation's run on the embedded simulator (issue 12). The
 * simulator plays a Resource Directory of N small member accounts (6 users x 2 keys each, about a
 * quarter of the keys stale), each with its own users, keys and quotas. The real handler runs as
 * the coordinator (ACCOUNTS=resource-directory): it lists the directory, invokes the function once
 * per account through FC InvokeFunction (the real @alicloud/fc2 client), which the simulator
 * answers by running the real handler as the worker: it assumes the member's role with STS
 * AssumeRole and scans the member through the real SDKs. The coordinator then posts one report
 * grouped by account to the fake robot; this prints what the robot received and the
 * organisation's summary.
 *
 *   npm start -- --accounts 5                  the digest (a manual {"report":"full"})
 *   npm start -- --accounts 5 --changes        the hourly alert: a key in every third member turned stale in the last hour
 *   npm start --silent -- --accounts 5 --json  the organisation's summary only, as JSON on stdout
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_ACCOUNT_CONCURRENCY } from '../functions/stale-key-detector/src/config/accounts';
import { handleInvocation } from '../functions/stale-key-detector/src/handler';
import { systemClock } from '../functions/stale-key-detector/src/pacing/clock';
import { createLogger, silentLogger } from '../functions/stale-key-detector/src/logger';
import { DAY_MS, FakeAccount, productUse, startFakeCloud, type OrgAccount } from '../simulator';
import { addSimulatorMembers, fcContext, organisationSummaryOf, simulatorOrganisationEnv } from '../simulator/function-wiring';

export const MAX_DEMO_ACCOUNTS = 50;
const USERS = 6;
const KEYS_PER_USER = 2;
const AT = 'actiontrail:GetAccessKeyLastUsedProducts';

/** `--accounts N` (or `--accounts=N`) and the other flags; undefined without it. */
export function accountsFlag(argv: readonly string[]): { accounts: number; rest: string[] } | undefined {
  const at = argv.findIndex((a) => a === '--accounts' || a.startsWith('--accounts='));
  if (at < 0) return undefined;
  const flag = argv[at] ?? '';
  const inline = flag.startsWith('--accounts=');
  const raw = inline ? flag.slice('--accounts='.length) : argv[at + 1];
  const n = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || n < 1 || n > MAX_DEMO_ACCOUNTS) {
    throw new Error(`--accounts: the number of member accounts, 1..${MAX_DEMO_ACCOUNTS}, got ${raw === undefined ? 'nothing' : `"${raw}"`}`);
  }
  return { accounts: n, rest: argv.filter((_, i) => i !== at && (inline || i !== at + 1)) };
}

/** A key whose last use was 90 days and `minutes` ago: it turned stale within the last hour. */
function addCrossedKey(member: OrgAccount, now: number, minutes: number, index: number): void {
  const userName = 'nightly-export';
  member.account.addUser({ userName, displayName: 'Nightly export job', comments: '', createDate: now - 700 * DAY_MS });
  member.account.addKey(userName, {
    accessKeyId: `LTAI5t${`CrossedM${String(index).padStart(2, '0')}${'0'.repeat(18)}`.slice(0, 18)}`,
    status: 'Active',
    createDate: now - 600 * DAY_MS,
    products: [productUse('Oss', now - 90 * DAY_MS - minutes * 60_000, { userName, source: 'DataEvent', eventName: 'PutObject' })],
  });
}

export async function organisationDemo(count: number, argv: readonly string[]): Promise<void> {
  const known = new Set(['--changes', '--json']);
  const unknown = argv.find((a) => !known.has(a));
  if (unknown !== undefined) throw new Error(`${unknown}: unknown flag; with --accounts N use --changes and/or --json`);
  const now = Date.now();
  // The management account (where the function runs) has no users of its own here: ListAccounts lists the members only.
  const cloud = await startFakeCloud({ account: new FakeAccount(), latencyMs: [5, 30] });
  try {
    const members = addSimulatorMembers(cloud, { count, users: USERS, keysPerUser: KEYS_PER_USER, now });
    members.forEach((m, i) => {
      if (i % 3 === 0) addCrossedKey(m, now, 20 + i, i + 1);
    });
    const env = simulatorOrganisationEnv(cloud, { DINGTALK_AT_MOBILES: '13800000000' });
    // Function Compute runs the real handler for every invocation: the coordinator's workers are this same function.
    cloud.setFcHandler(async (_name, body) => ({ result: await handleInvocation(body, fcContext({ requestId: randomUUID() }), { env, clock: systemClock, logger: silentLogger }) }));

    const event = JSON.stringify({ report: argv.includes('--changes') ? 'changes' : 'full' });
    const logs: string[] = [];
    const started = performance.now();
    const summary = organisationSummaryOf(
      await handleInvocation(Buffer.from(event), fcContext({ requestId: 'c0ffee00-0000-4000-8000-0000000000a1' }), { env, clock: systemClock, logger: createLogger({ sink: (line) => logs.push(line) }) }),
    );
    const wallMs = performance.now() - started;
    if (argv.includes('--json')) {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      return;
    }
    const messages = cloud.dingtalk.messages;
    const out: string[] = [
      `Simulated organisation at ${cloud.endpoint}: a Resource Directory of ${count} member account(s), ${USERS} users x ${KEYS_PER_USER} keys each; event ${event}`,
      `The coordinator listed the directory (ListAccounts) and invoked the function once per account through FC InvokeFunction`,
      `(${cloud.fcInvocations.length} invocation(s), at most ${DEFAULT_ACCOUNT_CONCURRENCY} at once: ACCOUNT_CONCURRENCY's default); each worker assumed its member's role`,
      `(STS AssumeRole) and scanned the member at that account's own quotas. ${(wallMs / 1000).toFixed(1)} s in all.`,
      '',
    ];
    out.push(messages.length === 0 ? 'DingTalk: nothing posted (nothing changed).' : `DingTalk received ${messages.length} message(s):`);
    for (const m of messages) {
      const markdown = m.body['markdown'] as { title: string; text: string };
      out.push('', `──── ${markdown.title} ────`, markdown.text);
    }
    out.push('', '──── organisation summary returned by the coordinator (npm start --silent -- --accounts N --json: in full) ────');
    const { accounts, ...head } = summary;
    out.push(JSON.stringify(head, null, 2), '', 'accounts:');
    const width = Math.max(...accounts.map((a) => a.displayName.length));
    for (const a of accounts) {
      const name = `${a.displayName.padEnd(width)}  ${a.accountId}`;
      if ('error' in a) {
        out.push(`  ${name}  NOT SCANNED: ${a.error.message} (fix: ${a.error.fix})`);
        continue;
      }
      const c = a.summary.counts;
      const lookUps = cloud.statsOf(a.accountId).get(AT).successes;
      out.push(`  ${name}  users ${c.users}, keys ${c.keys}, stale ${c.stale} (new ${c.newlyStale}), not checked ${c.unknown + c.unlistedUsers}, ${a.summary.complete ? 'complete' : 'INCOMPLETE'}; ${lookUps} ActionTrail look-ups in its account`);
    }
    out.push('', '──── coordinator log ────', ...logs);
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await cloud.close();
  }
}
