import { DateTime } from 'luxon';

/** When the timer runs and when the digest is due: what the alert rule needs to know. */
export interface Schedule {
  /** The timer's period in minutes; divides a day (1..1440). */
  readonly intervalMinutes: number;
  /** Local hour of the daily digest. */
  readonly digestHour: number;
  /** IANA zone the digest hour is read in. */
  readonly timezone: string;
}

const MINUTE_MS = 60_000;
const DAY_MINUTES = 1440;

/**
 * The crossings a timer run at `t` alerts: staleAt in [t - interval, t). A key is stale at t when
 * t > staleAt, so consecutive runs' windows tile time: every crossing is alerted by exactly one run.
 */
export function crossingWindow(t: number, intervalMinutes: number): { readonly from: number; readonly to: number } {
  return { from: t - intervalMinutes * MINUTE_MS, to: t };
}

/**
 * The digest instant of a local day: the first instant at which that date's clock reads
 * DIGEST_HOUR:00 or later. A time a DST switch skips moves forward to the end of the gap (luxon
 * does that); a time a switch repeats is taken at its first occurrence (luxon takes the later one).
 */
function digestInstant(localDay: DateTime, hour: number): number {
  const resolved = DateTime.fromObject({ year: localDay.year, month: localDay.month, day: localDay.day, hour }, { zone: localDay.zone });
  for (const minutes of [60, 30]) {
    const earlier = resolved.minus({ minutes });
    if (earlier.hasSame(resolved, 'day') && earlier.hour === hour && earlier.minute === 0) return earlier.toMillis();
  }
  return resolved.toMillis();
}

/**
 * Rule: one digest per local day. Decided on UTC instants: the timer run at `t` is the digest when
 * its window (t - interval, t] holds the day's digest instant. Windows of consecutive runs tile
 * time and digest instants are at least 23 hours apart, so every local day (DST switch days
 * included) gets exactly one. A daily schedule makes every run the digest.
 */
export function isDigestRun(t: number, schedule: Schedule): boolean {
  if (schedule.intervalMinutes >= DAY_MINUTES) return true;
  const from = t - schedule.intervalMinutes * MINUTE_MS;
  const start = DateTime.fromMillis(from, { zone: schedule.timezone });
  const end = DateTime.fromMillis(t, { zone: schedule.timezone });
  if (start.offset === end.offset && start.hasSame(end, 'day')) {
    // A shortcut for most runs: one offset and one date, so the local clock runs straight through
    // the window, and a window it does not carry across DIGEST_HOUR:00 holds no digest instant.
    // One that does is checked below: it may be the second pass of an hour a switch repeated.
    const minuteOfDay = (d: DateTime): number => d.hour * 60 + d.minute + d.second / 60 + d.millisecond / 60_000;
    if (!(minuteOfDay(start) < schedule.digestHour * 60 && minuteOfDay(end) >= schedule.digestHour * 60)) return false;
  }
  const days = [start.startOf('day'), end.startOf('day')];
  return days.some((day) => {
    const instant = digestInstant(day, schedule.digestHour);
    return instant > from && instant <= t;
  });
}
