/**
 * The deploy checks behind `npm run check:deploy` (scripts/check-deploy.ts) and
 * test/deploy-config.test.ts. s.yaml is rendered only by Serverless Devs itself (`s preview`,
 * offline); the rendered props are then validated with ajv against the fc3 props schema, the
 * timer's cron is parsed by cron-parser, and the rendered environmentVariables go through the
 * function's own settings parser, so that any value the function would reject fails here,
 * named, before it is deployed.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { promisify } from 'node:util';
import Ajv from 'ajv';
import { CronExpressionParser } from 'cron-parser';
import { readAccountsConfig } from '../functions/stale-key-detector/src/config/accounts';
import { readSettings } from '../functions/stale-key-detector/src/config/settings';
import { ConfigError } from '../functions/stale-key-detector/src/errors/config-error';

export type Doc = Record<string, unknown>;

export const REPO_ROOT = resolve(__dirname, '..');
export const S_YAML = join(REPO_ROOT, 's.yaml');
export const S_BIN = join(REPO_ROOT, 'node_modules', '.bin', 's');
/** ../shared beside the repo (CI lays a copy beside its clone); test/fixtures holds a copy. */
export const SHARED_SCHEMA = resolve(REPO_ROOT, '..', 'shared', 'reference', 'fc3-props.schema.json');
export const VENDORED_SCHEMA = join(REPO_ROOT, 'test', 'fixtures', 'fc3-props.schema.json');
export const RESOURCE = 'stale-key-detector';
const CODE_DIR = 'functions/stale-key-detector/dist';
const ENV_LIMIT_BYTES = 4096;

const isRecord = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

// ─── rendering: `s preview` ──────────────────────────────────────────────────

export type Rendered = { doc: Doc; error?: undefined } | { doc?: undefined; error: string };

/**
 * Renders `sYaml` with `s preview -o json` in a temp project where `envFile` is the `.env` next
 * to the template (s loads it, as on `s deploy`). Hermetic: a temp HOME (no credentials, no
 * update check, no telemetry) and no variables but PATH, so only the env file counts.
 */
export async function renderWithS(envFile: string, sYaml = S_YAML): Promise<Rendered> {
  const work = await mkdtemp(join(tmpdir(), 'skd-check-deploy-'));
  try {
    const home = join(work, 'home');
    const project = join(work, 'project');
    await mkdir(join(home, '.s', 'config'), { recursive: true });
    await mkdir(project);
    // Without these, s spawns detached helpers: an npm registry update check and usage telemetry.
    await writeFile(join(home, '.s', 'config', 'update-notifier.json'), JSON.stringify({ lastUpdateCheck: Date.now() }));
    await writeFile(join(home, '.s', 'set-config.yml'), 'analysis: disable\n');
    await copyFile(sYaml, join(project, 's.yaml'));
    await copyFile(envFile, join(project, '.env'));
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, CI: 'true', NO_UPDATE_NOTIFIER: '1' };
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(S_BIN, ['preview', '-t', 's.yaml', '-o', 'json'], { cwd: project, env, timeout: 60_000 }));
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      const output = `${e.stdout ?? ''}\n${e.stderr ?? ''}`;
      const missing = /env\('(\w+)'\) not found/.exec(output)?.[1];
      if (missing !== undefined) return { error: `${missing}: s.yaml reads \${env('${missing}')} with no default and the env file does not set it (s preview: env('${missing}') not found)` };
      return { error: `s preview failed: ${(/Error Message:\s*([\s\S]*?)\n\s*\n/.exec(output)?.[1] ?? output).trim() || e.message}` };
    }
    const doc: unknown = JSON.parse(stdout.slice(stdout.indexOf('{')));
    return isRecord(doc) ? { doc } : { error: 's preview printed no mapping' };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

// ─── checks of the rendered document ─────────────────────────────────────────

export function loadSchema(shared = SHARED_SCHEMA): { schema: Doc; note: string } {
  const found = existsSync(shared);
  const file = found ? shared : VENDORED_SCHEMA;
  const note = found ? `fc3 props schema: ${file}` : `fc3 props schema: ${shared} is missing, using the copy in ${file}`;
  return { schema: JSON.parse(readFileSync(file, 'utf8')) as Doc, note };
}

export function checkSchema(props: Doc, schema: Doc): string[] {
  const validate = new Ajv({ allErrors: true }).compile(schema);
  if (validate(props)) return [];
  return (validate.errors ?? []).map((e) => `props${e.instancePath.replace(/\//g, '.')}: ${e.message ?? 'is invalid'} (fc3 props schema, ${e.schemaPath})`);
}

/** This project's own rules, which the schema does not know. */
export function checkProject(resource: Doc): string[] {
  const props = isRecord(resource['props']) ? resource['props'] : {};
  const vars = isRecord(props['environmentVariables']) ? props['environmentVariables'] : {};
  const preDeploy = isRecord(resource['actions']) ? resource['actions']['pre-deploy'] : undefined;
  const retries = isRecord(props['asyncInvokeConfig']) ? props['asyncInvokeConfig']['maxAsyncRetryAttempts'] : undefined;
  const code = typeof props['code'] === 'string' ? posix.normalize(props['code']).replace(/\/$/, '') : props['code'];
  const envBytes = Object.entries(vars).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);
  const rules: Array<[boolean, string]> = [
    [resource['component'] === 'fc3', `component: is ${JSON.stringify(resource['component'])}, must be fc3`],
    [props['runtime'] === 'nodejs20', `props.runtime: is ${JSON.stringify(props['runtime'])}, must be nodejs20`],
    [code === CODE_DIR, `props.code: is ${JSON.stringify(props['code'])}, must be ./${CODE_DIR} (the bundle npm run build writes)`],
    [props['handler'] === 'index.handler', `props.handler: is ${JSON.stringify(props['handler'])}, must be index.handler`],
    [Array.isArray(preDeploy) && preDeploy.some((a) => isRecord(a) && String(a['run']).includes('npm run build')),
      `actions.pre-deploy: no step runs 'npm run build', so a stale or missing dist would be deployed`],
    [retries === 0, `props.asyncInvokeConfig.maxAsyncRetryAttempts: is ${JSON.stringify(retries)}, must be 0 (FC retries a failed timer run up to 3 times, posting duplicate reports)`],
    [String(vars['NODE_OPTIONS']).split(/\s+/).includes('--enable-source-maps'), 'props.environmentVariables.NODE_OPTIONS: must include --enable-source-maps (FC stack traces then point at the source)'],
    [envBytes <= ENV_LIMIT_BYTES, `props.environmentVariables: ${envBytes} bytes exceed FC's ${ENV_LIMIT_BYTES}-byte limit (ship long lists in EXEMPTIONS_FILE)`],
  ];
  const reserved = Object.keys(vars).filter((k) => k.startsWith('FC_'))
    .map((k) => `props.environmentVariables.${k}: keys starting with FC_ are reserved by Function Compute`);
  return [...rules.filter(([ok]) => !ok).map(([, message]) => message), ...reserved];
}

/** Minutes between firings of an FC timer cron (6 fields, UTC or CRON_TZ=zone, or @every); throws when unparsable or irregular. */
export function cronPeriodMinutes(expression: string, from = Date.UTC(2026, 0, 1)): number {
  const every = /^@every\s+(?:(\d+)h)?(?:(\d+)m)?$/.exec(expression.trim());
  if (every !== null && (every[1] !== undefined || every[2] !== undefined)) return Number(every[1] ?? 0) * 60 + Number(every[2] ?? 0);
  const [, tz, fields = ''] = /^(?:CRON_TZ=(\S+)\s+)?(.*)$/.exec(expression.trim()) ?? [];
  if (fields.split(/\s+/).length !== 6) throw new Error('FC timer crons have 6 fields (second minute hour day-of-month month day-of-week)');
  const cron = CronExpressionParser.parse(fields, { currentDate: from, tz: tz ?? 'UTC' });
  const times = Array.from({ length: 50 }, () => cron.next().getTime());
  const gaps = new Set(times.slice(1).map((t, i) => (t - (times[i] ?? t)) / 60_000));
  if (gaps.size !== 1) throw new Error(`fires at irregular intervals (${[...gaps].slice(0, 4).join(', ')} minutes)`);
  return [...gaps][0] ?? 0;
}

export function checkTimers(props: Doc): string[] {
  const triggers = Array.isArray(props['triggers']) ? props['triggers'].filter(isRecord) : [];
  const timers = triggers.filter((t) => t['triggerType'] === 'timer');
  if (timers.length === 0) return ['props.triggers: no timer trigger, so the function never runs'];
  const vars = isRecord(props['environmentVariables']) ? props['environmentVariables'] : {};
  const schedule = Number(vars['SCHEDULE_MINUTES']);
  return timers.flatMap((t) => {
    const where = `props.triggers[${triggers.indexOf(t)}].triggerConfig`;
    const config = isRecord(t['triggerConfig']) ? t['triggerConfig'] : {};
    const errors = config['enable'] === true ? [] : [`${where}.enable: is ${JSON.stringify(config['enable'])}, must be true`];
    try {
      const period = cronPeriodMinutes(String(config['cronExpression']));
      if (Number.isFinite(schedule) && period !== schedule) {
        errors.push(`SCHEDULE_MINUTES: is ${schedule} but ${where}.cronExpression fires every ${period} minutes; they must match`);
      }
    } catch (error) {
      errors.push(`${where}.cronExpression: ${JSON.stringify(config['cronExpression'])}: ${(error as Error).message}`);
    }
    return errors;
  });
}

/**
 * The function's own settings parsers (its settings, and ACCOUNTS with its companions) on the rendered variables, with EXEMPTIONS_FILE read from
 * `codeDir` as the deployed function reads it from its code directory. readSettings stops at the
 * first bad variable: each one found is reported and dropped (its default used) to find the next.
 */
export function checkSettings(vars: Doc, codeDir: string): string[] {
  const env: Record<string, string> = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, String(v)]));
  const errors: string[] = [];
  for (;;) {
    try {
      readSettings(env, { cwd: codeDir });
      readAccountsConfig(env);
      return errors;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const hint = error.field.startsWith('EXEMPTIONS_FILE') ? `; npm run build copies functions/stale-key-detector/exemptions.json into ${CODE_DIR}` : '';
      errors.push(`${error.message}${hint} (the function rejects this setting and every run would fail)`);
      const name = /^\w+/.exec(error.field)?.[0] ?? '';
      if (!(name in env)) return errors;
      delete env[name];
    }
  }
}

// ─── everything ──────────────────────────────────────────────────────────────

export interface CheckResult {
  readonly errors: string[];
  readonly notes: string[];
  readonly doc?: Doc;
}

/** `codeDir` stands in for the deployed code directory (default: s.yaml's `code`, built). */
export async function checkDeploy(opts: { envFile: string; sYaml?: string; codeDir?: string; sharedSchema?: string }): Promise<CheckResult> {
  const { schema, note } = loadSchema(opts.sharedSchema);
  const sYaml = opts.sYaml ?? S_YAML;
  const rendered = await renderWithS(opts.envFile, sYaml);
  if (rendered.error !== undefined) return { errors: [rendered.error], notes: [note] };
  const resources = isRecord(rendered.doc['resources']) ? rendered.doc['resources'] : {};
  const resource = resources[RESOURCE];
  if (!isRecord(resource) || !isRecord(resource['props'])) return { errors: [`resources.${RESOURCE}.props: missing`], notes: [note], doc: rendered.doc };
  const props = resource['props'];
  const vars = isRecord(props['environmentVariables']) ? props['environmentVariables'] : {};
  const codeDir = opts.codeDir ?? resolve(dirname(sYaml), String(props['code']));
  const errors = [...checkSchema(props, schema), ...checkProject(resource), ...checkTimers(props), ...checkSettings(vars, codeDir)];
  return { errors, notes: [note], doc: rendered.doc };
}
