/**
 * Static checks of the Serverless Devs project (s.yaml, fc3 component) for stale-key-detector.
 *
 * Pure functions (apart from reading files) shared by test/deploy-config.test.ts and the CLI
 * scripts/check-deploy.ts. Every check returns a list of readable error strings of the form
 * `<property path>: <what is wrong>. Fix: <how to fix it>`; an empty list means OK.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';

export type EnvMap = Readonly<Record<string, string | undefined>>;
export type Props = Record<string, unknown>;

export const REPO_ROOT = path.resolve(__dirname, '..');
export const S_YAML_PATH = path.join(REPO_ROOT, 's.yaml');
export const ENV_EXAMPLE_PATH = path.join(REPO_ROOT, '.env.example');
/** ../shared beside the repo (read-only copy in CI). */
export const SHARED_SCHEMA_PATH = path.resolve(
  __dirname,
  '..',
  '..',
  'shared',
  'reference',
  'fc3-props.schema.json',
);
/** Vendored copy, used when ../shared is absent. Must stay equal to the shared one. */
export const VENDORED_SCHEMA_PATH = path.join(REPO_ROOT, 'test', 'fixtures', 'fc3-props.schema.json');

export const RESOURCE_NAME = 'stale-key-detector';
export const EXPECTED_CODE_DIR = './functions/stale-key-detector/dist';
export const EXPECTED_HANDLER = 'index.handler';
export const EXPECTED_RUNTIME = 'nodejs20';
export const ENV_TOTAL_LIMIT_BYTES = 4096;
export const ENV_KEY_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

// ---------------------------------------------------------------------------------------------
// Small helpers

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array (${JSON.stringify(v)})`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** `a.b[0].c` style path from ajv's JSON pointer `/a/b/0/c`. */
function pointerToPath(prefix: string, pointer: string): string {
  if (pointer === '') return prefix;
  return pointer
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : `${acc}.${seg}`), prefix);
}

// ---------------------------------------------------------------------------------------------
// s.yaml loading

export interface SYamlDoc {
  edition?: unknown;
  name?: unknown;
  access?: unknown;
  vars?: unknown;
  resources?: unknown;
  [key: string]: unknown;
}

/** Parse an s.yaml file with the `yaml` package. Throws on YAML syntax errors. */
export function loadSYaml(file: string): SYamlDoc {
  const text = fs.readFileSync(file, 'utf8');
  const doc: unknown = parseYaml(text);
  if (!isRecord(doc)) throw new Error(`${file}: expected a YAML mapping at the top level`);
  return doc;
}

/** The fc3 resource (component + props + actions) named `name`, or undefined. */
export function getResource(doc: SYamlDoc, name = RESOURCE_NAME): Record<string, unknown> | undefined {
  const resources = doc.resources;
  if (!isRecord(resources)) return undefined;
  const r = resources[name];
  return isRecord(r) ? r : undefined;
}

/** The `props` of the fc3 resource; throws if absent. */
export function getFc3Props(doc: SYamlDoc, name = RESOURCE_NAME): Props {
  const r = getResource(doc, name);
  if (!r || !isRecord(r.props)) throw new Error(`resources.${name}.props is missing from s.yaml`);
  return r.props;
}

// ---------------------------------------------------------------------------------------------
// ${env()} rendering (the subset of Serverless Devs' template language this project uses)

/**
 * Matches `${env('X')}`, `${env('X', 'default')}`, `${env("X")}`, `${env("X", "")}`.
 * Groups: 2 = name, 4 = default (undefined when there is none).
 */
const ENV_EXPR_RE =
  /\$\{\s*env\(\s*(['"])([A-Za-z_][A-Za-z0-9_]*)\1\s*(?:,\s*(['"])((?:(?!\3).)*)\3\s*)?\)\s*\}/g;
/** Any `${...}` expression. */
const ANY_EXPR_RE = /\$\{[^}]*\}/g;

export interface RenderResult {
  value: string;
  /** Variables with no value in env and no default (Serverless Devs fails with "not found"). */
  missing: string[];
  /** `${...}` expressions this renderer does not understand (left as they are). */
  unsupported: string[];
}

/**
 * Render `${env(...)}` expressions in a string the way Serverless Devs 3 does: the variable's
 * value if it is set and non-empty, else the default (which may be ''), else "not found".
 */
export function renderEnvString(input: string, env: EnvMap): RenderResult {
  const missing: string[] = [];
  const value = input.replace(ENV_EXPR_RE, (_m, _q: string, name: string, _q2?: string, def?: string) => {
    const v = env[name];
    if (v) return v; // s treats an empty variable as unset
    if (def !== undefined) return def;
    missing.push(name);
    return '';
  });
  const unsupported = input.replace(ENV_EXPR_RE, '').match(ANY_EXPR_RE) ?? [];
  return { value, missing, unsupported: [...unsupported] };
}

/** Render every string inside `value` (deeply); non-strings are kept as they are. */
export function renderDeep(
  value: unknown,
  env: EnvMap,
  missing: string[] = [],
  unsupported: string[] = [],
): unknown {
  if (typeof value === 'string') {
    const r = renderEnvString(value, env);
    missing.push(...r.missing);
    unsupported.push(...r.unsupported);
    return r.value;
  }
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, env, missing, unsupported));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderDeep(v, env, missing, unsupported);
    return out;
  }
  return value;
}

/** Render props; required variables that are missing become `<NAME>` placeholders. */
export function renderProps(props: Props, env: EnvMap): { props: Props; missing: string[] } {
  const missing: string[] = [];
  const withPlaceholders: Record<string, string> = {};
  const collect: string[] = [];
  renderDeep(props, env, collect);
  for (const name of collect) {
    if (!missing.includes(name)) missing.push(name);
    withPlaceholders[name] = `<${name}>`;
  }
  const rendered = renderDeep(props, { ...env, ...withPlaceholders });
  return { props: isRecord(rendered) ? rendered : {}, missing };
}

/** Minimal .env parser (KEY=value, optional `export`, quotes, `#` comments) like dotenv 16. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([\w.-]+)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1] as string;
    let val = (m[2] as string).trim();
    const q = /^(['"`])(.*)\1/.exec(val);
    if (q) {
      val = q[2] as string;
      if (q[1] === '"') val = val.replace(/\\n/g, '\n');
    } else {
      const hash = val.indexOf('#');
      if (hash >= 0) val = val.slice(0, hash).trim();
    }
    out[key] = val;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON-schema validation of props

export interface LoadedSchema {
  schema: Record<string, unknown>;
  path: string;
  source: 'shared' | 'vendored';
}

/** The fc3 props schema: ../shared when present, else the vendored copy in test/fixtures. */
export function loadFc3Schema(): LoadedSchema {
  const useShared = fs.existsSync(SHARED_SCHEMA_PATH);
  const file = useShared ? SHARED_SCHEMA_PATH : VENDORED_SCHEMA_PATH;
  const schema: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!isRecord(schema)) throw new Error(`${file}: not a JSON schema object`);
  return { schema, path: file, source: useShared ? 'shared' : 'vendored' };
}

const validatorCache = new Map<string, ValidateFunction>();

function getValidator(loaded: LoadedSchema): ValidateFunction {
  const cached = validatorCache.get(loaded.path);
  if (cached) return cached;
  const draft = String(loaded.schema.$schema ?? '');
  if (!/draft-07/.test(draft)) {
    // The default Ajv class implements draft-07 (and draft-06); 2019-09/2020-12 need ajv/dist/20xx.
    throw new Error(`${loaded.path}: expected a draft-07 schema, got $schema=${draft}`);
  }
  // allErrors: report every problem at once. The schema has no `format` keywords, so ajv-formats
  // is not needed; strict mode stays on (the schema compiles under it).
  const ajv = new Ajv({ allErrors: true });
  const validate = ajv.compile(loaded.schema);
  validatorCache.set(loaded.path, validate);
  return validate;
}

function formatAjvError(e: ErrorObject): string {
  const where = pointerToPath('props', e.instancePath);
  let msg = e.message ?? 'is invalid';
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    msg += `: ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  } else if (e.keyword === 'const') {
    msg += ` ${JSON.stringify(params.allowedValue)}`;
  } else if (e.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    msg += ` ('${params.additionalProperty}')`;
  }
  return `${where}: ${msg}. Fix: change ${where} to match the fc3 props schema (${e.schemaPath}).`;
}

/**
 * Validate props against the fc3 JSON schema. The template is rendered first (with `env`, or
 * with the defaults only), because raw `${env(...)}` strings cannot match enums such as region.
 * Required variables without a value are replaced by a `<NAME>` placeholder for the validation.
 */
export function validateFc3Props(props: Props, env: EnvMap = {}): string[] {
  const loaded = loadFc3Schema();
  const validate = getValidator(loaded);
  const rendered = renderProps(props, env).props;
  if (validate(rendered)) return [];
  const errors = (validate.errors ?? []).map(formatAjvError);
  return [...new Set(errors)];
}

// ---------------------------------------------------------------------------------------------
// Timer triggers

interface CronField {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  question?: boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const CRON_FIELDS: readonly CronField[] = [
  { name: 'seconds', min: 0, max: 59 },
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 0, max: 6, names: DAYS, question: true },
];

function parseCronValue(token: string, f: CronField): number | undefined {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    return n >= f.min && n <= f.max ? n : undefined;
  }
  if (f.names) {
    const i = f.names.indexOf(token.toUpperCase());
    if (i >= 0) return f.min + i;
  }
  return undefined;
}

/** Problems with one cron field (empty list when valid). */
function checkCronField(text: string, f: CronField): string[] {
  const allowed =
    `${f.min}-${f.max}` + (f.names ? ` or ${f.names[0]}-${f.names[f.names.length - 1]}` : '') + (f.question ? ' or ?' : '');
  if (text === '?') return f.question ? [] : [`${f.name} field '?' is only allowed in day-of-month/day-of-week`];
  const problems: string[] = [];
  for (const item of text.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(item);
    if (!m) {
      problems.push(`${f.name} field '${item}' is not valid (use *, */n, a, a-b, a-b/n or lists; values ${allowed})`);
      continue;
    }
    const base = m[1] as string;
    const step = m[2];
    if (step !== undefined && (Number(step) < 1 || Number(step) > f.max - f.min + 1)) {
      problems.push(`${f.name} step '/${step}' is out of range 1-${f.max - f.min + 1}`);
    }
    if (base === '*') continue;
    const range = base.split('-');
    if (range.length > 2) {
      problems.push(`${f.name} field '${item}' is not valid (values ${allowed})`);
      continue;
    }
    const vals = range.map((t) => parseCronValue(t, f));
    if (vals.some((v) => v === undefined)) {
      problems.push(`${f.name} value '${base}' is out of range (allowed ${allowed})`);
      continue;
    }
    if (vals.length === 2 && (vals[0] as number) > (vals[1] as number)) {
      problems.push(`${f.name} range '${base}' goes backwards`);
    }
  }
  return problems;
}

export interface ParsedCron {
  timezone?: string;
  /** Six fields for a cron expression; undefined for `@every`. */
  fields?: string[];
  /** Interval in minutes for `@every`. */
  everyMinutes?: number;
}

/**
 * Validate an FC timer cronExpression: 6 fields (second minute hour dom month dow), optionally
 * prefixed `CRON_TZ=Area/City `, or `@every Nm` / `@every Nh` (also `@every 1h30m`).
 */
export function parseCronExpression(expr: string): { parsed?: ParsedCron; problems: string[] } {
  let rest = expr.trim();
  let timezone: string | undefined;
  const tz = /^CRON_TZ=(\S+)\s+(.*)$/.exec(rest);
  if (tz) {
    timezone = tz[1] as string;
    rest = (tz[2] as string).trim();
    if (!/^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)+$/.test(timezone) || !isValidTimeZone(timezone)) {
      return { problems: [`CRON_TZ '${timezone}' is not an IANA Area/City time zone (e.g. Asia/Shanghai)`] };
    }
  }
  if (rest.startsWith('@')) {
    const m = /^@every\s+(?:(\d+)h)?(?:(\d+)m)?$/.exec(rest);
    const minutes = m ? Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) : 0;
    if (!m || minutes < 1) return { problems: [`'${rest}' is not a valid '@every Nm' / '@every Nh' interval`] };
    const parsed: ParsedCron = { everyMinutes: minutes };
    if (timezone !== undefined) parsed.timezone = timezone;
    return { parsed, problems: [] };
  }
  const fields = rest.split(/\s+/).filter((s) => s !== '');
  if (fields.length !== 6) {
    return {
      problems: [
        `'${rest}' has ${fields.length} fields; FC timers need 6 (second minute hour day-of-month month day-of-week)`,
      ],
    };
  }
  const problems = fields.flatMap((text, i) => checkCronField(text, CRON_FIELDS[i] as CronField));
  const dom = fields[3];
  const dow = fields[5];
  if (dom === '?' && dow === '?') problems.push(`day-of-month and day-of-week cannot both be '?'`);
  const parsed: ParsedCron = { fields };
  if (timezone !== undefined) parsed.timezone = timezone;
  return { parsed, problems };
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Period in minutes when the schedule is a plain "every N minutes" one; undefined otherwise. */
export function cronPeriodMinutes(parsed: ParsedCron): number | undefined {
  if (parsed.everyMinutes !== undefined) return parsed.everyMinutes;
  const f = parsed.fields;
  if (!f) return undefined;
  const [sec, min, hour, dom, month, dow] = f;
  const anyDay = (dom === '*' || dom === '?') && month === '*' && (dow === '*' || dow === '?');
  if (!anyDay || !/^\d+$/.test(sec ?? '')) return undefined;
  if (/^\d+$/.test(min ?? '') && hour === '*') return 60;
  return undefined;
}

export interface TimerCheckOptions {
  /** Variables used to render SCHEDULE_MINUTES (defaults only when absent). */
  env?: EnvMap;
  /** Project rule: the timer fires hourly, matching SCHEDULE_MINUTES (default true). */
  requireHourly?: boolean;
}

/** Check every timer trigger's triggerConfig (the fc3 schema accepts any object there). */
export function checkTimerTriggers(props: Props, opts: TimerCheckOptions = {}): string[] {
  const errors: string[] = [];
  const triggers = props.triggers;
  if (triggers === undefined) return ['props.triggers: missing. Fix: add the hourly timer trigger.'];
  if (!Array.isArray(triggers)) return [`props.triggers: is ${show(triggers)}, not a list. Fix: make it a list.`];
  const timers = triggers
    .map((t: unknown, i) => ({ t, i }))
    .filter(({ t }) => isRecord(t) && t.triggerType === 'timer');
  if (timers.length === 0) errors.push(`props.triggers: has no timer trigger. Fix: add one with triggerType: timer.`);

  const env = opts.env ?? {};
  const scheduleRaw = isRecord(props.environmentVariables) ? props.environmentVariables.SCHEDULE_MINUTES : undefined;
  const scheduleMinutes =
    typeof scheduleRaw === 'string' ? Number(renderEnvString(scheduleRaw, env).value) : undefined;

  for (const { t, i } of timers) {
    const trig = t as Record<string, unknown>;
    const base = `props.triggers[${i}]` + (typeof trig.triggerName === 'string' ? ` (${trig.triggerName})` : '');
    const cfg = trig.triggerConfig;
    if (!isRecord(cfg)) {
      errors.push(`${base}.triggerConfig: is ${show(cfg)}. Fix: give { cronExpression, enable: true, payload }.`);
      continue;
    }
    const cron = cfg.cronExpression;
    let parsed: ParsedCron | undefined;
    if (typeof cron !== 'string') {
      errors.push(
        `${base}.triggerConfig.cronExpression: is ${show(cron)}. Fix: set a 6-field cron string such as '0 0 * * * *'.`,
      );
    } else {
      const r = parseCronExpression(cron);
      for (const p of r.problems) {
        errors.push(`${base}.triggerConfig.cronExpression: ${p}. Fix: use e.g. '0 0 * * * *' (6 fields, UTC).`);
      }
      if (r.problems.length === 0) parsed = r.parsed;
    }
    if (cfg.enable !== true) {
      errors.push(`${base}.triggerConfig.enable: is ${show(cfg.enable)}, must be the boolean true. Fix: enable: true.`);
    }
    if (cfg.payload !== undefined && typeof cfg.payload !== 'string') {
      errors.push(`${base}.triggerConfig.payload: is ${show(cfg.payload)}, must be a string. Fix: quote it (payload: '').`);
    }
    if (parsed && opts.requireHourly !== false) {
      const period = cronPeriodMinutes(parsed);
      if (period !== 60) {
        errors.push(
          `${base}.triggerConfig.cronExpression: '${String(cron)}' does not fire exactly once an hour ` +
            `(second and minute fixed, hour '*', any day). Fix: use '0 0 * * * *' or '@every 60m'.`,
        );
      } else if (scheduleMinutes !== undefined && scheduleMinutes !== period) {
        errors.push(
          `props.environmentVariables.SCHEDULE_MINUTES: renders to ${String(scheduleMinutes)} but ${base} fires every ` +
            `${period} minutes. Fix: set SCHEDULE_MINUTES to ${period} or change the cron expression to match.`,
        );
      }
    }
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Environment variables

/** Sum of UTF-8 byte lengths of keys and values. */
export function envSizeBytes(vars: Readonly<Record<string, unknown>>): number {
  let total = 0;
  for (const [k, v] of Object.entries(vars)) {
    total += Buffer.byteLength(k, 'utf8') + Buffer.byteLength(typeof v === 'string' ? v : String(v), 'utf8');
  }
  return total;
}

/**
 * FC rules for environmentVariables: string values, no `FC_` keys, key syntax, 4 KB in total
 * (checked on the raw template and on the values rendered with `env`, or with the defaults only).
 * Required variables missing from `env` are reported by checkVariables.
 */
export function checkEnvironment(props: Props, env?: EnvMap): string[] {
  const errors: string[] = [];
  const where = 'props.environmentVariables';
  const vars = props.environmentVariables;
  if (vars === undefined) return [];
  if (!isRecord(vars)) return [`${where}: is ${show(vars)}, must be a mapping. Fix: KEY: 'value' lines.`];

  for (const [key, value] of Object.entries(vars)) {
    if (!ENV_KEY_RE.test(key)) {
      errors.push(`${where}.${key}: the key is not a valid variable name (${ENV_KEY_RE.source}). Fix: rename it.`);
    }
    if (key.startsWith('FC_')) {
      errors.push(`${where}.${key}: keys starting with FC_ are reserved by Function Compute. Fix: rename it.`);
    }
    if (typeof value !== 'string') {
      const fix = value === null || value === undefined ? "''" : `'${String(value)}'`;
      errors.push(`${where}.${key}: is ${show(value)}; FC values must be strings. Fix: quote it (${key}: ${fix}).`);
    }
  }

  const rawSize = envSizeBytes(vars);
  if (rawSize > ENV_TOTAL_LIMIT_BYTES) {
    errors.push(
      `${where}: ${rawSize} bytes (keys + values, as written in s.yaml) exceed FC's ${ENV_TOTAL_LIMIT_BYTES}-byte limit. ` +
        `Fix: move large values (e.g. EXEMPTIONS) into a file in the code directory (EXEMPTIONS_FILE).`,
    );
  }
  const rendered: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(vars)) {
    if (typeof value === 'string') {
      rendered[key] = renderEnvString(value, env ?? {}).value;
    } else {
      rendered[key] = value;
    }
  }
  const renderedSize = envSizeBytes(rendered);
  if (renderedSize > ENV_TOTAL_LIMIT_BYTES) {
    errors.push(
      `${where}: ${renderedSize} bytes once \${env()} is rendered exceed FC's ${ENV_TOTAL_LIMIT_BYTES}-byte limit. ` +
        `Fix: shorten the values in .env (move EXEMPTIONS into EXEMPTIONS_FILE).`,
    );
  }
  return errors;
}

/**
 * Every `${env('X')}` without a default anywhere in the document must be set in `env`, and every
 * `${...}` must be one this module can render (so the other checks saw real values).
 */
export function checkVariables(doc: unknown, env: EnvMap): string[] {
  const errors: string[] = [];
  const walk = (v: unknown, where: string): void => {
    if (typeof v === 'string') {
      const r = renderEnvString(v, env);
      for (const name of new Set(r.missing)) {
        errors.push(
          `${where}: \${env('${name}')} has no default and ${name} is not set, so s deploy fails with ` +
            `"env('${name}') not found". Fix: set ${name} in .env (documented in .env.example) or export it.`,
        );
      }
      for (const expr of new Set(r.unsupported)) {
        errors.push(`${where}: ${expr} is not understood by scripts/deploy-checks.ts. Fix: use \${env('X')} or \${env('X', 'default')}.`);
      }
    } else if (Array.isArray(v)) {
      v.forEach((item: unknown, i) => walk(item, `${where}[${i}]`));
    } else if (isRecord(v)) {
      for (const [k, item] of Object.entries(v)) walk(item, where === '' ? k : `${where}.${k}`);
    }
  };
  walk(doc, '');
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Async config and code

/** Timer runs are async: a retried run would post duplicates, so retries must be 0. */
export function checkAsyncConfig(props: Props): string[] {
  const cfg = props.asyncInvokeConfig;
  const where = 'props.asyncInvokeConfig.maxAsyncRetryAttempts';
  const fix = `Fix: asyncInvokeConfig: { maxAsyncRetryAttempts: 0 } (a retried timer run would post duplicate reports).`;
  if (!isRecord(cfg)) return [`${where}: asyncInvokeConfig is ${show(cfg)}, so FC retries 3 times. ${fix}`];
  if (cfg.maxAsyncRetryAttempts !== 0) return [`${where}: is ${show(cfg.maxAsyncRetryAttempts)}, must be 0. ${fix}`];
  return [];
}

/** code directory, handler, runtime and timeout of this project. */
export function checkCode(props: Props): string[] {
  const errors: string[] = [];
  const code = props.code;
  const normalized = typeof code === 'string' ? `./${path.posix.normalize(code.replace(/\\/g, '/')).replace(/\/$/, '')}` : undefined;
  if (normalized !== EXPECTED_CODE_DIR) {
    errors.push(
      `props.code: is ${show(code)}, must be '${EXPECTED_CODE_DIR}' (the esbuild bundle; only this directory is deployed). ` +
        `Fix: code: ${EXPECTED_CODE_DIR}`,
    );
  }
  if (props.handler !== EXPECTED_HANDLER) {
    errors.push(`props.handler: is ${show(props.handler)}, must be '${EXPECTED_HANDLER}' (dist/index.js exports handler). Fix: handler: ${EXPECTED_HANDLER}`);
  }
  if (props.runtime !== EXPECTED_RUNTIME) {
    errors.push(`props.runtime: is ${show(props.runtime)}, must be '${EXPECTED_RUNTIME}'. Fix: runtime: ${EXPECTED_RUNTIME}`);
  }
  const t = props.timeout;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 60 || t > 86400) {
    errors.push(
      `props.timeout: is ${show(t)}, must be an integer number of seconds between 60 and 86400 ` +
        `(a full scan takes ~450 s). Fix: timeout: 900`,
    );
  }
  return errors;
}

/** Top-level and resource-level structure of s.yaml (edition, component, pre-deploy action). */
export function checkProject(doc: SYamlDoc, name = RESOURCE_NAME): string[] {
  const errors: string[] = [];
  if (doc.edition !== '3.0.0') {
    errors.push(`edition: is ${show(doc.edition)}, must be '3.0.0' (Serverless Devs 3). Fix: edition: 3.0.0`);
  }
  if (doc.name !== 'stale-key-detector') {
    errors.push(`name: is ${show(doc.name)}. Fix: name: stale-key-detector`);
  }
  const r = getResource(doc, name);
  if (!r) return [...errors, `resources.${name}: missing. Fix: add the fc3 resource named ${name}.`];
  if (r.component !== 'fc3') {
    errors.push(`resources.${name}.component: is ${show(r.component)}, must be 'fc3'. Fix: component: fc3`);
  }
  const actions = r.actions;
  const pre = isRecord(actions) ? actions['pre-deploy'] : undefined;
  const builds =
    Array.isArray(pre) &&
    pre.some((a: unknown) => isRecord(a) && typeof a.run === 'string' && a.run.includes('npm run build'));
  if (!builds) {
    errors.push(
      `resources.${name}.actions.pre-deploy: no step runs 'npm run build', so a stale or missing dist would be deployed. ` +
        `Fix: actions: { pre-deploy: [ { run: 'npm ci && npm run build', path: ./ } ] } under the resource.`,
    );
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Aggregation

export interface DeployCheckOptions {
  /** s.yaml to check (default: the repo's s.yaml). Ignored when `doc` is given. */
  sYamlPath?: string;
  doc?: SYamlDoc;
  /** Variables for ${env()} (e.g. from .env.example); when absent only defaults are used. */
  env?: EnvMap;
  resourceName?: string;
}

export interface DeployCheckResult {
  ok: boolean;
  errors: string[];
  schemaPath: string;
  schemaSource: 'shared' | 'vendored';
}

/** Run every check; errors are prefixed with the resource path (resources.<name>.props...). */
export function runDeployChecks(opts: DeployCheckOptions = {}): DeployCheckResult {
  const name = opts.resourceName ?? RESOURCE_NAME;
  const schema = loadFc3Schema();
  const errors: string[] = [];
  let doc: SYamlDoc;
  try {
    doc = opts.doc ?? loadSYaml(opts.sYamlPath ?? S_YAML_PATH);
  } catch (e) {
    return { ok: false, errors: [`s.yaml: ${(e as Error).message}`], schemaPath: schema.path, schemaSource: schema.source };
  }
  errors.push(...checkProject(doc, name));
  if (opts.env !== undefined) errors.push(...checkVariables(doc, opts.env));
  const r = getResource(doc, name);
  if (r && isRecord(r.props)) {
    const props = r.props;
    const prefix = `resources.${name}.`;
    const propErrors = [
      ...validateFc3Props(props, opts.env ?? {}),
      ...checkTimerTriggers(props, opts.env === undefined ? {} : { env: opts.env }),
      ...checkEnvironment(props, opts.env),
      ...checkAsyncConfig(props),
      ...checkCode(props),
    ];
    errors.push(...propErrors.map((e) => prefix + e));
  } else if (r) {
    errors.push(`resources.${name}.props: missing. Fix: add the fc3 props.`);
  }
  return { ok: errors.length === 0, errors, schemaPath: schema.path, schemaSource: schema.source };
}

// ---------------------------------------------------------------------------------------------
// Offline `s preview`

export const S_BIN = path.join(REPO_ROOT, 'node_modules', '.bin', 's');

export interface PreviewResult {
  /** 'ok' rendered; 'unavailable' the s binary is not installed; 'failed' s exited non-zero. */
  status: 'ok' | 'unavailable' | 'failed';
  message: string;
  /** The rendered document (`s preview -o json`) when status is 'ok'. */
  rendered?: SYamlDoc;
  stdout?: string;
  stderr?: string;
}

/**
 * Run Serverless Devs `s preview -o json` offline on a copy of s.yaml in a temp directory, with
 * a temp HOME (no ~/.s access config, no update cache), CI=true, stdin closed, and only PATH plus
 * `env` in the environment (so a developer's .env or shell variables do not leak in). `s preview`
 * only renders the template: it neither loads the fc3 component nor needs credentials.
 */
export function runSPreview(env: EnvMap, opts: { sYamlPath?: string; timeoutMs?: number } = {}): PreviewResult {
  if (!fs.existsSync(S_BIN)) {
    return {
      status: 'unavailable',
      message: `${S_BIN} not found: install the dev dependency @serverless-devs/s (npm ci).`,
    };
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'skd-preview-'));
  try {
    const home = path.join(work, 'home');
    const proj = path.join(work, 'project');
    fs.mkdirSync(proj);
    // Without these, s spawns detached daemons: update-cli.js (asks the npm registry for a newer
    // s, at most every 12 h, keyed on lastUpdateCheck) and report.js (usage telemetry, off with
    // `analysis: disable`). Pre-seeding the temp ~/.s keeps the preview to one local process.
    fs.mkdirSync(path.join(home, '.s', 'config'), { recursive: true });
    fs.writeFileSync(
      path.join(home, '.s', 'config', 'update-notifier.json'),
      JSON.stringify({ lastUpdateCheck: Date.now() }),
    );
    fs.writeFileSync(path.join(home, '.s', 'set-config.yml'), 'analysis: disable\n');
    const tmpl = path.join(proj, 's.yaml');
    fs.copyFileSync(opts.sYamlPath ?? S_YAML_PATH, tmpl);
    const childEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      USERPROFILE: home,
      CI: 'true',
      NO_UPDATE_NOTIFIER: '1',
    };
    for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
    const res = spawnSync(S_BIN, ['preview', '-t', tmpl, '-o', 'json'], {
      cwd: proj,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      timeout: opts.timeoutMs ?? 60_000,
    });
    const stdout = res.stdout ?? '';
    const stderr = res.stderr ?? '';
    if (res.error || res.status !== 0) {
      const why = res.error ? res.error.message : `exit code ${String(res.status)}`;
      const offline = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|registry|download/i.test(stdout + stderr)
        ? ' It looks like s tried to reach the network (component download?), which is not available here.'
        : '';
      return { status: 'failed', message: `s preview failed (${why}).${offline}`, stdout, stderr };
    }
    const start = stdout.indexOf('{');
    let rendered: unknown;
    try {
      rendered = JSON.parse(stdout.slice(start));
    } catch {
      return { status: 'failed', message: 's preview printed no JSON document', stdout, stderr };
    }
    if (!isRecord(rendered)) return { status: 'failed', message: 's preview printed no mapping', stdout, stderr };
    return { status: 'ok', message: 's preview rendered s.yaml', rendered, stdout, stderr };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Compare s preview's rendered props with this module's renderer; returns differences. */
export function comparePreview(rendered: SYamlDoc, props: Props, env: EnvMap, name = RESOURCE_NAME): string[] {
  const diffs: string[] = [];
  const ours = renderDeep(props, env);
  let theirs: unknown;
  try {
    theirs = getFc3Props(rendered, name);
  } catch (e) {
    return [(e as Error).message];
  }
  const walk = (a: unknown, b: unknown, p: string): void => {
    if (isRecord(a) && isRecord(b)) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], `${p}.${k}`);
    } else if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], `${p}[${i}]`);
    } else if (a !== b) {
      diffs.push(`${p}: s preview gives ${JSON.stringify(b)}, deploy-checks renders ${JSON.stringify(a)}`);
    }
  };
  walk(ours, theirs, `resources.${name}.props`);
  const leftover = JSON.stringify(theirs).match(/\$\{[^}]*\}/g);
  if (leftover) diffs.push(`s preview left unrendered expressions: ${leftover.join(', ')}`);
  return diffs;
}
