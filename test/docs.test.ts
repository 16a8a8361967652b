/** The README documents every environment variable and event field the code reads. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const source = (file: string): string => readFileSync(join(ROOT, 'functions', 'stale-key-detector', 'src', file), 'utf8');

describe('README', () => {
  it('documents every environment variable the function reads', () => {
    const text = ['config/settings.ts', 'config/state-location.ts', 'config/accounts.ts'].map(source).join('\n');
    const names = new Set([...text.matchAll(/\(env, '([A-Z_]+)'/g)].map((m) => m[1] as string));
    expect(names.size).toBeGreaterThan(15);
    const missing = [...names].filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('documents every manual event field', () => {
    const text = source('config/event.ts');
    const fields = /MANUAL_FIELDS = \[([^\]]+)\]/.exec(text)?.[1]?.match(/'(\w+)'/g)?.map((f) => f.slice(1, -1)) ?? [];
    expect(fields).toEqual(['dryRun', 'staleAfterDays', 'report']);
    for (const field of fields) expect(readme).toContain(`| \`${field}\` |`);
  });

  it('documents every field of the summary the function returns', () => {
    const fields = new Set([...source('core/summary.ts').matchAll(/readonly (\w+)\??:/g)].map((m) => m[1] as string));
    expect(fields).toContain('complete');
    expect(fields).toContain('unlistedUsers');
    expect(fields).toContain('noUseSince');
    const missing = [...fields].filter((field) => !readme.includes(`\`${field}\``) && !readme.includes(`"${field}"`));
    expect(missing).toEqual([]);
  });

  it('shows the set-up and test commands', () => {
    for (const command of ['npm install', 'npm start', 'npm test', 'npm run bench', 'npm run check:deploy', 'npm run preview']) expect(readme).toContain(command);
  });
});
