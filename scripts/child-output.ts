import type { ChildProcess } from 'node:child_process';

/** What a child process wrote and how it ended: the benches' worker processes answer on stdout. */
export interface ChildOutput {
  readonly code: number | null;
  readonly stdout: string;
  /** Empty when stderr was not piped. */
  readonly stderr: string;
}

/** Collects a spawned child's piped output until it closes; rejects only when it cannot be spawned. */
export function childOutput(child: ChildProcess): Promise<ChildOutput> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
