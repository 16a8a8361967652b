#!/usr/bin/env node
'use strict';
/**
 * `stale-key-detector ...` (package.json "bin"). Runs the CLI bundle, dist-cli/stale-key-detector.js,
 * which `npm run build` writes (scripts/build.ts) and `npm pack` ships (its "prepack" builds it):
 * after `npm install -g` of the package this file and the bundle are all there is, with no tsx,
 * TypeScript or node_modules needed.
 *
 * In a source checkout (cli/ beside this directory; the package does not ship it), the bundle
 * is used when it is there and newer than every source it is built from; otherwise (no build
 * yet, or sources edited since) the TypeScript runs through tsx, a devDependency, so that
 * `npx stale-key-detector` right after `npm install`, or after an edit, never runs a missing or
 * stale build. The check reads the modification times of about a hundred files: a few milliseconds.
 */
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const bundle = path.join(root, 'dist-cli', 'stale-key-detector.js');

/** The newest modification time among the files the bundle is built from. */
function newestSource() {
  let newest = fs.statSync(path.join(root, 'package.json')).mtimeMs;
  const visit = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(file);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(file).mtimeMs);
    }
  };
  visit(path.join(root, 'cli'));
  visit(path.join(root, 'functions', 'stale-key-detector', 'src'));
  return newest;
}

function runFromSource() {
  let tsx;
  try {
    tsx = require('tsx/cjs/api');
  } catch {
    process.stderr.write('error: no current CLI bundle and no tsx to run the sources; run "npm install" and "npm run build" in the repository\n');
    process.exit(2);
  }
  // Compile with this repository's tsconfig, whatever the directory the command runs in.
  const previousTsconfig = process.env.TSX_TSCONFIG_PATH;
  process.env.TSX_TSCONFIG_PATH = path.join(root, 'tsconfig.json');
  tsx.register();
  if (previousTsconfig === undefined) delete process.env.TSX_TSCONFIG_PATH;
  else process.env.TSX_TSCONFIG_PATH = previousTsconfig;
  require(path.join(root, 'cli', 'bin.ts'));
}

const checkout = fs.existsSync(path.join(root, 'cli', 'bin.ts'));
if (checkout && !(fs.existsSync(bundle) && fs.statSync(bundle).mtimeMs >= newestSource())) runFromSource();
else require(bundle);
