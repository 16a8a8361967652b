import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ENV_EXAMPLE_PATH,
  REPO_ROOT,
  SHARED_SCHEMA_PATH,
  S_BIN,
  S_YAML_PATH,
  VENDORED_SCHEMA_PATH,
  checkAsyncConfig,
  checkCode,
  checkEnvironment,
  checkProject,
  checkTimerTriggers,
  checkVariables,
  comparePreview,
  envSizeBytes,
  getFc3Props,
  loadFc3Schema,
  loadSYaml,
  parseCronExpression,
  parseDotenv,
  renderEnvString,
  runDeployChecks,
  runSPreview,
  validateFc3Props,
  type Props,
  type SYamlDoc,
} from '../scripts/deploy-checks';

const doc: SYamlDoc = loadSYaml(S_YAML_PATH);
const props: Props = getFc3Props(doc);
const envExample = parseDotenv(fs.readFileSync(ENV_EXAMPLE_PATH, 'utf8'));

/** A deep copy of the real props with `mutate` applied. */
function mutated(mutate: (p: any) => void): Props {
  const copy = structuredClone(props) as any;
  mutate(copy);
  return copy as Props;
}

function timer(p: any): any {
  return p.triggers.find((t: any) => t.triggerType === 'timer');
}

describe('s.yaml (the real one)', () => {
  it('is a Serverless Devs 3 project with one fc3 resource and a pre-deploy build', () => {
    expect(doc.edition).toBe('3.0.0');
    expect(doc.name).toBe('stale-key-detector');
    expect(checkProject(doc)).toEqual([]);
  });

  it('validates against the fc3 props schema (defaults and .env.example values)', () => {
    expect(validateFc3Props(props)).toEqual([]);
    expect(validateFc3Props(props, envExample)).toEqual([]);
  });

  it('passes the timer, environment, async and code checks', () => {
    expect(checkTimerTriggers(props)).toEqual([]);
    expect(checkEnvironment(props)).toEqual([]);
    expect(checkEnvironment(props, envExample)).toEqual([]);
    expect(checkAsyncConfig(props)).toEqual([]);
    expect(checkCode(props)).toEqual([]);
    expect(checkVariables(doc, envExample)).toEqual([]);
  });

  it('passes runDeployChecks as a whole', () => {
    const r = runDeployChecks({ env: envExample });
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('has the hourly timer with the documented config', () => {
    const t = timer(props);
    expect(t.triggerName).toBe('hourly-scan');
    expect(t.triggerConfig).toEqual({ cronExpression: '0 0 * * * *', enable: true, payload: '' });
  });

  it('uses string templates for every environment variable and keeps endpoints out', () => {
    const vars = props.environmentVariables as Record<string, unknown>;
    for (const v of Object.values(vars)) expect(typeof v).toBe('string');
    expect(vars.DINGTALK_WEBHOOK_URL).toBe("${env('DINGTALK_WEBHOOK_URL')}");
    expect(Object.keys(vars)).not.toEqual(expect.arrayContaining(['RAM_ENDPOINT']));
    expect(Object.keys(vars)).not.toEqual(expect.arrayContaining(['ACTIONTRAIL_ENDPOINT']));
  });
});

describe('each check fails on a mutated copy and names the property', () => {
  it('bad cron value', () => {
    const errs = checkTimerTriggers(mutated((p) => (timer(p).triggerConfig.cronExpression = '0 61 * * * *')));
    expect(errs.length).toBeGreaterThan(0);
    expect(errs.join('\n')).toMatch(/triggerConfig\.cronExpression/);
    expect(errs.join('\n')).toMatch(/minutes value '61' is out of range/);
  });

  it('5-field cron', () => {
    const errs = checkTimerTriggers(mutated((p) => (timer(p).triggerConfig.cronExpression = '0 * * * *')));
    expect(errs.join('\n')).toMatch(/triggerConfig\.cronExpression: .*has 5 fields/);
  });

  it('cron that is valid but not hourly', () => {
    const errs = checkTimerTriggers(mutated((p) => (timer(p).triggerConfig.cronExpression = '0 */5 * * * *')));
    expect(errs.join('\n')).toMatch(/cronExpression: .*does not fire exactly once an hour/);
  });

  it('SCHEDULE_MINUTES not matching the trigger', () => {
    const errs = checkTimerTriggers(props, { env: { SCHEDULE_MINUTES: '30' } });
    expect(errs.join('\n')).toMatch(/environmentVariables\.SCHEDULE_MINUTES: renders to 30/);
  });

  it('enable false', () => {
    const errs = checkTimerTriggers(mutated((p) => (timer(p).triggerConfig.enable = false)));
    expect(errs.join('\n')).toMatch(/triggerConfig\.enable: is boolean false/);
  });

  it("enable 'true' as a string", () => {
    const errs = checkTimerTriggers(mutated((p) => (timer(p).triggerConfig.enable = 'true')));
    expect(errs.join('\n')).toMatch(/triggerConfig\.enable: is string "true"/);
  });

  it('non-string payload', () => {
    const errs = checkTimerTriggers(mutated((p) => (timer(p).triggerConfig.payload = { a: 1 })));
    expect(errs.join('\n')).toMatch(/triggerConfig\.payload: .*must be a string/);
  });

  it('numeric env value', () => {
    const bad = mutated((p) => (p.environmentVariables.STALE_AFTER_DAYS = 90));
    const errs = checkEnvironment(bad);
    expect(errs.join('\n')).toMatch(/environmentVariables\.STALE_AFTER_DAYS: is number 90; FC values must be strings/);
    expect(validateFc3Props(bad).join('\n')).toMatch(/props\.environmentVariables\.STALE_AFTER_DAYS: must be string/);
  });

  it('FC_ key', () => {
    const errs = checkEnvironment(mutated((p) => (p.environmentVariables.FC_REGION = 'x')));
    expect(errs.join('\n')).toMatch(/environmentVariables\.FC_REGION: keys starting with FC_ are reserved/);
  });

  it('invalid key name', () => {
    const errs = checkEnvironment(mutated((p) => (p.environmentVariables['1-BAD'] = 'x')));
    expect(errs.join('\n')).toMatch(/environmentVariables\.1-BAD: the key is not a valid variable name/);
  });

  it('5 KB of env in the template', () => {
    const errs = checkEnvironment(mutated((p) => (p.environmentVariables.EXEMPTIONS = 'x'.repeat(5 * 1024))));
    expect(errs.join('\n')).toMatch(/props\.environmentVariables: \d+ bytes \(keys \+ values, as written in s\.yaml\) exceed/);
  });

  it('5 KB of env only once rendered', () => {
    const bad = mutated((p) => (p.environmentVariables.EXEMPTIONS = "${env('EXEMPTIONS', '')}"));
    expect(checkEnvironment(bad, {})).toEqual([]);
    const errs = checkEnvironment(bad, { EXEMPTIONS: '[' + '"AK",'.repeat(1100) + '"AK"]' });
    expect(errs.join('\n')).toMatch(/props\.environmentVariables: \d+ bytes once \$\{env\(\)\} is rendered exceed/);
  });

  it('retries 3', () => {
    const errs = checkAsyncConfig(mutated((p) => (p.asyncInvokeConfig.maxAsyncRetryAttempts = 3)));
    expect(errs.join('\n')).toMatch(/asyncInvokeConfig\.maxAsyncRetryAttempts: is number 3, must be 0/);
  });

  it('no asyncInvokeConfig at all', () => {
    const errs = checkAsyncConfig(mutated((p) => delete p.asyncInvokeConfig));
    expect(errs.join('\n')).toMatch(/asyncInvokeConfig\.maxAsyncRetryAttempts/);
  });

  it('wrong code dir', () => {
    const errs = checkCode(mutated((p) => (p.code = './functions/stale-key-detector')));
    expect(errs.join('\n')).toMatch(/props\.code: .*must be '\.\/functions\/stale-key-detector\/dist'/);
    // Equivalent spellings of the right directory pass.
    expect(checkCode(mutated((p) => (p.code = 'functions/stale-key-detector/dist/')))).toEqual([]);
  });

  it('wrong handler, runtime and timeout', () => {
    const errs = checkCode(
      mutated((p) => {
        p.handler = 'index.main';
        p.runtime = 'nodejs18';
        p.timeout = 30;
      }),
    ).join('\n');
    expect(errs).toMatch(/props\.handler: is string "index\.main"/);
    expect(errs).toMatch(/props\.runtime: is string "nodejs18"/);
    expect(errs).toMatch(/props\.timeout: is number 30/);
  });

  it('schema: bad region after rendering, memory not a multiple of 64', () => {
    const errs = validateFc3Props(mutated((p) => (p.memorySize = 500)), { ALIBABA_CLOUD_REGION_ID: 'mars-1' }).join('\n');
    expect(errs).toMatch(/props\.region: must be equal to one of the allowed values/);
    expect(errs).toMatch(/props\.memorySize: must be multiple of 64/);
  });

  it('required variable missing from the env names the property', () => {
    const { STALE_KEY_DETECTOR_ROLE_ARN: _drop, ...rest } = envExample;
    const errs = checkVariables(doc, rest);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^resources\.stale-key-detector\.props\.role: \$\{env\('STALE_KEY_DETECTOR_ROLE_ARN'\)\} has no default/);
  });

  it('pre-deploy action missing', () => {
    const bad = structuredClone(doc) as any;
    delete bad.resources['stale-key-detector'].actions;
    expect(checkProject(bad).join('\n')).toMatch(/resources\.stale-key-detector\.actions\.pre-deploy/);
  });

  it('runDeployChecks prefixes errors with the resource path', () => {
    const bad = structuredClone(doc) as any;
    bad.resources['stale-key-detector'].props.asyncInvokeConfig.maxAsyncRetryAttempts = 3;
    const r = runDeployChecks({ doc: bad, env: envExample });
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([
      expect.stringMatching(/^resources\.stale-key-detector\.props\.asyncInvokeConfig\.maxAsyncRetryAttempts: /),
    ]);
  });
});

describe('cron parser', () => {
  it.each([
    '0 0 * * * *',
    '30 15 * * * ?',
    '0 0/15 8-18 ? JAN-DEC MON-FRI',
    '0 0 9 1,15 * ?',
    '0 */10 * * * *',
    'CRON_TZ=Asia/Shanghai 0 0 9 * * *',
    '@every 60m',
    '@every 1h',
    '@every 1h30m',
  ])('accepts %s', (expr) => {
    expect(parseCronExpression(expr).problems).toEqual([]);
  });

  it.each([
    ['0 0 * * *', /5 fields/],
    ['60 0 * * * *', /seconds value '60'/],
    ['0 0 24 * * *', /hours value '24'/],
    ['0 0 * 0 * *', /day-of-month value '0'/],
    ['0 0 * * 13 *', /month value '13'/],
    ['0 0 * * * 7', /day-of-week value '7'/],
    ['? 0 * * * *', /seconds field '\?'/],
    ['0 0 * ? * ?', /cannot both be '\?'/],
    ['0 5-1 * * * *', /goes backwards/],
    ['0 */0 * * * *', /step/],
    ['0 0 * * FOO *', /month value 'FOO'/],
    ['CRON_TZ=Mars/Olympus 0 0 * * * *', /CRON_TZ/],
    ['@every 0m', /@every/],
    ['@daily', /@every/],
  ])('rejects %s', (expr, re) => {
    expect(parseCronExpression(expr).problems.join('\n')).toMatch(re);
  });
});

describe('${env()} renderer', () => {
  it('renders like Serverless Devs', () => {
    expect(renderEnvString("${env('A')}", { A: 'x' }).value).toBe('x');
    expect(renderEnvString("${env('A', 'd')}", {}).value).toBe('d');
    expect(renderEnvString('${env("A","d")}', {}).value).toBe('d');
    expect(renderEnvString("${env('A', '')}", {}).value).toBe('');
    expect(renderEnvString("${env('A', 'd')}", { A: '' }).value).toBe('d'); // empty counts as unset
    expect(renderEnvString("x-${env('A')}-y", { A: '1' }).value).toBe('x-1-y');
    expect(renderEnvString("${env('A')}", {}).missing).toEqual(['A']);
    expect(renderEnvString('${vars.region}', {}).unsupported).toEqual(['${vars.region}']);
  });

  it('counts bytes of keys and values', () => {
    expect(envSizeBytes({ AB: 'cd', E: 'é' })).toBe(2 + 2 + 1 + 2);
  });
});

describe('fc3 props schema', () => {
  it('is loaded from ../shared when present, else from the vendored copy', () => {
    const s = loadFc3Schema();
    expect(s.source).toBe(fs.existsSync(SHARED_SCHEMA_PATH) ? 'shared' : 'vendored');
    expect(s.schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('vendored copy equals the shared one', () => {
    const vendored: unknown = JSON.parse(fs.readFileSync(VENDORED_SCHEMA_PATH, 'utf8'));
    if (!fs.existsSync(SHARED_SCHEMA_PATH)) {
      // ../shared is absent (not laid beside this clone): nothing to compare with.
      expect(vendored).toHaveProperty('definitions');
      return;
    }
    const shared: unknown = JSON.parse(fs.readFileSync(SHARED_SCHEMA_PATH, 'utf8'));
    expect(vendored).toEqual(shared);
  });
});

describe('.env.example', () => {
  const text = fs.readFileSync(ENV_EXAMPLE_PATH, 'utf8');
  const raw = fs.readFileSync(S_YAML_PATH, 'utf8');
  const referenced = [...new Set([...raw.matchAll(/\$\{\s*env\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]/g)].map((m) => m[1] as string))];

  it('documents every variable s.yaml reads, each with a comment line above it', () => {
    expect(referenced.length).toBeGreaterThan(10);
    const lines = text.split('\n');
    for (const name of referenced) {
      const i = lines.findIndex((l) => l.startsWith(`${name}=`));
      expect({ name, found: i >= 0 }).toEqual({ name, found: true });
      expect({ name, comment: lines[i - 1]?.startsWith('#') ?? false }).toEqual({ name, comment: true });
    }
  });

  it('defines nothing s.yaml does not read', () => {
    expect(Object.keys(envExample).sort()).toEqual([...referenced].sort());
  });

  it('.env is git-ignored', () => {
    const ignore = fs.readFileSync(path.join(REPO_ROOT, '.gitignore'), 'utf8').split('\n');
    expect(ignore).toContain('.env');
  });
});

describe('policies', () => {
  const readJson = (f: string): any => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'policies', f), 'utf8'));

  it('read-only policy: Version 1, exactly the three actions', () => {
    const p = readJson('stale-key-detector-readonly.json');
    expect(p.Version).toBe('1');
    const actions = p.Statement.flatMap((s: any) => {
      expect(s.Effect).toBe('Allow');
      return Array.isArray(s.Action) ? s.Action : [s.Action];
    });
    expect([...actions].sort()).toEqual(
      ['actiontrail:GetAccessKeyLastUsedProducts', 'ram:ListAccessKeys', 'ram:ListUsers'].sort(),
    );
  });

  it('trust policy lets fc.aliyuncs.com assume the role', () => {
    const p = readJson('fc-trust-policy.json');
    expect(p.Version).toBe('1');
    expect(p.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: ['fc.aliyuncs.com'] } },
    ]);
  });

  it('remediation and operator policies are valid documents', () => {
    const r = readJson('remediation-extra.json');
    expect(r.Version).toBe('1');
    expect(r.Statement[0].Action).toEqual(['ram:UpdateAccessKey']);
    const o = readJson('operator-invoke.json');
    expect(o.Version).toBe('1');
    expect(o.Statement[0].Action).toEqual(['fc:InvokeFunction']);
    expect(o.Statement[0].Resource).toBe('acs:fc:*:*:functions/stale-key-detector');
  });
});

// Serverless Devs' own renderer, offline (temp HOME, no credentials): runs when the dev
// dependency @serverless-devs/s is installed.
const sInstalled = fs.existsSync(S_BIN);
(sInstalled ? describe : describe.skip)('s preview (offline)', () => {
  it('resolves every ${env()} with .env.example and agrees with deploy-checks', () => {
    const r = runSPreview(envExample);
    expect({ status: r.status, message: r.message, stderr: r.status === 'ok' ? '' : r.stderr }).toEqual({
      status: 'ok',
      message: 's preview rendered s.yaml',
      stderr: '',
    });
    expect(comparePreview(r.rendered ?? {}, props, envExample)).toEqual([]);
    const rendered = getFc3Props(r.rendered ?? {});
    expect(validateFc3Props(rendered)).toEqual([]);
    expect((rendered.environmentVariables as Record<string, string>).STALE_AFTER_DAYS).toBe('90');
  });

  it('fails like deploy-checks when a required variable is missing', () => {
    const { DINGTALK_WEBHOOK_URL: _drop, ...rest } = envExample;
    const r = runSPreview(rest);
    expect(r.status).toBe('failed');
    expect(`${r.stdout ?? ''}${r.stderr ?? ''}`).toMatch(/env\('DINGTALK_WEBHOOK_URL'\) not found/);
  });
});
