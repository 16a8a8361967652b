/**
 * Rule 3, every crossing alerted and one digest a day, over generated zones (all of IANA, DST and
 * +05:30 / +05:45 among them), schedules that divide a day, digest hours and start days (DST switch
 * days included). The oracle does not share the code's formula: it walks each run's window in
 * small steps and reads the local clock.
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { crossingWindow, isDigestRun } from '../../functions/stale-key-detector/src/core/schedule';

const MINUTE = 60_000;
const DAY = 86_400_000;
const ZONES = Intl.supportedValuesOf('timeZone');
const INTERVALS = Array.from({ length: 1440 }, (_, i) => i + 1).filter((m) => 1440 % m === 0);
const YEAR_START = Date.UTC(2026, 0, 1);

/** Days of 2026 (UTC midnight) on which the zone's offset changes: its DST switch days. */
const switchCache = new Map<string, number[]>();
function switchDays(zone: string): number[] {
  let days = switchCache.get(zone);
  if (days === undefined) {
    days = [];
    for (let d = 0; d < 365; d += 1) {
      const at = YEAR_START + d * DAY;
      if (DateTime.fromMillis(at, { zone }).offset !== DateTime.fromMillis(at + DAY, { zone }).offset) days.push(at);
    }
    switchCache.set(zone, days);
  }
  return days;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Local date and minute of the day at an instant, from the zone's offset. Offsets only change on
 * 15-minute boundaries, so one look-up serves a 15-minute block (the oracle walks minute by minute).
 */
const offsetCache = new Map<string, number>();
function local(ms: number, zone: string): { date: string; minute: number } {
  const block = Math.floor(ms / (15 * MINUTE)) * 15 * MINUTE;
  const cacheKey = `${zone}@${block}`;
  let offset = offsetCache.get(cacheKey);
  if (offset === undefined) {
    offset = DateTime.fromMillis(block, { zone }).offset;
    if (offsetCache.size > 200_000) offsetCache.clear();
    offsetCache.set(cacheKey, offset);
  }
  const wall = new Date(ms + offset * MINUTE);
  return { date: wall.toISOString().slice(0, 10), minute: wall.getUTCHours() * 60 + wall.getUTCMinutes() };
}

/**
 * The oracle: the local dates whose digest moment lies in (from, to]. A date's digest moment is the
 * first instant at which the clock reads that date's hour:00 or later (a later date included: a
 * day whose hour a switch skips gets the first instant after the gap). Steps of `step` ms, a divisor
 * of both the interval (so the steps land on the run) and 15 minutes (every zone offset and switch
 * of these years is a multiple of 15 minutes, so they land on every digest moment).
 */
function digestDatesIn(from: number, to: number, zone: string, hour: number, step: number, done: Set<string>): string[] {
  const dates: string[] = [];
  const mark = (date: string): void => {
    // The first time only: where a switch turns the clock back, hour:00 may come round again.
    if (done.has(date)) return;
    dates.push(date);
    done.add(date);
  };
  let before = local(from, zone);
  for (let t = from + step; t <= to; t += step) {
    const now = local(t, zone);
    // The date we were on, before its hour:00: its moment is here if the clock reached hour:00, or if
    // the date ended first (a switch at the end of the day skipped the hour: the first instant after it).
    if (before.minute < hour * 60 && (now.date !== before.date || now.minute >= hour * 60)) mark(before.date);
    // A date that began in this step, its clock already at hour:00 or later (hour 0, or a skipped start).
    if (now.date !== before.date && now.minute >= hour * 60) mark(now.date);
    before = now;
  }
  return dates;
}

const schedule = fc
  .record({
    zone: fc.oneof(fc.constantFrom(...ZONES), fc.constantFrom('America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/Santiago', 'Pacific/Chatham')),
    intervalMinutes: fc.constantFrom(...INTERVALS),
    digestHour: fc.integer({ min: 0, max: 23 }),
    day: fc.integer({ min: 0, max: 364 }),
    nearSwitch: fc.boolean(),
  })
  .map((s) => {
    const switches = switchDays(s.zone);
    const day = s.nearSwitch && switches.length > 0 ? (switches[s.day % switches.length] as number) - DAY : YEAR_START + s.day * DAY;
    return { ...s, start: day };
  });

/** Consecutive timer runs over `days` days from `start`, on the cron's grid (multiples of the interval from UTC midnight). */
function runs(start: number, intervalMinutes: number, days: number): number[] {
  const out: number[] = [];
  for (let t = start + intervalMinutes * MINUTE; t <= start + days * DAY; t += intervalMinutes * MINUTE) out.push(t);
  return out;
}

describe('the digest rule (property)', () => {
  it('makes exactly the run whose window holds a local day\'s digest moment the digest, one per local day', () => {
    fc.assert(
      fc.property(schedule, ({ zone, intervalMinutes, digestHour, start }) => {
        // Enough days to cross a switch, few enough runs to stay fast.
        const days = Math.max(1, Math.min(4, Math.floor(600 / (1440 / intervalMinutes))));
        const step = gcd(intervalMinutes, 15) * MINUTE;
        const seen = new Map<string, number>();
        const done = new Set<string>();
        // Mismatches are collected and asserted once: an expect per run was a fifth of the test's time.
        const wrong: string[] = [];
        for (const t of runs(start, intervalMinutes, days)) {
          const digest = isDigestRun(t, { intervalMinutes, digestHour, timezone: zone });
          if (intervalMinutes === 1440) {
            if (!digest) wrong.push(`${new Date(t).toISOString()}: a daily run that is not the digest`);
            continue;
          }
          const dates = digestDatesIn(t - intervalMinutes * MINUTE, t, zone, digestHour, step, done);
          if (dates.length > 1) wrong.push(`${new Date(t).toISOString()}: one window holds the digest moments of ${dates.join(', ')}`);
          if (digest !== (dates.length === 1)) wrong.push(`${new Date(t).toISOString()}: digest ${digest}, but the window holds ${dates.length === 1 ? dates[0] : 'no'} digest moment`);
          for (const d of dates) seen.set(d, (seen.get(d) ?? 0) + 1);
        }
        for (const [date, count] of seen) if (count !== 1) wrong.push(`${date}: ${count} digests`);
        expect(wrong).toEqual([]);
      }),
      { numRuns: 30 },
    );
  });

  it('gives every local day of a simulated week exactly one digest, DST switch days included', () => {
    fc.assert(
      fc.property(schedule.filter((s) => s.intervalMinutes >= 30), ({ zone, intervalMinutes, digestHour, start }) => {
        const perDay = new Map<string, number>();
        const done = new Set<string>();
        for (const t of runs(start, intervalMinutes, 9)) {
          if (!isDigestRun(t, { intervalMinutes, digestHour, timezone: zone })) continue;
          // The digest run belongs to the local date of the moment just after its window opened... or
          // later: the date whose hour:00 it covers, which the oracle names.
          const dates = intervalMinutes === 1440 ? [local(t - 1, zone).date] : digestDatesIn(t - intervalMinutes * MINUTE, t, zone, digestHour, gcd(intervalMinutes, 15) * MINUTE, done);
          for (const d of dates) perDay.set(d, (perDay.get(d) ?? 0) + 1);
        }
        // The full local days strictly inside the simulated span.
        const first = DateTime.fromMillis(start + DAY + intervalMinutes * MINUTE, { zone }).startOf('day').plus({ days: 1 });
        for (let d = first; d.toMillis() + 2 * DAY < start + 9 * DAY; d = d.plus({ days: 1 })) {
          const date = d.toISODate() ?? '';
          if (intervalMinutes < 1440) expect([date, perDay.get(date) ?? 0]).toEqual([date, 1]);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('the crossing windows (property)', () => {
  it('alert every crossing in exactly one of consecutive runs', () => {
    fc.assert(
      fc.property(schedule, fc.array(fc.integer({ min: 0, max: 3 * DAY - 1 }), { minLength: 1, maxLength: 20 }), ({ intervalMinutes, start }, offsets) => {
        const timeline = runs(start, intervalMinutes, 4);
        const first = timeline[0] as number;
        const last = timeline[timeline.length - 1] as number;
        for (const offset of offsets) {
          const crossing = first - intervalMinutes * MINUTE + offset;
          if (crossing >= last) continue;
          const alerted = timeline.filter((t) => {
            const w = crossingWindow(t, intervalMinutes);
            return crossing >= w.from && crossing < w.to;
          });
          expect(alerted).toHaveLength(1);
          // ...and that run is the first at which the key is stale (t > staleAt).
          expect(alerted[0]).toBe(timeline.find((t) => t > crossing));
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('the digest rule (examples)', () => {
  const utc = (iso: string): number => Date.parse(iso);

  it('makes every run of a daily schedule the digest, whatever DIGEST_HOUR says', () => {
    expect(isDigestRun(utc('2026-11-25T00:00:00Z'), { intervalMinutes: 1440, digestHour: 9, timezone: 'UTC' })).toBe(true);
  });

  it('gives DIGEST_HOUR=23 on a 120-minute schedule its digest: the run whose window holds 23:00', () => {
    const schedule = { intervalMinutes: 120, digestHour: 23, timezone: 'UTC' };
    const digests = runs(utc('2026-11-25T00:00:00Z'), 120, 1).filter((t) => isDigestRun(t, schedule));
    expect(digests.map((t) => new Date(t).toISOString())).toEqual(['2026-11-26T00:00:00.000Z']);
  });

  it('puts a skipped DIGEST_HOUR at the end of a gap that does not start on the hour (Chatham skips 02:45-03:45)', () => {
    // 2026-09-27 03:45 CHADT is 14:00 UTC the day before; on 40-minute runs that run's window (13:20, 14:00] holds it.
    const schedule = { intervalMinutes: 40, digestHour: 3, timezone: 'Pacific/Chatham' };
    const digests = runs(utc('2026-09-26T08:00:00Z'), 40, 1).filter((t) => isDigestRun(t, schedule));
    expect(digests.map((t) => new Date(t).toISOString())).toEqual(['2026-09-26T14:00:00.000Z']);
  });

  it('gives the DST switch days of New York exactly one digest each, at 02:00 local too', () => {
    for (const [day, expected] of [
      // 2026-03-08 skips 02:00-03:00: the digest is the first run after the gap, 03:00 EDT (07:00 UTC).
      ['2026-03-08', ['2026-03-08T07:00:00.000Z']],
      // 2026-11-01 repeats 01:00-02:00: 02:00 EST (07:00 UTC) comes once.
      ['2026-11-01', ['2026-11-01T07:00:00.000Z']],
    ] as const) {
      const schedule = { intervalMinutes: 60, digestHour: 2, timezone: 'America/New_York' };
      const digests = runs(utc(`${day}T04:00:00Z`), 60, 1).filter((t) => isDigestRun(t, schedule));
      expect(digests.map((t) => new Date(t).toISOString())).toEqual(expected);
    }
  });

  it('reads a repeated DIGEST_HOUR at its first occurrence', () => {
    // 2026-11-01 01:00 New York happens at 05:00 UTC (EDT) and again at 06:00 UTC (EST).
    const schedule = { intervalMinutes: 60, digestHour: 1, timezone: 'America/New_York' };
    const digests = runs(utc('2026-11-01T00:00:00Z'), 60, 1).filter((t) => isDigestRun(t, schedule));
    expect(digests.map((t) => new Date(t).toISOString())).toEqual(['2026-11-01T05:00:00.000Z']);
  });

  it('finds the digest in zones at +05:30 and +05:45', () => {
    expect(runs(utc('2026-11-25T00:00:00Z'), 60, 1).filter((t) => isDigestRun(t, { intervalMinutes: 60, digestHour: 9, timezone: 'Asia/Kolkata' })).map((t) => new Date(t).toISOString())).toEqual(['2026-11-25T04:00:00.000Z']);
    expect(runs(utc('2026-11-25T00:00:00Z'), 60, 1).filter((t) => isDigestRun(t, { intervalMinutes: 60, digestHour: 9, timezone: 'Asia/Kathmandu' })).map((t) => new Date(t).toISOString())).toEqual(['2026-11-25T04:00:00.000Z']);
  });
});

describe('the digest rule (a switch that skips the last hour of a day)', () => {
  it('gives America/Scoresbysund its 23:00 digest on 2026-03-28, when 23:00 does not exist: the first run after the gap', () => {
    // At 01:00 UTC on 2026-03-29 the clock jumps from 22:59:59 -02 to 00:00 -01: 2026-03-28 has no 23:00.
    const schedule = { intervalMinutes: 480, digestHour: 23, timezone: 'America/Scoresbysund' };
    const digests = runs(Date.UTC(2026, 2, 28), 480, 3).filter((t) => isDigestRun(t, schedule)).map((t) => new Date(t).toISOString());
    // 27th's 23:00 -02 (01:00 UTC on the 28th); the 28th's, skipped, at the gap (01:00 UTC on the 29th); then 23:00 -01.
    expect(digests).toEqual(['2026-03-28T08:00:00.000Z', '2026-03-29T08:00:00.000Z', '2026-03-30T00:00:00.000Z', '2026-03-31T00:00:00.000Z']);
  });
});

describe('the digest rule (an hour a switch repeats)', () => {
  it('gives Pacific/Chatham one 03:00 digest on 2026-04-05, when 02:45-03:45 comes twice', () => {
    // At 03:45 +13:45 (14:00 UTC on the 4th) the clock goes back to 02:45 +12:45: 03:00 comes at
    // 13:15 UTC and again at 14:15 UTC. Only the first counts.
    const schedule = { intervalMinutes: 24, digestHour: 3, timezone: 'Pacific/Chatham' };
    const digests = runs(Date.UTC(2026, 3, 4, 12), 24, 0.25).filter((t) => isDigestRun(t, schedule)).map((t) => new Date(t).toISOString());
    expect(digests).toEqual(['2026-04-04T13:36:00.000Z']);
  });
});
