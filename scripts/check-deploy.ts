/**
 * `npm run check:deploy [-- --env-file FILE]`: checks the deployment before `s deploy`, with the
 * variables of .env (or .env.example when there is none, saying so). Builds the code directory
 * first, as s deploy's pre-deploy action does, so that EXEMPTIONS_FILE is looked for where the
 * deployed function will look. Prints every problem and exits 1, or prints OK.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { REPO_ROOT, checkDeploy } from './deploy-checks';

async function main(argv: readonly string[]): Promise<number> {
  let envFile = join(REPO_ROOT, '.env');
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--env-file' && argv[i + 1] !== undefined) envFile = resolve(String(argv[(i += 1)]));
    else {
      console.error(`unknown argument ${String(arg)}; usage: npm run check:deploy [-- --env-file FILE]`);
      return 2;
    }
  }
  if (!existsSync(envFile)) {
    if (argv.includes('--env-file')) {
      console.error(`FAIL: ${envFile} not found`);
      return 1;
    }
    console.log('note: no .env, so falling back to .env.example (cp .env.example .env and fill it in before s deploy)');
    envFile = join(REPO_ROOT, '.env.example');
  }
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('FAIL: npm run build failed, so there is no code directory to check');
    return 1;
  }
  const { errors, notes } = await checkDeploy({ envFile });
  for (const note of notes) console.log(note);
  const where = `s.yaml with ${relative(REPO_ROOT, envFile) || envFile}`;
  if (errors.length > 0) {
    console.error(`FAIL: ${where}: ${errors.length} problem(s)`);
    for (const error of errors) console.error(`  - ${error}`);
    return 1;
  }
  console.log(`OK: ${where} renders (s preview), fits the fc3 schema, the timer and every setting the function reads`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    console.error(`check:deploy failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exitCode = 1;
  },
);
