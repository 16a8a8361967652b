/**
 * Hostile text is inert. Every string that comes from the cloud or the account (user and display
 * names, access key ids, product names, error messages, request ids) goes through this module
 * before it reaches a DingTalk message or a terminal, so that it cannot add structure:
 *
 * - `terminalText`: no control characters, escape sequences, bidi or invisible format characters,
 *   no line breaks; bounded length with a visible "…" when cut.
 * - `markdownText`: `terminalText`, then every character that could start markdown or HTML
 *   structure is swapped for a look-alike that no markdown flavour interprets (see MARKDOWN_LOOKALIKES).
 * - `cutToBytes`: a UTF-8 safe cut for a line that is still too long; never a throw.
 *
 * Why no library: the common escapers backslash-escape markdown (e.g. the old `md()` here, or
 * markdown-escape style helpers), which DingTalk's renderer is not guaranteed to honour (it is not
 * CommonMark and may show the backslashes) and which do nothing about line breaks. `strip-ansi` /
 * `ansi-regex` (present in node_modules only as a transitive dependency of jest, not a runtime
 * dependency; v7 is ESM only) remove ANSI sequences but not C1 controls, bidi overrides, zero-width
 * characters or line breaks, and we would still need the length cap. The rule is a few regular
 * expressions and a table; owning them keeps the function bundle free of a dependency for it.
 */

/** User, display, product names and ids. RAM user names are at most 64 characters. */
export const MAX_NAME_CHARS = 64;
/** Error messages, exemption reasons and other prose from outside. */
export const MAX_REASON_CHARS = 300;
/** Access key ids and request ids (real ones are about 24 to 36 characters). */
export const MAX_ID_CHARS = 64;
/** Shown at the end of a string that was cut. */
export const CUT_MARKER = '…';

/**
 * Escape sequences, removed whole so their parameters do not show as junk. Whatever these miss is
 * still made harmless below, because every ESC and C1 control is removed afterwards.
 * - string sequences: OSC, DCS, SOS, PM, APC (ESC ] P X ^ _, or C1 0x9D 0x90 0x98 0x9E 0x9F),
 *   up to BEL or ST (ESC \ or 0x9C), or to the end of the text when not terminated (a terminal
 *   would swallow the rest too);
 * - CSI (ESC [ or C1 0x9B): parameters 0x30–0x3F, intermediates 0x20–0x2F, final 0x40–0x7E;
 * - other two-or-more character escapes: ESC, intermediates 0x20–0x2F, final 0x30–0x7E.
 */
const ESCAPE_SEQUENCES =
  /(?:\u001b[\]PX^_]|[\u009d\u0090\u0098\u009e\u009f])[\s\S]*?(?:\u0007|\u001b\\|\u009c|$)|(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?|\u001b[\u0020-\u002f]*[\u0030-\u007e]/g;

/** Line breaks and tabs of every kind: CR, LF, TAB, VT, FF, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR. */
const LINE_BREAKS = /[\r\n\t\u000b\u000c\u0085\u2028\u2029]/g;

/**
 * Removed outright: C0 controls, DEL and C1 controls (\p{Cc}), and format characters (\p{Cf}),
 * which include the bidi controls U+200E/F, U+202A–U+202E, U+2066–U+2069, the zero-width
 * U+200B–U+200D, WORD JOINER U+2060, BOM U+FEFF, soft hyphen, and tag characters. They are listed
 * explicitly as well so the intent does not depend on the Unicode version's categories.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/gu;

/** A surrogate half without its partner: not valid UTF-8 / JSON text; becomes U+FFFD. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The text with any lone surrogate replaced by U+FFFD (String.prototype.toWellFormed, ES2024). */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

/**
 * Text that is safe to print on a terminal: no escape sequences, no control, bidi or invisible
 * format characters; line breaks and tabs become one space, runs of spaces collapse, the ends are
 * trimmed; at most `maxChars` code points, the last being "…" when the text was cut.
 */
export function terminalText(text: string, maxChars: number): string {
  const clean = wellFormed(String(text))
    .replace(ESCAPE_SEQUENCES, '')
    .replace(LINE_BREAKS, ' ')
    .replace(INVISIBLE, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  return cutToChars(clean, maxChars);
}

/** At most `maxChars` code points (at least 1), ending with "…" when cut; never splits a surrogate pair. */
function cutToChars(text: string, maxChars: number): string {
  const limit = maxChars >= 1 ? Math.floor(maxChars) : 1;
  if (text.length <= limit) return text; // UTF-16 units ≥ code points
  const points = Array.from(text);
  if (points.length <= limit) return text;
  return `${points.slice(0, limit - 1).join('').trimEnd()}${CUT_MARKER}`;
}

/**
 * Look-alikes for the characters that can add markdown or HTML structure. Each maps one code point
 * to one code point, so the length cap of `terminalText` still holds afterwards, and each is a
 * visible character that neither CommonMark, GFM nor DingTalk's renderer treats as syntax, so no
 * backslash escape (which DingTalk may print) is needed.
 */
const MARKDOWN_LOOKALIKES: Readonly<Record<string, string>> = {
  '\\': '\uff3c', // ＼ FULLWIDTH REVERSE SOLIDUS: no backslash escapes, no hard line break
  '`': '\u02cb', //  ˋ MODIFIER LETTER GRAVE ACCENT: no code span can open or close
  '*': '\u2217', //  ∗ ASTERISK OPERATOR: no emphasis, no bullet list
  _: '\uff3f', //    ＿ FULLWIDTH LOW LINE: no emphasis
  '[': '\uff3b', //  ［ FULLWIDTH LEFT SQUARE BRACKET: no link, image, footnote or task box
  ']': '\uff3d', //  ］ FULLWIDTH RIGHT SQUARE BRACKET
  '<': '\u2039', //  ‹ SINGLE LEFT-POINTING ANGLE QUOTATION MARK: no HTML tag, no <autolink>
  '>': '\u203a', //  › SINGLE RIGHT-POINTING ANGLE QUOTATION MARK: no blockquote, no HTML
  '#': '\uff03', //  ＃ FULLWIDTH NUMBER SIGN: no heading
  '|': '\u2502', //  │ BOX DRAWINGS LIGHT VERTICAL: no table
  '~': '\uff5e', //  ～ FULLWIDTH TILDE: no strikethrough, no fence
  '@': '\uff20', //  ＠ FULLWIDTH COMMERCIAL AT: no DingTalk mention (@all, @mobile), no e-mail autolink
  '&': '\uff06', //  ＆ FULLWIDTH AMPERSAND: no HTML entity (&lt; &#60;)
  '!': '\uff01', //  ！ FULLWIDTH EXCLAMATION MARK: no image (![…]), no <!-- comment -->
};
const MARKDOWN_SPECIAL = /[\\`*_[\]<>#|~@&!]/g;

/**
 * An "_" between two ASCII letters or digits stays: it can neither open nor close emphasis
 * (CommonMark's flanking rules for "_"), and names like STALE_AFTER_DAYS or ci_bot stay readable.
 */
function isIntraword(text: string, at: number): boolean {
  return /[A-Za-z0-9]/.test(text.charAt(at - 1)) && /[A-Za-z0-9]/.test(text.charAt(at + 1));
}

/**
 * Autolinks: GFM (marked's `url` rule) links "http://", "https://", "ftp://" and "www." wherever
 * they appear in text, and DingTalk's client links URLs too. We swap a visible look-alike into the
 * sequence rather than insert an invisible WORD JOINER: a renderer or a second pass through
 * `terminalText` that drops format characters would re-arm an invisible break, a visible one stays.
 * - the ":" of any "://" becomes "∶" (U+2236 RATIO): marked's rule needs a literal ":" before
 *   "//", and so does every URL scheme;
 * - the "." of "www." (any case) becomes "․" (U+2024 ONE DOT LEADER): marked's rule needs a
 *   literal "www.".
 * E-mail autolinks and mentions need "@", and <…> autolinks need "<": both are mapped above.
 */
const SCHEME_SEPARATOR = /:(?=\/\/)/g;
const WWW_DOT = /(www)\./gi;

/**
 * Leading markers that could start a list, heading or setext underline if a caller ever began a
 * line with hostile text (none does: the text has no line breaks and callers put their own
 * markup first). "-" becomes "‐" (U+2010 HYPHEN), "+" "＋", "=" "＝", and the "." or ")" after
 * leading digits "․" (U+2024) or "）", so "1. x" cannot become an ordered list.
 */
function defuseLineStart(text: string): string {
  return text
    .replace(/^-/, '\u2010')
    .replace(/^\+/, '\uff0b')
    .replace(/^=/, '\uff1d')
    .replace(/^(\d+)([.)])/, (_m, digits: string, mark: string) => `${digits}${mark === '.' ? '\u2024' : '\uff09'}`);
}

/**
 * Text that renders as itself in any markdown flavour: `terminalText` (one line, no controls,
 * at most `maxChars` code points), then markdown and HTML syntax characters swapped for
 * look-alikes and autolinks broken. Contains no line break, "@", "<", "[", "]", "`", "://" or "www.".
 */
export function markdownText(text: string, maxChars: number): string {
  const line = terminalText(text, maxChars)
    .replace(MARKDOWN_SPECIAL, (ch: string, at: number, all: string) => (ch === '_' && isIntraword(all, at) ? ch : (MARKDOWN_LOOKALIKES[ch] ?? ch)))
    .replace(SCHEME_SEPARATOR, '\u2236')
    .replace(WWW_DOT, '$1\u2024');
  return defuseLineStart(line);
}

/** Bytes of one code point in UTF-8 (a lone surrogate is written as U+FFFD: 3 bytes). */
function utf8Bytes(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/** Size of a string in UTF-8, as Buffer.byteLength counts it. */
export function utf8Length(text: string): number {
  let n = 0;
  for (const ch of text) n += utf8Bytes(ch.codePointAt(0) ?? 0);
  return n;
}

/**
 * The text if it fits in `maxBytes` of UTF-8, else its longest prefix that fits together with
 * `marker` (whole code points only, trailing spaces dropped) followed by the marker. When not even
 * the marker fits, as much of the marker as fits. Never throws.
 */
export function cutToBytes(text: string, maxBytes: number, marker: string = CUT_MARKER): string {
  const limit = Number.isFinite(maxBytes) ? Math.max(0, Math.floor(maxBytes)) : maxBytes > 0 ? Infinity : 0;
  if (utf8Length(text) <= limit) return text;
  const markerBytes = utf8Length(marker);
  if (markerBytes > limit) return cutToBytes(marker, limit, '');
  let kept = '';
  let used = markerBytes;
  for (const ch of text) {
    const b = utf8Bytes(ch.codePointAt(0) ?? 0);
    if (used + b > limit) break;
    kept += ch;
    used += b;
  }
  return `${kept.trimEnd()}${marker}`;
}
