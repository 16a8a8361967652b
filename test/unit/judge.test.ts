import { DateTime } from 'luxon';
import { judge, type Rules } from '../../functions/stale-key-detector/src/core/judge';
import type { AccessKey, ProductUse } from '../../functions/stale-key-detector/src/model';

const NOW = DateTime.fromISO('2026-11-25T07:00:00Z').toMillis();
const DAY = 86_400_000;
const rules: Rules = { now: NOW, staleAfterDays: 90, timezone: 'Asia/Shanghai', exemptions: [] };

function key(overrides: Partial<AccessKey> = {}): AccessKey {
  return { accessKeyId: 'LTAI5tTestKey000000001', userName: 'alice', displayName: 'Alice', status: 'Active', createdAt: NOW - 1000 * DAY, ...overrides };
}
const used = (daysAgo: number, serviceName = 'Ecs'): ProductUse => ({ serviceName, serviceNameEn: `${serviceName} service`, source: 'ManagementEvent', usedAt: NOW - daysAgo * DAY });

describe('judge', () => {
  it.each([
    [89, 'ok'],
    [90, 'ok'],
    [91, 'stale'],
  ])('a key last used %i days ago with a 90-day threshold is %s', (days, verdict) => {
    const f = judge(key(), { ok: true, products: [used(days)] }, rules);
    expect(f.verdict).toBe(verdict);
    expect(f.idleDays).toBe(days);
  });

  it('is stale one millisecond past the threshold and not at it', () => {
    expect(judge(key(), { ok: true, products: [{ ...used(90), usedAt: NOW - 90 * DAY }] }, rules).verdict).toBe('ok');
    expect(judge(key(), { ok: true, products: [{ ...used(90), usedAt: NOW - 90 * DAY - 1 }] }, rules).verdict).toBe('stale');
  });

  it('takes the largest UsedTimestamp whatever the order of the products', () => {
    const products = [used(200, 'Oss'), used(3, 'Ecs'), used(120, 'Rds')];
    for (const order of [products, [...products].reverse(), [products[1], products[0], products[2]] as ProductUse[]]) {
      const f = judge(key(), { ok: true, products: order }, rules);
      expect(f.verdict).toBe('ok');
      expect(f.lastUsedAt).toBe(NOW - 3 * DAY);
      expect(f.products.map((p) => p.serviceName)).toEqual(['Ecs', 'Rds', 'Oss']);
    }
  });

  it('counts a never-used key from its creation date', () => {
    expect(judge(key({ createdAt: NOW - 10 * DAY }), { ok: true, products: [] }, rules)).toMatchObject({ verdict: 'ok', idleDays: 10, lastUsedAt: undefined });
    expect(judge(key({ createdAt: NOW - 91 * DAY }), { ok: true, products: [] }, rules)).toMatchObject({ verdict: 'stale', idleDays: 91, referenceAt: NOW - 91 * DAY });
  });

  it('reports an inactive key as inactive even when it is long unused', () => {
    expect(judge(key({ status: 'Inactive' }), { ok: true, products: [] }, rules).verdict).toBe('inactive');
  });

  it('never turns a failed look-up into stale or ok', () => {
    const f = judge(key({ createdAt: NOW - 2000 * DAY }), { ok: false, reason: 'look-up failed: Throttling.User' }, rules);
    expect(f.verdict).toBe('unknown');
    expect(f.reason).toContain('Throttling.User');
    expect(f.idleDays).toBeUndefined();
  });

  it('honours the threshold it is given', () => {
    expect(judge(key(), { ok: true, products: [used(31)] }, { ...rules, staleAfterDays: 30 }).verdict).toBe('stale');
  });

  it('exempts by user or by key until the end of the until day in the report time zone', () => {
    const stale = { ok: true as const, products: [used(300)] };
    const byUser = { ...rules, exemptions: [{ user: 'alice', reason: 'break-glass account' }] };
    expect(judge(key(), stale, byUser)).toMatchObject({ verdict: 'exempt', exemption: { reason: 'break-glass account' } });
    // 2026-11-25T07:00Z is 15:00 in Shanghai on the 25th: "until 2026-11-25" still applies, "2026-11-24" has lapsed.
    const today = { ...rules, exemptions: [{ accessKeyId: 'LTAI5tTestKey000000001', reason: 'x', until: '2026-11-25' }] };
    expect(judge(key(), stale, today).verdict).toBe('exempt');
    const lapsed = { ...rules, exemptions: [{ accessKeyId: 'LTAI5tTestKey000000001', reason: 'x', until: '2026-11-24' }] };
    expect(judge(key(), stale, lapsed)).toMatchObject({ verdict: 'stale', expiredExemption: { until: '2026-11-24' } });
    const otherUser = { ...rules, exemptions: [{ user: 'bob', reason: 'x' }] };
    expect(judge(key(), stale, otherUser).verdict).toBe('stale');
  });
});

describe('judge: evidence and time', () => {
  it('counts idle days in 24-hour days, whatever zone the host (or luxon) is in', () => {
    const { Settings } = require('luxon') as typeof import('luxon');
    const before = Settings.defaultZone;
    try {
      // A laptop in Berlin, across the switch from summer time on 2026-10-25.
      Settings.defaultZone = 'Europe/Berlin';
      const now = DateTime.fromISO('2026-12-20T07:00:00Z').toMillis();
      const f = judge(key({ createdAt: now - 1000 * DAY }), { ok: true, products: [used(0)].map((p) => ({ ...p, usedAt: now - 90 * DAY - 1_800_000 })) }, { ...rules, now });
      expect(f).toMatchObject({ verdict: 'stale', idleDays: 90 });
    } finally {
      Settings.defaultZone = before;
    }
  });

  it('never makes a key idle longer than it exists: the reference is max(last use, CreateDate)', () => {
    const f = judge(key({ createdAt: NOW - 5 * DAY }), { ok: true, products: [used(200)] }, rules);
    expect(f).toMatchObject({ verdict: 'ok', referenceAt: NOW - 5 * DAY, idleDays: 5 });
  });

  it.each([
    ['a UsedTimestamp in seconds', Math.floor((NOW - 200 * DAY) / 1000)],
    ['a use in 2040', DateTime.fromISO('2040-01-01T00:00:00Z').toMillis()],
    ['a use before ActionTrail existed', DateTime.fromISO('2021-06-01T00:00:00Z').toMillis()],
    ['a fractional millisecond', NOW - 200 * DAY + 0.5],
  ])('turns %s into unknown, never stale or ok', (_what, usedAt) => {
    const f = judge(key(), { ok: true, products: [{ ...used(0), usedAt }] }, rules);
    expect(f.verdict).toBe('unknown');
    expect(f.reason).toContain('implausible answer');
  });

  it('turns a CreateDate in the future into unknown', () => {
    expect(judge(key({ createdAt: NOW + 3 * DAY }), { ok: true, products: [] }, rules)).toMatchObject({ verdict: 'unknown', reason: expect.stringContaining('CreateDate') });
  });

  it('says "no use recorded since" the window for a key older than it, and judges it from there', () => {
    const f = judge(key({ createdAt: NOW - 900 * DAY }), { ok: true, products: [] }, rules);
    expect(f.verdict).toBe('stale');
    expect(f.lastUsedAt).toBeUndefined();
    expect(f.noUseSince).toBeGreaterThan(f.key.createdAt);
    expect(f.noUseSince).toBeGreaterThanOrEqual(NOW - 400 * DAY);
    expect(f.noUseSince).toBeLessThan(NOW - 399 * DAY);
  });
});
