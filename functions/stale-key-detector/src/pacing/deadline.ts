/**
 * When to stop starting calls so the report still goes out before Function Compute ends the run:
 * keep back 10% of the timeout, at least 20 s (a read timeout plus posting) and at most 90 s.
 */
export function scanDeadline(startedAt: number, timeoutSeconds: number | undefined): number {
  if (timeoutSeconds === undefined || !(timeoutSeconds > 0)) return Number.POSITIVE_INFINITY;
  const timeoutMs = timeoutSeconds * 1000;
  const reserve = Math.min(90_000, Math.max(20_000, timeoutMs * 0.1));
  return startedAt + Math.max(timeoutMs - reserve, timeoutMs / 2);
}
