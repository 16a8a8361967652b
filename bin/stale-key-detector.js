#!/usr/bin/env node
'use strict';
/**
 * `npx stale-key-detector ...` (package.json "bin"). Runs the CLI straight from its TypeScript
 * source through tsx, a devDependency, so it works right after `npm install` with no build step
 * and never runs a stale build. The CLI is not part of the deployed bundle (dist/ holds only the
 * function).
 */
const path = require('node:path');

let tsx;
try {
  tsx = require('tsx/cjs/api');
} catch {
  process.stderr.write('error: stale-key-detector runs through tsx, which is not installed; run "npm install" (with dev dependencies) in the repository first\n');
  process.exit(2);
}
// Compile with this repository's tsconfig, whatever the directory the command runs in.
const previousTsconfig = process.env.TSX_TSCONFIG_PATH;
process.env.TSX_TSCONFIG_PATH = path.join(__dirname, '..', 'tsconfig.json');
tsx.register();
if (previousTsconfig === undefined) delete process.env.TSX_TSCONFIG_PATH;
else process.env.TSX_TSCONFIG_PATH = previousTsconfig;

const { main } = require(path.join(__dirname, '..', 'cli', 'main.ts'));

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
  (error) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
