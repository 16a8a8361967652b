/**
 * Bundles the function into functions/stale-key-detector/dist (the `code` directory s.yaml
 * deploys): one CommonJS file with every dependency inside, and its source map.
 */
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const fnDir = join(root, 'functions', 'stale-key-detector');
const outDir = join(fnDir, 'dist');

async function main(): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const started = Date.now();
  await build({
    entryPoints: [join(fnDir, 'src', 'index.ts')],
    outfile: join(outDir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    minify: true,
    keepNames: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  // An exemption list shipped in the code package (EXEMPTIONS_FILE=exemptions.json).
  const exemptions = join(fnDir, 'exemptions.json');
  if (existsSync(exemptions)) copyFileSync(exemptions, join(outDir, 'exemptions.json'));
  const size = statSync(join(outDir, 'index.js')).size;
  process.stdout.write(`built ${join('functions', 'stale-key-detector', 'dist', 'index.js')} (${(size / 1024).toFixed(0)} KiB) in ${Date.now() - started} ms\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`build failed: ${String(error)}\n`);
  process.exit(1);
});
