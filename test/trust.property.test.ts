/**
 * Rule 1 through the real handler, SDKs and simulator, under random fault plans: counts add up,
 * and "all clear" or "0 stale" never appears unless every key was judged. A few dozen runs: the
 * same rule is proved on many more cases against the pure modules (unit/claims.property.test.ts).
 */
import fc from 'fast-check';
import { handleInvocation } from '../functions/stale-key-detector/src/handler';
import { silentLogger } from '../functions/stale-key-detector/src/logger';
import type { Summary } from '../functions/stale-key-detector/src/core/summary';
import type { Clock } from '../functions/stale-key-detector/src/pacing/clock';
import { DAY_MS, FakeAccount, type Fault, HOUR_MS, productUse, startFakeCloud } from '../simulator';
import { fcContext, simulatorEnv, accountSummaryOf } from '../simulator/function-wiring';
import { hostile, shape } from './helpers/hostile-text';

const fastClock: Clock = { now: () => Date.now(), sleep: async () => {} };
const T = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS;
const ALL_CLEAR = /all clear|\b0 stale|no (active )?(stale )?keys? (is |are )?stale|nothing (is )?stale|no stale/i;

const keyFault = fc.constantFrom<Fault | undefined>(
  undefined,
  undefined,
  undefined,
  { kind: 'error', status: 400, code: 'InvalidParameter' },
  { kind: 'error', status: 503, code: 'ServiceUnavailable' },
  { kind: 'body', status: 500, body: { Products: [] } },
  { kind: 'body', status: 200, body: { Products: [{ ServiceName: 'Ecs', UsedTimestamp: 1_700_000_000 }] } },
);
const key = fc.record({ usedDaysAgo: fc.option(fc.integer({ min: 0, max: 380 }), { nil: undefined }), createdDaysAgo: fc.integer({ min: 0, max: 900 }), inactive: fc.boolean(), fault: keyFault });
const user = fc.record({ keys: fc.array(key, { maxLength: 2 }), listFails: fc.boolean() });
const plan = fc.array(user, { minLength: 1, maxLength: 6 });

describe('claims match evidence through the handler (property)', () => {
  it('counts add up and no message claims more than was checked, whatever fails', async () => {
    await fc.assert(
      fc.asyncProperty(plan, async (users) => {
        const cloud = await startFakeCloud({ account: new FakeAccount() });
        try {
          users.forEach((u, i) => {
            const userName = `user-${i}`;
            cloud.addUser({ userName });
            if (u.listFails) cloud.failUser(userName, { kind: 'error', status: 400, code: 'InvalidParameter' });
            u.keys.forEach((k, j) => {
              const accessKeyId = `LTAI5tProp${i}x${j}${'0'.repeat(12)}`;
              cloud.addKey(userName, { accessKeyId, status: k.inactive ? 'Inactive' : 'Active', createDate: T - k.createdDaysAgo * DAY_MS, products: k.usedDaysAgo === undefined ? [] : [productUse('Ecs', T - k.usedDaysAgo * DAY_MS)] });
              if (k.fault !== undefined) cloud.failKey(accessKeyId, k.fault);
            });
          });
          let summary: Summary | undefined;
          try {
            summary = accountSummaryOf(
              await handleInvocation(Buffer.from(JSON.stringify({ triggerTime: new Date(T).toISOString(), triggerName: 'hourly', payload: '' })), fcContext(), {
                env: simulatorEnv(cloud, { RAM_QPS: '10000', ACTIONTRAIL_QPS: '10000', SCHEDULE_MINUTES: '1440' }),
                clock: fastClock,
                logger: silentLogger,
              }),
            );
          } catch {
            // A run that could check nothing fails: then exactly the failure alert went out.
            expect(cloud.dingtalk.messages.map((m) => (m.body['markdown'] as { title: string }).title)).toEqual(['RAM key scan FAILED']);
          }
          const messages = cloud.dingtalk.messages.map((m) => m.body['markdown'] as { title: string; text: string });
          if (summary === undefined) return;
          const c = summary.counts;
          const listed = users.filter((u) => !u.listFails);
          expect(c.keys).toBe(c.stale + c.ok + c.inactive + c.exempt + c.unknown);
          expect(c.keys).toBe(listed.reduce((n, u) => n + u.keys.length, 0));
          expect(c.unlistedUsers).toBe(users.length - listed.length);
          expect(summary.complete).toBe(c.unknown === 0 && c.unlistedUsers === 0 && !summary.partial);
          // A failing look-up on an active key is unknown; on an inactive key, inactive.
          const failing = listed.flatMap((u) => u.keys).filter((k) => k.fault !== undefined && !k.inactive).length;
          expect(c.unknown).toBe(failing);
          if (!summary.complete) {
            for (const m of messages) {
              expect(m.title).not.toMatch(ALL_CLEAR);
              expect(m.text).not.toMatch(ALL_CLEAR);
            }
            expect(messages[0]?.title).toContain('NOT CHECKED');
          } else {
            expect(messages[0]?.text.includes('All clear')).toBe(c.stale === 0);
          }
        } finally {
          await cloud.close();
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('hostile text is inert through the handler (property)', () => {
  /** The digest for one stale key whose user's display name, product names and a failing key's error text are given. */
  async function digestFor(text: { display: string; product: string; error: string }): Promise<string> {
    const cloud = await startFakeCloud({ account: new FakeAccount() });
    try {
      cloud.addUser({ userName: 'alice', displayName: text.display });
      cloud.addKey('alice', { accessKeyId: 'LTAI5tHostileStale00001', status: 'Active', createDate: T - 900 * DAY_MS });
      cloud.addKey('alice', { accessKeyId: 'LTAI5tHostileFailing001', status: 'Active', createDate: T - 900 * DAY_MS });
      const used = { ServiceName: text.product, ServiceNameEn: text.product, Source: 'ManagementEvent', UsedTimestamp: T - 200 * DAY_MS };
      cloud.failKey('LTAI5tHostileStale00001', { kind: 'body', status: 200, body: { Products: [used] } });
      cloud.failKey('LTAI5tHostileFailing001', { kind: 'error', status: 400, code: 'InvalidParameter', message: text.error });
      await handleInvocation(Buffer.from(JSON.stringify({ triggerTime: new Date(T).toISOString(), triggerName: 'hourly', payload: '' })), fcContext(), {
        env: simulatorEnv(cloud, { RAM_QPS: '10000', ACTIONTRAIL_QPS: '10000', SCHEDULE_MINUTES: '1440' }),
        clock: fastClock,
        logger: silentLogger,
      });
      return cloud.dingtalk.messages.map((m) => (m.body['markdown'] as { text: string }).text).join('\n\n');
    } finally {
      await cloud.close();
    }
  }

  it('gives the same markdown blocks and links for hostile names, products and errors as for plain ones', async () => {
    const plain = shape(await digestFor({ display: 'Alice A', product: 'Ecs', error: 'bad parameter' }), { gfm: true });
    expect(plain.counts['link']).toBe(2); // the user's console link, in the stale and the not-checked sections
    await fc.assert(
      fc.asyncProperty(hostile, hostile, hostile, async (display, product, error) => {
        expect(shape(await digestFor({ display, product, error }), { gfm: true })).toEqual(plain);
      }),
      { numRuns: 25 },
    );
  });
});
