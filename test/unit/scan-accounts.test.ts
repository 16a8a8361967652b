/** core/organisation.ts: accounts side by side within the bound, one failing only itself, results in order; in-memory scans, no cloud. */
import fc from 'fast-check';
import { accountError, scanAccounts, tally } from '../../functions/stale-key-detector/src/core/organisation';
import { CloudApiError } from '../../functions/stale-key-detector/src/errors/cloud-api-error';
import { ConfigError } from '../../functions/stale-key-detector/src/errors/config-error';
import { ScanFailedError } from '../../functions/stale-key-detector/src/errors/scan-failed-error';
import { clearSecretsForTests, registerSecret } from '../../functions/stale-key-detector/src/redact';

afterAll(() => clearSecretsForTests());

interface Acc {
  readonly accountId: string;
  readonly displayName: string;
}
const accounts = (n: number): Acc[] => Array.from({ length: n }, (_, i) => ({ accountId: String(1_000_000_000_000_001 + i), displayName: `member-${i + 1}` }));
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const summary = (complete: boolean, stale = 0) => ({ complete, counts: { stale } });

const notTrusted = new CloudApiError({ service: 'STS', action: 'AssumeRole', code: 'NoPermission', statusCode: 403, requestId: 'R-1' }, 'No permission perform sts:AssumeRole on this Role.');

describe('scanAccounts', () => {
  it('never has more than `concurrency` accounts in flight, and keeps every slot busy while accounts wait', async () => {
    let inFlight = 0;
    let peak = 0;
    const started: string[] = [];
    const release: Array<() => void> = [];
    const run = scanAccounts(accounts(7), async (a) => {
      started.push(a.accountId);
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise<void>((resolve) => release.push(resolve));
      inFlight -= 1;
      return a.displayName;
    }, { concurrency: 3 });
    await tick();
    expect(started).toHaveLength(3);
    // Finishing one starts the next, in the accounts' order.
    release.shift()?.();
    await tick();
    expect(started).toHaveLength(4);
    expect(started[3]).toBe(accounts(7)[3]?.accountId);
    while (started.length < 7 || release.length > 0) {
      release.shift()?.();
      await tick();
    }
    const results = await run;
    expect(peak).toBe(3);
    expect(results.map((r) => ('summary' in r ? r.summary : r.error))).toEqual(accounts(7).map((a) => a.displayName));
  });

  it('one account failing fails only that account, with the reason and the fix; the others complete', async () => {
    const list = accounts(4);
    const results = await scanAccounts(list, async (a) => {
      if (a.displayName === 'member-2') throw notTrusted;
      if (a.displayName === 'member-3') throw new Error('the worker crashed');
      return summary(true);
    }, { concurrency: 2, audience: 'cli' });
    expect(results.map((r) => r.account)).toEqual(list);
    expect(results.map((r) => 'summary' in r)).toEqual([true, false, false, true]);
    const [, refused, crashed] = results;
    expect(refused && 'error' in refused ? refused.error : undefined).toMatchObject({ code: 'NoPermission', message: expect.stringContaining('STS AssumeRole failed: NoPermission'), fix: expect.stringMatching(/trust policy.*these credentials/) });
    expect(crashed && 'error' in crashed ? crashed.error : undefined).toMatchObject({ message: 'the worker crashed', fix: expect.any(String) });
    expect(tally(results)).toEqual({ scanned: 2, notScanned: 2, incomplete: 0, complete: false, stale: 0 });
  });

  it('a scanOne that throws before it returns a promise fails its account too', async () => {
    const results = await scanAccounts(accounts(2), (a) => {
      if (a.displayName === 'member-1') throw new TypeError('not a function');
      return Promise.resolve(summary(true));
    }, { concurrency: 1 });
    expect(results.map((r) => ('error' in r ? r.error.message : 'ok'))).toEqual(['not a function', 'ok']);
  });

  it('reports each result as it settles, with its index', async () => {
    const seen: number[] = [];
    await scanAccounts(accounts(3), async (a) => (a.displayName === 'member-1' ? new Promise((r) => setTimeout(() => r(1), 20)) : 0), { concurrency: 3, onResult: (_r, i) => seen.push(i) });
    expect(seen).toEqual([1, 2, 0]);
  });

  it('as a property: results in account order, each account scanned once, the bound held, failures isolated', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(5), fc.boolean()), { maxLength: 12 }), fc.integer({ min: 1, max: 5 }), async (plan, concurrency) => {
        const list = accounts(plan.length);
        let inFlight = 0;
        let peak = 0;
        const calls: string[] = [];
        const results = await scanAccounts(list, async (a) => {
          const i = list.indexOf(a);
          const [delay, fails] = plan[i] as [number, boolean];
          calls.push(a.accountId);
          inFlight += 1;
          peak = Math.max(peak, inFlight);
          for (let t = 0; t < delay; t += 1) await tick();
          inFlight -= 1;
          if (fails) throw new ScanFailedError(`scan of ${a.accountId} failed`, 'fix it');
          return summary(true, i);
        }, { concurrency });
        expect(results.map((r) => r.account)).toEqual(list);
        expect([...calls].sort()).toEqual(list.map((a) => a.accountId));
        expect(peak).toBeLessThanOrEqual(concurrency);
        results.forEach((r, i) => {
          if (plan[i]?.[1]) expect('error' in r && r.error).toEqual({ message: `scan of ${list[i]?.accountId} failed`, fix: 'fix it', code: undefined });
          else expect('summary' in r && r.summary.counts.stale).toBe(i);
        });
        const failed = plan.filter(([, f]) => f).length;
        expect(tally(results)).toMatchObject({ scanned: plan.length - failed, notScanned: failed, complete: plan.length > 0 && failed === 0 });
      }),
      { numRuns: 60 },
    );
  });
});

describe('accountError', () => {
  it('takes the fix from the error table for the audience, and the code of the cloud error under a failed run', () => {
    const ramDenied = new CloudApiError({ service: 'RAM', action: 'ListUsers', code: 'NoPermission', statusCode: 403, requestId: 'R-2' }, 'denied');
    const failedRun = new ScanFailedError('the run failed: RAM ListUsers failed', "grant the function's role the action ram:ListUsers", { cause: ramDenied });
    expect(accountError(failedRun, 'function')).toEqual({ message: 'the run failed: RAM ListUsers failed', fix: "grant the function's role the action ram:ListUsers", code: 'NoPermission' });
    expect(accountError(failedRun, 'cli').fix).toBe('grant these credentials the action ram:ListUsers (policies/stale-key-detector-readonly.json)');
    expect(accountError(notTrusted, 'function').fix).toMatch(/the function's role may not assume the role/);
    expect(accountError(new ConfigError('--state', 'cannot keep the state'))).toEqual({ message: '--state: cannot keep the state', fix: 'fix --state as the message says' });
  });

  it('never carries a secret', () => {
    registerSecret('s3cr3t-token-value-0001');
    const error = accountError(new ScanFailedError('failed with s3cr3t-token-value-0001 inside', 'fix s3cr3t-token-value-0001'));
    expect(JSON.stringify(error)).not.toContain('s3cr3t-token-value-0001');
  });
});

describe('tally', () => {
  it('is complete only with accounts, all scanned, each complete', () => {
    const ok = { account: accounts(1)[0] as Acc, summary: summary(true, 2) };
    expect(tally([])).toMatchObject({ complete: false, scanned: 0, notScanned: 0 });
    expect(tally([ok, ok])).toEqual({ scanned: 2, notScanned: 0, incomplete: 0, complete: true, stale: 4 });
    expect(tally([ok, { account: ok.account, summary: summary(false, 1) }])).toEqual({ scanned: 2, notScanned: 0, incomplete: 1, complete: false, stale: 3 });
  });
});
