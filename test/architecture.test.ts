/**
 * The architecture, checked: the core owns its ports and imports neither adapters nor config,
 * report/ renders from model types, adapters take plain values, no import cycle, no product source
 * file over 300 lines. Imports are read with a regular expression over the sources: the project's
 * own relative imports are all this needs (a dependency-graph tool would be a heavy dependency for
 * five rules).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '..');
const SRC = 'functions/stale-key-detector/src';
const PRODUCT_DIRS = [SRC, 'cli', 'simulator'];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)|require\(\s*'([^']+)'\s*\)/g;

/** The project files a file imports (relative specifiers resolved to .ts files or index.ts). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3] ?? '';
    if (!spec.startsWith('.')) continue;
    const base = relative(ROOT, resolve(ROOT, dirname(file), spec));
    const candidates = [`${base}.ts`, join(base, 'index.ts'), base];
    const found = candidates.find((c) => {
      try {
        return statSync(join(ROOT, c)).isFile();
      } catch {
        return false;
      }
    });
    if (found !== undefined) out.push(found);
  }
  return out;
}

const files = PRODUCT_DIRS.flatMap(sources);
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const inDir = (file: string, dir: string): boolean => file.startsWith(`${SRC}/${dir}/`);

describe('architecture', () => {
  it.each([
    ['core', 'adapters'],
    ['core', 'config'],
    ['report', 'core'],
    ['report', 'adapters'],
    ['report', 'config'],
    ['adapters', 'config'],
  ])('%s/ does not import %s/', (from, to) => {
    const offending = [...graph].flatMap(([file, deps]) => (inDir(file, from) ? deps.filter((d) => inDir(d, to)).map((d) => `${file} -> ${d}`) : []));
    expect(offending).toEqual([]);
  });

  it('has no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'visiting');
      for (const dep of graph.get(file) ?? []) visit(dep, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('has no product source file over 300 lines', () => {
    const long = files.map((f) => [f, readFileSync(join(ROOT, f), 'utf8').split('\n').length] as const).filter(([, lines]) => lines > 300);
    expect(long).toEqual([]);
  });

  it('reads the graph it checks (a rule that sees no import could not fail)', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(graph.get(`${SRC}/core/run.ts`)).toContain(`${SRC}/core/ports.ts`);
    expect(graph.get(`${SRC}/adapters/ram.ts`)).toContain(`${SRC}/core/ports.ts`);
  });
});
