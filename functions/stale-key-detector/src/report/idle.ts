const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Idle time as "90 d 4 h": whole days and hours, counted in 24-hour days from the instants (the
 * host's time zone never matters). It never contradicts the threshold: a key stale after 90 days
 * has been idle more than 90 days, and reads "90 d 4 h" or "90 d <1 h", never "90 days".
 */
export function idleText(idleMs: number): string {
  if (!(idleMs > 0)) return '0 d';
  const days = Math.floor(idleMs / DAY_MS);
  const rest = idleMs - days * DAY_MS;
  const hours = Math.floor(rest / HOUR_MS);
  if (hours > 0) return `${days} d ${hours} h`;
  return rest > 0 ? `${days} d <1 h` : `${days} d`;
}
