/**
 * Terminal geometry: display columns, cutting to a width, wrapping prose. The 80-column rule
 * itself is stated in table.ts.
 */

/** Every line the CLI prints fits this many columns (see the rule in table.ts). */
export const TERMINAL_WIDTH = 80;

/**
 * Terminal columns of a string: East Asian wide and fullwidth characters take two; what
 * terminalText removes (controls, format characters) and combining marks take none.
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch.codePointAt(0) ?? 0);
  return width;
}

const ZERO_WIDTH = /^[\p{Cc}\p{Cf}\p{Mn}\p{Me}\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufe00-\ufe0f\ufeff]$/u;

export function charWidth(cp: number): number {
  if (ZERO_WIDTH.test(String.fromCodePoint(cp))) return 0;
  const wide =
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd);
  return wide ? 2 : 1;
}

/** At most `maxWidth` columns, ending with "…" when cut. `text` is already terminal-safe. */
export function truncate(text: string, maxWidth: number): string {
  if (displayWidth(text) <= maxWidth) return text;
  let out = '';
  let width = 0;
  for (const ch of text) {
    const w = charWidth(ch.codePointAt(0) ?? 0);
    if (width + w > maxWidth - 1) break;
    out += ch;
    width += w;
  }
  return `${out}…`;
}

/**
 * Prose wrapped at `width` columns, word by word (a word wider than a line is split), each line
 * ending with "\n". `first` starts the first line, `rest` the following ones (a hanging indent).
 * The spaces between two words on one line are kept as they are. A "\n" in `text` starts a new
 * paragraph; an empty one is an empty line.
 */
export function wrap(text: string, first = '', rest = first, width = TERMINAL_WIDTH): string {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    if (paragraph.trim() === '') {
      out.push('');
      continue;
    }
    let line = first;
    let fresh = true;
    let gap = '';
    const flush = (): void => {
      out.push(line.trimEnd());
      line = rest;
      fresh = true;
    };
    for (const [, word = '', spaces = ''] of paragraph.trim().matchAll(/(\S+)( *)/g)) {
      if (!fresh && displayWidth(line) + gap.length + displayWidth(word) > width) flush();
      if (fresh && displayWidth(line) + displayWidth(word) > width) {
        // Wider than a whole line: split it.
        for (const ch of word) {
          if (!fresh && displayWidth(line) + charWidth(ch.codePointAt(0) ?? 0) > width) flush();
          line += ch;
          fresh = false;
        }
      } else {
        line += fresh ? word : gap + word;
        fresh = false;
      }
      gap = spaces;
    }
    out.push(line.trimEnd());
  }
  return out.map((l) => `${l}\n`).join('');
}
