/**
 * `npm run build`: esbuild bundles, CommonJS files with every dependency inside.
 *
 * - The function, into functions/stale-key-detector/dist (the `code` directory s.yaml deploys):
 *   index.js, its source map, the licences of what it bundles, and exemptions.json when there is one.
 * - The CLI, into dist-cli/ (what bin/stale-key-detector.js runs, and what `npm pack` ships):
 *   stale-key-detector.js, with the package version fixed in (`--version`), and fc2.js, the
 *   Function Compute client only `invoke` loads. No tsx, no TypeScript and no node_modules are
 *   needed at run time.
 *
 *   npm run build            both
 *   npm run build -- --cli   the CLI only
 */
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const fnDir = join(root, 'functions', 'stale-key-detector');
const outDir = join(fnDir, 'dist');
/** Where the CLI bundle goes; bin/stale-key-detector.js and package.json "files" name it. */
export const CLI_OUT_DIR = join(root, 'dist-cli');
export const CLI_BUNDLE_NAME = 'stale-key-detector.js';

const FC2_BUNDLE_NAME = 'fc2.js';

/**
 * In the CLI bundle, `@alicloud/fc2` is the file beside it, built separately (see buildCli). The
 * adapter loads it with require() when it builds a client; onResolve sees require calls as it sees
 * imports. The function's bundle has no such plugin and holds fc2 inside: the coordinator invokes
 * the function itself, and FC gives it no node_modules.
 */
const fc2Beside: Plugin = {
  name: 'fc2-beside',
  setup(b) {
    b.onResolve({ filter: /^@alicloud\/fc2$/ }, () => ({ path: `./${FC2_BUNDLE_NAME}`, external: true }));
  },
};

/** What every bundle here is: one minified CommonJS file for Node 20, names kept for stack traces, licences linked. */
const NODE_BUNDLE = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // urllib (under fc2 and ali-oss) requires proxy-agent lazily, only when URLLIB_ENABLE_PROXY is
  // set; it is not installed, so that path is left out (it would fail with "Cannot find module").
  external: ['proxy-agent'],
  minify: true,
  keepNames: true,
  legalComments: 'linked',
  logLevel: 'warning',
} as const satisfies BuildOptions;

const kib = (path: string): string => `${(statSync(path).size / 1024).toFixed(0)} KiB`;

export async function buildFunction(): Promise<string> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(fnDir, 'src', 'index.ts')],
    outfile: join(outDir, 'index.js'),
    ...NODE_BUNDLE,
    sourcemap: true,
  });
  // An exemption list shipped in the code package (EXEMPTIONS_FILE=exemptions.json).
  const exemptions = join(fnDir, 'exemptions.json');
  if (existsSync(exemptions)) copyFileSync(exemptions, join(outDir, 'exemptions.json'));
  return join(outDir, 'index.js');
}

/**
 * The CLI bundle from cli/bin.ts, into `dir` (default dist-cli/): the bundle and the licences of
 * what it bundles. No source map: the CLI prints messages, not stack traces, and the map would
 * triple the download. Written beside and renamed into place, so that a bin starting meanwhile
 * never reads half a file.
 */
export async function buildCli(dir: string = CLI_OUT_DIR): Promise<string> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, CLI_BUNDLE_NAME);
  const result = await build({
    entryPoints: [join(root, 'cli', 'bin.ts')],
    outfile,
    ...NODE_BUNDLE,
    define: { STALE_KEY_DETECTOR_VERSION: JSON.stringify(pkg.version) },
    plugins: [fc2Beside],
    write: false,
  });
  // @alicloud/fc2 on its own: with urllib, iconv-lite and ali-oss it is most of the CLI's code,
  // and only `invoke` needs it. Node compiles a script whole before running it, so a smaller main
  // bundle starts faster (a missing-credentials error in well under a second). fc2 holds no state
  // of ours, so a second copy of nothing.
  const fc2 = await build({
    entryPoints: [require.resolve('@alicloud/fc2')],
    outfile: join(dir, FC2_BUNDLE_NAME),
    ...NODE_BUNDLE,
    write: false,
  });
  for (const file of [...result.outputFiles, ...fc2.outputFiles]) {
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
  }
  return outfile;
}

async function main(argv: readonly string[]): Promise<void> {
  const unknown = argv.find((a) => a !== '--cli');
  if (unknown !== undefined) throw new Error(`${unknown}: unknown flag; use --cli to build only the CLI`);
  const started = Date.now();
  const built = argv.includes('--cli') ? [await buildCli()] : [await buildFunction(), await buildCli()];
  process.stdout.write(`built ${built.map((path) => `${relative(root, path)} (${kib(path)})`).join(', ')} in ${Date.now() - started} ms\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`build failed: ${String(error)}\n`);
    process.exit(1);
  });
}
