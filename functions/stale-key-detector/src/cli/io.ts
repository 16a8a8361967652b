import type { Env } from '../config/env-reader';
import type { Clock } from '../pacing/clock';

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
  /** Nothing stale. */
  clean: 0,
  /** Stale keys found. */
  stale: 1,
  /** Bad flags or settings, a failed call, a failed function, an incomplete scan. */
  error: 2,
} as const;

/** 1 when anything is stale; 2 when nothing is but some keys could not be checked; else 0. */
export function exitCodeFor(summary: { readonly partial: boolean; readonly counts: { readonly stale: number; readonly unknown: number } }): number {
  if (summary.counts.stale > 0) return EXIT.stale;
  if (summary.counts.unknown > 0 || summary.partial) return EXIT.error;
  return EXIT.clean;
}
