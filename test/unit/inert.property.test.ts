/**
 * "Hostile text is inert" as properties. Strings from the cloud are drawn from arbitrary unicode
 * mixed with markdown, HTML, mention, autolink, escape-sequence and line-break fragments, then:
 * - a report line built the way compose.ts builds it parses (marked, GFM and pedantic) to the same
 *   token structure as the same line with plain names: exactly one link per consoleLink, going to
 *   the user's own page; no heading, list, image, HTML, extra code span or emphasis;
 * - markdownText never contains a line break, markup character, "://" or "www.";
 * - terminalText never contains a control, escape, bidi or invisible format character;
 * - both are capped in code points, with "…" exactly when cut; cutToBytes is capped in UTF-8 bytes;
 * - the CLI table keeps one line per row whatever the names.
 */
import fc from 'fast-check';
import type * as Marked from 'marked';
import { displayWidth, type KeyRow, renderTable } from '../../cli/table';
import { code, consoleLink, md, urlSegment } from '../../functions/stale-key-detector/src/report/format';
import {
  CUT_MARKER,
  cutToBytes,
  MAX_NAME_CHARS,
  MAX_REASON_CHARS,
  markdownText,
  terminalText,
  utf8Length,
  wellFormed,
} from '../../functions/stale-key-detector/src/text/inert';

import { hostile, shape } from '../helpers/hostile-text';

const NUM_RUNS = 300;

const maxChars = fc.integer({ min: 1, max: 120 });

const FLAVOURS: ReadonlyArray<[string, Marked.MarkedOptions]> = [
  ['gfm', { gfm: true }],
  ['gfm+breaks', { gfm: true, breaks: true }],
  ['pedantic', { gfm: false, pedantic: true }],
];
const USERS_URL = 'https://ram.console.aliyun.com/users';

/** The user heading and key lines as compose.ts builds them. */
const headingLine = (name: string, display: string): string => `**${consoleLink(name)}** (${md(display)})`;
const keyLine = (id: string, name: string, reason: string): string => `- ${code(id)} of ${consoleLink(name)}: ${md(reason)}`;
const productLine = (id: string, product: string): string => `- ${code(id)} idle **3 days**: ${md(product)} (${md(product)}, 2026-01-01)`;

/** Any character terminalText must remove or replace. */
const TERMINAL_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Any character or sequence markdownText must not let through. */
/** Markup characters, autolink starts, and an "_" that is not between two ASCII letters or digits. */
const MARKDOWN_FORBIDDEN = /[\\`*[\]<>#|~@&!]|:\/\/|www\.|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/i;

const codePoints = (s: string): number => Array.from(s).length;
const isWellFormed = (s: string): boolean => wellFormed(s) === s;

describe('markdownText: hostile text adds no markdown structure', () => {
  it.each(FLAVOURS)('a user heading parses (%s) like one with plain names, with one link to the user', (_flavour, options) => {
    const plain = shape(headingLine('alice', 'Alice A'), options);
    fc.assert(
      fc.property(hostile, hostile, (name, display) => {
        const got = shape(headingLine(name, display), options);
        expect({ blocks: got.blocks, counts: got.counts }).toEqual({ blocks: plain.blocks, counts: plain.counts });
        expect(got.hrefs).toEqual([codePoints(name) > MAX_NAME_CHARS ? USERS_URL : `${USERS_URL}/${urlSegment(name)}`]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it.each(FLAVOURS)('a key line of an unknown key parses (%s) like one with plain values', (_flavour, options) => {
    const plain = shape(keyLine('LTAI5tPlain', 'alice', 'timeout'), options);
    fc.assert(
      fc.property(hostile, hostile, hostile, (id, name, reason) => {
        const got = shape(keyLine(id, name, reason), options);
        expect({ blocks: got.blocks, counts: got.counts }).toEqual({ blocks: plain.blocks, counts: plain.counts });
        expect(got.hrefs).toHaveLength(1);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it.each(FLAVOURS)('a key line with product names parses (%s) like one with plain values', (_flavour, options) => {
    const plain = shape(productLine('LTAI5tPlain', 'Ecs'), options);
    fc.assert(
      fc.property(hostile, hostile, (id, product) => {
        const got = shape(productLine(id, product), options);
        expect({ blocks: got.blocks, counts: got.counts }).toEqual({ blocks: plain.blocks, counts: plain.counts });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('the console link decodes back to the user name, so ")" or "]" in a name cannot end it early', () => {
    fc.assert(
      fc.property(hostile, (name) => {
        const { hrefs } = shape(consoleLink(name), { gfm: true });
        if (codePoints(name) > MAX_NAME_CHARS) expect(hrefs).toEqual([USERS_URL]);
        else expect(decodeURIComponent((hrefs[0] ?? '').slice(USERS_URL.length + 1))).toBe(wellFormed(name));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('never lets through a line break, markup character, mention, "://" or "www."', () => {
    fc.assert(
      fc.property(hostile, maxChars, (text, max) => {
        const out = markdownText(text, max);
        expect(out).not.toMatch(TERMINAL_FORBIDDEN);
        expect(out).not.toMatch(MARKDOWN_FORBIDDEN);
        expect(out).not.toMatch(/^(?:[-+=]|\d+[.)])/);
        // A second pass finds nothing more to defuse.
        expect(markdownText(out, Infinity)).toBe(out);
      }),
      { numRuns: NUM_RUNS * 3 },
    );
  });

  it('is capped in code points, with "…" exactly when cut', () => {
    fc.assert(
      fc.property(hostile, maxChars, (text, max) => {
        const out = markdownText(text, max);
        const whole = markdownText(text, Infinity);
        expect(codePoints(out)).toBeLessThanOrEqual(max);
        // Not a prefix check: a cut can split "://" or "1." before they are defused.
        if (codePoints(whole) <= max) expect(out).toBe(whole);
        else expect(out.endsWith(CUT_MARKER)).toBe(true);
      }),
      { numRuns: NUM_RUNS * 3 },
    );
  });

  it('renders the example from the rule as one plain line', () => {
    const line = headingLine('x\n# Heading\n- item\n[click](http://evil)', 'y <b>bold</b> @all www.evil.com');
    expect(line).not.toContain('\n');
    expect(shape(line, { gfm: true }).counts).toEqual({ strong: 1, link: 1 });
    expect(md('a\\b `c` *d* _e_ [f] <g> #h |i| ~j~ @k &l !m https://n www.o')).toBe(
      'a＼b ˋcˋ ∗d∗ ＿e＿ ［f］ ‹g› ＃h │i│ ～j～ ＠k ＆l ！m https∶//n www․o',
    );
    expect(md('- 1. x')).toBe('‐ 1. x');
    expect(md('1. x')).toBe('1․ x');
    expect(md('x'.repeat(MAX_REASON_CHARS + 1))).toBe(`${'x'.repeat(MAX_REASON_CHARS - 1)}…`);
    expect(code('')).toBe('`(empty)`');
    expect(consoleLink('\n')).toBe(`[(no name)](${USERS_URL}/%0A)`);
  });
});

describe('terminalText: hostile text cannot drive the terminal', () => {
  it('leaves no control, escape, bidi or invisible format character, no line break, no lone surrogate', () => {
    fc.assert(
      fc.property(hostile, maxChars, (text, max) => {
        const out = terminalText(text, max);
        expect(out).not.toMatch(TERMINAL_FORBIDDEN);
        expect(out).not.toMatch(/ {2}/);
        expect(out).toBe(out.trim());
      }),
      { numRuns: NUM_RUNS * 3 },
    );
  });

  it('is capped in code points, with "…" exactly when cut, never splitting a surrogate pair', () => {
    fc.assert(
      fc.property(hostile, maxChars, (text, max) => {
        const out = terminalText(text, max);
        const whole = terminalText(text, Infinity);
        expect(codePoints(out)).toBeLessThanOrEqual(max);
        if (codePoints(whole) <= max) expect(out).toBe(whole);
        else {
          expect(out.endsWith(CUT_MARKER)).toBe(true);
          expect(whole.startsWith(out.slice(0, -CUT_MARKER.length))).toBe(true);
        }
        expect(isWellFormed(out)).toBe(true);
      }),
      { numRuns: NUM_RUNS * 3 },
    );
  });

  it('removes whole escape sequences and turns line breaks into one space', () => {
    expect(terminalText('\u001b[31mred\u001b[0m \u001b]8;;http://e.com\u0007link\u001b]8;;\u0007 \u009b1mb', 100)).toBe('red link b');
    expect(terminalText('a\r\n\tb\u2028c\u0085d', 100)).toBe('a b c d');
    expect(terminalText('\u202eevil\u202c \u200bx\ufeff', 100)).toBe('evil x');
    expect(terminalText('🔑🔑🔑', 2)).toBe('🔑…');
  });

  it('keeps the CLI table one line per row, aligned, whatever the names', () => {
    const row = fc.record({
      userName: hostile,
      displayName: fc.option(hostile, { nil: undefined }),
      accessKeyId: hostile,
      products: fc.array(hostile, { maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 4 }), (raw) => {
        const rows = raw.map((r): KeyRow => ({ ...r, verdict: 'stale', idleMs: 100 * 86_400_000, lastUsed: undefined, noUseSince: 0, createdAt: 0 }));
        const lines = renderTable(rows, 'UTC').split('\n');
        expect(lines.pop()).toBe('');
        expect(lines).toHaveLength(rows.length + 1);
        for (const line of lines) expect(line).not.toMatch(TERMINAL_FORBIDDEN);
        // The STATUS column starts at the same terminal column on every line.
        const column = (lines[0] ?? '').indexOf('STATUS');
        for (const line of lines.slice(1)) {
          let prefix = '';
          for (const ch of line) {
            if (displayWidth(prefix) >= column) break;
            prefix += ch;
          }
          expect(displayWidth(prefix)).toBe(column);
          expect(line.slice(prefix.length).startsWith('stale  ')).toBe(true);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('cutToBytes', () => {
  it('fits in the byte budget, cuts whole code points only, and marks the cut', () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 0, max: 200 }), fc.constantFrom(CUT_MARKER, '… (cut)'), (text, max, marker) => {
        const out = cutToBytes(text, max, marker);
        expect(utf8Length(out)).toBeLessThanOrEqual(max);
        expect(Buffer.byteLength(out)).toBe(utf8Length(out));
        if (utf8Length(text) <= max) expect(out).toBe(text);
        else if (utf8Length(marker) <= max) {
          expect(out.endsWith(marker)).toBe(true);
          expect(text.startsWith(out.slice(0, -marker.length))).toBe(true);
          if (isWellFormed(text)) expect(isWellFormed(out)).toBe(true);
        }
      }),
      { numRuns: NUM_RUNS * 3 },
    );
  });
});
