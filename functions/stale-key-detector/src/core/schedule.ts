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
  if (resolved.hour !== hour || resolved.minute !== 0) return endOfGap(localDay, hour, resolved.toMillis());
  for (const minutes of [60, 30]) {
    const earlier = resolved.minus({ minutes });
    if (earlier.hasSame(resolved, 'day') && earlier.hour === hour && earlier.minute === 0) return earlier.toMillis();
  }
  return resolved.toMillis();
}

/**
 * The first instant whose clock reads `hour`:00 or later on `localDay`, when a switch skipped that
 * time. luxon moves a skipped time forward by the switch's size, which is the end of the gap only
 * when the gap starts on the hour: Pacific/Chatham skips 02:45-03:45, so 03:00 would become 04:00.
 * The clock runs forward through a gap, so a binary search over instants finds the gap's end.
 */
function endOfGap(localDay: DateTime, hour: number, after: number): number {
  const day = localDay.toISODate() ?? '';
  const reads = (t: number): boolean => {
    const local = DateTime.fromMillis(t, { zone: localDay.zone });
    const date = local.toISODate() ?? '';
    return date > day || (date === day && local.hour >= hour);
  };
  // Switches move clocks by at most 2 hours: 3 hours before, the clock still reads earlier.
  let before = after - 3 * 60 * MINUTE_MS;
  let at = after;
  while (at - before > 1) {
    const middle = Math.floor((before + at) / 2);
    if (reads(middle)) at = middle;
    else before = middle;
  }
  return at;
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
