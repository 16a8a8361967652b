/**
 * Checks the deployment config before `s deploy`:
 *
 *   tsx scripts/check-deploy.ts [--no-preview] [--env-file .env.example] [-t s.yaml]
 *
 * 1. Static checks of s.yaml (schema, timer, environment, async retries, code) with the
 *    variables of the env file (default .env.example). Prints OK or every error; exit 1 on error.
 * 2. Unless --no-preview: runs Serverless Devs `s preview` offline (temp HOME, no credentials,
 *    only the env file's variables) to prove every ${env()} resolves, and compares its output
 *    with the renderer used by the static checks, then re-checks the rendered props.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ENV_EXAMPLE_PATH,
  REPO_ROOT,
  S_YAML_PATH,
  checkEnvironment,
  comparePreview,
  getFc3Props,
  loadSYaml,
  parseDotenv,
  runDeployChecks,
  runSPreview,
  validateFc3Props,
} from './deploy-checks';

interface Args {
  preview: boolean;
  envFile: string;
  template: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { preview: true, envFile: ENV_EXAMPLE_PATH, template: S_YAML_PATH };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-preview') args.preview = false;
    else if (a === '--env-file' && argv[i + 1] !== undefined) args.envFile = path.resolve(argv[++i] as string);
    else if ((a === '-t' || a === '--template') && argv[i + 1] !== undefined) args.template = path.resolve(argv[++i] as string);
    else if (a === '-h' || a === '--help') {
      console.log('usage: tsx scripts/check-deploy.ts [--no-preview] [--env-file FILE] [-t s.yaml]');
      process.exit(0);
    } else {
      console.error(`unknown argument: ${String(a)}`);
      process.exit(2);
    }
  }
  return args;
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  const rel = (p: string): string => path.relative(REPO_ROOT, p) || p;
  if (!fs.existsSync(args.envFile)) {
    console.error(`FAIL: env file ${rel(args.envFile)} not found`);
    return 1;
  }
  const env = parseDotenv(fs.readFileSync(args.envFile, 'utf8'));

  const result = runDeployChecks({ sYamlPath: args.template, env });
  console.log(`fc3 props schema: ${result.schemaPath} (${result.schemaSource})`);
  if (!result.ok) {
    console.error(`FAIL: ${rel(args.template)} has ${result.errors.length} problem(s):`);
    for (const e of result.errors) console.error(`  - ${e}`);
    return 1;
  }
  console.log(`OK: ${rel(args.template)} passes the deploy checks (variables from ${rel(args.envFile)})`);

  if (!args.preview) return 0;

  const started = Date.now();
  const preview = runSPreview(env, { sYamlPath: args.template });
  if (preview.status === 'unavailable') {
    // Not fatal: the static checks above use the same ${env()} rules; say so loudly.
    console.warn(`SKIP s preview: ${preview.message} The static checks above still ran.`);
    return 0;
  }
  if (preview.status === 'failed') {
    console.error(`FAIL: ${preview.message}`);
    if (preview.stdout) console.error(preview.stdout.trim());
    if (preview.stderr) console.error(preview.stderr.trim());
    return 1;
  }
  const rendered = preview.rendered ?? {};
  const doc = loadSYaml(args.template);
  const problems = comparePreview(rendered, getFc3Props(doc), env);
  // The output of s itself must pass the schema and the environment rules.
  const renderedProps = getFc3Props(rendered);
  problems.push(...validateFc3Props(renderedProps), ...checkEnvironment(renderedProps, {}));
  if (problems.length > 0) {
    console.error('FAIL: s preview output differs from the checked template:');
    for (const p of problems) console.error(`  - ${p}`);
    return 1;
  }
  console.log(`OK: s preview resolved every \${env()} offline in ${Date.now() - started} ms`);
  return 0;
}

process.exitCode = main();
