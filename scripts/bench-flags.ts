/** Flag readers the benches share: each names the flag and what it accepts. */

/** A number flag within [min, max]. */
export function numberFlag(raw: string | boolean | undefined, name: string, min: number, max = Number.POSITIVE_INFINITY): number {
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isFinite(n) || n < min || n > max) {
    throw new Error(`--${name}: must be a number ${Number.isFinite(max) ? `from ${min} to ${max}` : `>= ${min}`}, got "${String(raw)}"`);
  }
  return n;
}

/** --latency MIN-MAX in ms. */
export function latencyFlag(raw: string | undefined): readonly [number, number] {
  const m = /^(\d+)-(\d+)$/.exec(raw ?? '');
  if (m === null) throw new Error(`--latency: must be MIN-MAX in ms, like 30-90, got "${raw}"`);
  return [Number(m[1]), Number(m[2])] as const;
}
