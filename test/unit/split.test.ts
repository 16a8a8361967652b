import fc from 'fast-check';
import { CUT_LINE_MARKER, MAX_BODY_BYTES, splitIntoParts, type Part } from '../../functions/stale-key-detector/src/report/split';

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

describe('splitIntoParts never throws on long content', () => {
  it('cuts a single 100 KB line into one part under the limit instead of throwing', () => {
    for (const text of ['x'.repeat(100_000), `- key ${'钥'.repeat(34_000)}`, '"\\\n'.repeat(35_000)]) {
      const parts = splitIntoParts({ title: 'Stale', header: ['h'], lines: [{ text, keys: 1 }], footer: ['keyword'], measure, overflowHint: 'more' });
      expect(parts).toHaveLength(2); // the header part, then the cut line in a part of its own
      const last = parts[1]?.text ?? '';
      for (const p of parts) expect(measure(p)).toBeLessThan(MAX_BODY_BYTES);
      expect(last).toContain(`${CUT_LINE_MARKER}\n\nkeyword`);
      expect(text.startsWith(last.slice(last.indexOf('\n\n') + 2, last.indexOf(CUT_LINE_MARKER)))).toBe(true);
      expect(measure(parts[1] as Part)).toBeGreaterThan(MAX_BODY_BYTES - 1_000); // cut only as much as needed
      expect(last).not.toContain('more');
    }
  });

  it('with one part allowed, cuts the line into the part that holds the header', () => {
    const parts = splitIntoParts({ title: 'F', header: ['header'], lines: [{ text: 'y'.repeat(50_000), keys: 2 }], footer: [], measure, maxParts: 1, overflowHint: 'more' });
    expect(parts).toHaveLength(1);
    expect(parts[0]?.text).toMatch(/^### F\n\nheader\n\ny+… \(cut\)$/);
    expect(measure(parts[0] as Part)).toBeLessThan(MAX_BODY_BYTES);
  });

  it('cuts header lines that do not fit with the title, and still shows the lines after them', () => {
    const header = ['first', 'é'.repeat(30_000), 'never shown'];
    const parts = splitIntoParts({ title: 'Failed', header, lines: lines(2, 5), footer: ['kw'], measure, overflowHint: 'more' });
    for (const p of parts) expect(measure(p)).toBeLessThan(MAX_BODY_BYTES);
    expect(parts[0]?.text).toMatch(/^### Failed \(1\/2\)\n\nfirst\n\né+… \(cut\)\n\nkw$/);
    expect(parts[1]?.text).toContain('- key 1');
  });

  it('throws only when the footer (the robot keyword) alone cannot fit, which configuration must prevent', () => {
    expect(() => splitIntoParts({ title: 'T', header: [], lines: [], footer: ['k'.repeat(MAX_BODY_BYTES)], measure, overflowHint: 'more' })).toThrow(RangeError);
  });
});

/** Line i starts with the private-use character U+E000+i, which nothing else in a part contains. */
const ID_BASE = 0xe000;
const noPrivateUse = (s: string): string => s.replace(/[\ue000-\uf8ff]/g, '?');
const HINT = 'HINT-7f3a';
const content = (maxLength: number) =>
  fc.oneof(
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: fc.constantFrom('a', ' ', '\n', '\n\n', '"', '\\', '钥', '🔑', '…', '\u0001'), maxLength }),
    fc.constantFrom('x'.repeat(maxLength * 4), '钥'.repeat(maxLength * 2)),
  ).map(noPrivateUse);

describe('splitIntoParts over generated reports', () => {
  it('stays within the part count and byte limit, in order, and counts every key it leaves out', () => {
    fc.assert(
      fc.property(
        fc.record({
          title: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 30 }),
          header: fc.array(content(600), { maxLength: 3 }),
          lines: fc.array(fc.record({ text: content(400), keys: fc.oneof(fc.nat(3), fc.constant(999_999_999)) }), { maxLength: 30 }),
          footer: fc.array(fc.string({ unit: 'grapheme-ascii', maxLength: 20 }), { maxLength: 1 }),
          maxParts: fc.integer({ min: 1, max: 20 }),
          maxBytes: fc.integer({ min: 400, max: 4_000 }),
        }),
        ({ title, header, lines: generated, footer, maxParts, maxBytes }) => {
          const input = generated.map((l, i) => ({ text: `${String.fromCodePoint(ID_BASE + i)}${l.text}`, keys: l.keys }));
          const parts = splitIntoParts({ title, header, lines: input, footer, maxParts, maxBytes, measure, overflowHint: HINT });

          expect(parts.length).toBeGreaterThanOrEqual(1);
          expect(parts.length).toBeLessThanOrEqual(maxParts);
          for (const p of parts) {
            expect(measure(p)).toBeLessThan(maxBytes);
            if (footer.length > 0) expect(p.text.endsWith(`\n\n${footer.join('\n\n')}`)).toBe(true);
          }
          // Lines appear in order, each once, each whole or cut with the marker.
          const all = parts.map((p) => p.text).join('\n\n');
          const ids = Array.from(all)
            .map((ch) => (ch.codePointAt(0) ?? 0) - ID_BASE)
            .filter((i) => i >= 0 && i < input.length);
          const shown = ids.length;
          expect(ids).toEqual(Array.from({ length: shown }, (_, i) => i));
          for (const [i, line] of input.slice(0, shown).entries()) {
            const rest = all.slice(all.indexOf(String.fromCodePoint(ID_BASE + i)));
            if (!rest.startsWith(line.text)) {
              let common = 0;
              while (common < line.text.length && rest[common] === line.text[common]) common += 1;
              const cutAt = Array.from({ length: common + 1 }, (_, c) => common - c).find((c) => c > 0 && rest.startsWith(CUT_LINE_MARKER, c));
              expect({ line: i, cut: cutAt !== undefined }).toEqual({ line: i, cut: true });
            }
          }
          // What is left out is counted, in the last part only.
          const left = input.slice(shown).reduce((sum, l) => sum + l.keys, 0);
          const overflow = parts.map((p) => [...p.text.matchAll(new RegExp(`… and (\\d+) more: ${HINT}`, 'g'))].map((m) => Number(m[1])));
          expect(overflow.flat()).toEqual(left > 0 ? [left] : []);
          if (left > 0) expect(overflow[parts.length - 1]).toEqual([left]);
          const shownKeys = input.slice(0, shown).reduce((sum, l) => sum + l.keys, 0);
          expect(shownKeys + left).toBe(input.reduce((sum, l) => sum + l.keys, 0));
          // Titles: plain for one part, numbered for several.
          parts.forEach((p, i) => expect(p.title.endsWith(parts.length === 1 ? '' : ` (${i + 1}/${parts.length})`)).toBe(true));
        },
      ),
      { numRuns: 150 },
    );
  });
});
