import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  REPO_ROOT,
  RESOURCE,
  SHARED_SCHEMA,
  VENDORED_SCHEMA,
  checkDeploy,
  checkProject,
  checkSchema,
  checkTimers,
  cronPeriodMinutes,
  loadSchema,
  type CheckResult,
  type Doc,
} from '../scripts/deploy-checks';

const example = readFileSync(join(REPO_ROOT, '.env.example'), 'utf8');
const setVar = (text: string, name: string, value: string): string => text.replace(new RegExp(`^${name}=.*$`, 'm'), `${name}=${value}`);

// Each case is a real `s preview` run (offline, ~1 s); they run side by side.
const cases = {
  good: setVar(example, 'EXEMPTIONS_FILE', 'exemptions.json'),
  REPORT_TIMEZONE: setVar(example, 'REPORT_TIMEZONE', 'Asia/Shang'),
  STALE_AFTER_DAYS: setVar(example, 'STALE_AFTER_DAYS', 'abc'),
  EXEMPTIONS_FILE: setVar(example, 'EXEMPTIONS_FILE', 'missing.json'),
  DINGTALK_WEBHOOK_URL: example.replace(/^DINGTALK_WEBHOOK_URL=.*\n/m, ''),
};
let work: string;
let results: Record<keyof typeof cases, CheckResult>;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'deploy-config-test-'));
  const codeDir = join(work, 'code');
  mkdirSync(codeDir);
  writeFileSync(join(codeDir, 'exemptions.json'), JSON.stringify([{ user: 'ci-bot', reason: 'rotated by vault', until: '2030-01-31' }]));
  const entries = await Promise.all(
    Object.entries(cases).map(async ([name, text]) => {
      const envFile = join(work, `${name}.env`);
      writeFileSync(envFile, text);
      return [name, await checkDeploy({ envFile, codeDir })] as const;
    }),
  );
  results = Object.fromEntries(entries) as typeof results;
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function renderedProps(): Doc {
  const doc = results.good.doc as any;
  return structuredClone(doc.resources[RESOURCE].props) as Doc;
}
function resource(mutate: (props: any) => void): Doc {
  const props = renderedProps();
  mutate(props);
  const doc = results.good.doc as any;
  return { ...doc.resources[RESOURCE], props };
}

describe('check:deploy (s.yaml rendered by s preview, offline)', () => {
  it('passes .env.example with an exemption list in the code directory', () => {
    expect(results.good.errors).toEqual([]);
    const vars = renderedProps()['environmentVariables'] as Record<string, unknown>;
    expect(vars['NODE_OPTIONS']).toBe('--enable-source-maps');
    expect(vars['EXEMPTIONS_FILE']).toBe('exemptions.json');
  });

  it.each([
    ['REPORT_TIMEZONE', /^REPORT_TIMEZONE: must be an IANA time zone.*"Asia\/Shang"/],
    ['STALE_AFTER_DAYS', /^STALE_AFTER_DAYS: must be a whole number.*"abc"/],
    ['EXEMPTIONS_FILE', /^EXEMPTIONS_FILE: cannot read ".*missing\.json" \(ENOENT\)/],
    ['DINGTALK_WEBHOOK_URL', /^DINGTALK_WEBHOOK_URL: s\.yaml reads \$\{env\('DINGTALK_WEBHOOK_URL'\)\} with no default/],
  ] as const)('fails naming %s', (name, message) => {
    expect(results[name].errors).toEqual([expect.stringMatching(message)]);
  });
});

describe('each check names what is wrong in the rendered props', () => {
  it('fc3 schema', () => {
    const { schema } = loadSchema();
    expect(checkSchema(renderedProps(), schema)).toEqual([]);
    const props = renderedProps() as any;
    Object.assign(props, { memorySize: 500, region: 'mars-1' });
    props.environmentVariables.STALE_AFTER_DAYS = 90;
    const errors = checkSchema(props, schema).join('\n');
    expect(errors).toMatch(/props\.memorySize: must be multiple of 64/);
    expect(errors).toMatch(/props\.region: must be equal to one of the allowed values/);
    expect(errors).toMatch(/props\.environmentVariables\.STALE_AFTER_DAYS: must be string/);
  });

  it('project rules', () => {
    const errors = checkProject(resource((p) => {
      p.asyncInvokeConfig.maxAsyncRetryAttempts = 3;
      p.code = './functions/stale-key-detector';
      delete p.environmentVariables.NODE_OPTIONS;
      p.environmentVariables.FC_REGION = 'x';
      p.environmentVariables.EXEMPTIONS = 'x'.repeat(5000);
    }));
    expect(errors).toEqual([
      expect.stringMatching(/^props\.code: /),
      expect.stringMatching(/^props\.asyncInvokeConfig\.maxAsyncRetryAttempts: is 3, must be 0/),
      expect.stringMatching(/^props\.environmentVariables\.NODE_OPTIONS: must include --enable-source-maps/),
      expect.stringMatching(/^props\.environmentVariables: \d+ bytes exceed FC's 4096-byte limit/),
      expect.stringMatching(/^props\.environmentVariables\.FC_REGION: keys starting with FC_ are reserved/),
    ]);
  });

  it.each([
    ['0 61 * * * *', /cronExpression: "0 61 \* \* \* \*": Constraint error/],
    ['0 * * * *', /cronExpression: .*6 fields/],
    ['0 */5 * * * *', /^SCHEDULE_MINUTES: is 60 but .* fires every 5 minutes/],
  ])('timer %s', (cron, message) => {
    const props = renderedProps() as any;
    props.triggers[0].triggerConfig.cronExpression = cron;
    expect(checkTimers(props)).toEqual([expect.stringMatching(message)]);
  });

  it('timer not enabled', () => {
    const props = renderedProps() as any;
    props.triggers[0].triggerConfig.enable = 'true';
    expect(checkTimers(props)).toEqual([expect.stringMatching(/triggerConfig\.enable: is "true", must be true/)]);
  });

  it('reads FC cron forms with cron-parser', () => {
    expect(cronPeriodMinutes('0 0 * * * *')).toBe(60);
    expect(cronPeriodMinutes('30 15 * * * ?')).toBe(60);
    expect(cronPeriodMinutes('CRON_TZ=Asia/Shanghai 0 0 * * * *')).toBe(60);
    expect(cronPeriodMinutes('@every 1h30m')).toBe(90);
    expect(() => cronPeriodMinutes('0 0 9 * * MON-FRI')).toThrow(/irregular/);
  });
});

describe('fc3 props schema', () => {
  it('comes from ../shared, or says it fell back to the copy in test/fixtures', () => {
    expect(loadSchema(join(work, 'absent.json')).note).toMatch(/absent\.json is missing, using the copy in .*test\/fixtures\/fc3-props\.schema\.json/);
  });

  it('the copy equals ../shared (when present)', () => {
    const vendored: unknown = JSON.parse(readFileSync(VENDORED_SCHEMA, 'utf8'));
    expect(vendored).toEqual(loadSchema(SHARED_SCHEMA).schema);
  });
});

describe('.env.example and policies', () => {
  const referenced = [...readFileSync(join(REPO_ROOT, 's.yaml'), 'utf8').matchAll(/\$\{env\('(\w+)'/g)].map((m) => m[1]);

  it('documents exactly the variables s.yaml reads, each with a comment above it', () => {
    const lines = example.split('\n');
    const defined = lines.filter((l) => /^\w+=/.test(l)).map((l) => l.split('=')[0]);
    expect([...defined].sort()).toEqual([...new Set(referenced)].sort());
    for (const name of defined) expect([name, lines[lines.findIndex((l) => l.startsWith(`${name}=`)) - 1]?.startsWith('#')]).toEqual([name, true]);
    expect(readFileSync(join(REPO_ROOT, '.gitignore'), 'utf8').split('\n')).toContain('.env');
  });

  it('the role is trusted by fc.aliyuncs.com', () => {
    const trust = JSON.parse(readFileSync(join(REPO_ROOT, 'policies', 'fc-trust-policy.json'), 'utf8'));
    expect(trust).toEqual({ Version: '1', Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: ['fc.aliyuncs.com'] } }] });
  });
});
