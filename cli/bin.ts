/**
 * The CLI's process: argv, the environment, the streams and the exit code. The entry point of the
 * bundle (scripts/build.ts builds it into dist-cli/stale-key-detector.js), which
 * bin/stale-key-detector.js loads; it runs on load.
 */
import { main } from './main';

// `stale-key-detector scan | head`: a reader that goes away is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

main(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  isTTY: process.stderr.isTTY === true,
  cwd: process.cwd(),
}).then(
  (code) => {
    // exitCode, not exit(): let stdout drain when it is a pipe.
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
