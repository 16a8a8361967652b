import { MAX_BODY_BYTES, splitIntoParts, type Part } from '../../functions/stale-key-detector/src/report/split';

const measure = (part: Part): number => Buffer.byteLength(JSON.stringify({ msgtype: 'markdown', markdown: { title: part.title, text: part.text }, msgUuid: 'x'.repeat(27) }));
const lines = (n: number, size: number) => Array.from({ length: n }, (_, i) => ({ text: `- key ${i} ${'钥'.repeat(size)}`, keys: 1 }));

describe('splitIntoParts', () => {
  it('keeps a short report in one part with a plain title', () => {
    const parts = splitIntoParts({ title: 'T', header: ['h'], lines: lines(3, 5), footer: [], measure, overflowHint: 'more' });
    expect(parts).toHaveLength(1);
    expect(parts[0]?.title).toBe('T');
    expect(parts[0]?.text).toContain('- key 2');
  });

  it('splits on line boundaries into numbered parts, each under 20,000 bytes, losing no line', () => {
    const input = lines(400, 60); // ~190 bytes a line, ~76 KB in all
    const parts = splitIntoParts({ title: 'Stale', header: ['header'], lines: input, footer: ['keyword'], measure, overflowHint: 'more' });
    expect(parts.length).toBeGreaterThan(3);
    parts.forEach((p, i) => {
      expect(measure(p)).toBeLessThan(MAX_BODY_BYTES);
      expect(p.title).toBe(`Stale (${i + 1}/${parts.length})`);
      expect(p.text.endsWith('keyword')).toBe(true);
    });
    const shown = parts.flatMap((p) => p.text.split('\n\n').filter((l) => l.startsWith('- key')));
    expect(shown).toEqual(input.map((l) => l.text));
    expect(parts[0]?.text).toContain('header');
    expect(parts[1]?.text).not.toContain('header');
  });

  it('never makes more parts than allowed and counts what it left out', () => {
    const input = lines(3000, 60);
    const parts = splitIntoParts({ title: 'Stale', header: [], lines: input, footer: [], measure, maxParts: 20, overflowHint: 'run a full report or the CLI' });
    expect(parts).toHaveLength(20);
    const shown = parts.flatMap((p) => p.text.split('\n\n').filter((l) => l.startsWith('- key'))).length;
    const last = parts[19]?.text ?? '';
    expect(last).toMatch(new RegExp(`… and ${3000 - shown} more: run a full report or the CLI$`));
    for (const p of parts) expect(measure(p)).toBeLessThan(MAX_BODY_BYTES);
  });
});
