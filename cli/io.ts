import type { Env } from '../functions/stale-key-detector/src/config/env-reader';
import type { Clock } from '../functions/stale-key-detector/src/pacing/clock';

/** Where the CLI writes to. process.stdout / process.stderr fit; tests pass string collectors. */
export interface Writer {
  write(text: string): unknown;
}

/** Everything the CLI takes from its process, so that main() can run inside a test. */
export interface CliIo {
  readonly env: Env;
  readonly stdout: Writer;
  readonly stderr: Writer;
  /** stderr is a terminal: the scan shows a progress bar there. */
  readonly isTTY: boolean;
  /** Relative paths (EXEMPTIONS_FILE) are resolved against it. */
  readonly cwd: string;
  readonly clock?: Clock;
}

/** Exit codes, like a linter's, so that a scan can gate CI. */
export const EXIT = {
  /** Every key checked, nothing stale. */
  clean: 0,
  /** Every key checked, stale keys found. */
  stale: 1,
  /** Bad flags or settings, a failed call, a failed function, or anything not checked. */
  error: 2,
} as const;

/** 2 whenever anything was not checked (stale keys found or not); else 1 when anything is stale; else 0. */
export function exitCodeFor(summary: { readonly complete: boolean; readonly counts: { readonly stale: number } }): number {
  if (!summary.complete) return EXIT.error;
  return summary.counts.stale > 0 ? EXIT.stale : EXIT.clean;
}
