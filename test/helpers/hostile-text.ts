/**
 * Hostile text as the cloud or the account might send it (names, ids, products, error messages),
 * and the markdown structure a message parses to: shared by the pure property tests of the inert
 * rendering and the ones through the handler.
 */
import fc from 'fast-check';
import type * as Marked from 'marked';
import { marked } from './marked';

const { Lexer } = marked;

export const FRAGMENTS = [
  '\n', '\r\n', '\r', '\u2028', '\u2029', '\u0085', '\u000b', '\u000c', '\t', '  \n', '    ',
  '# ', '## ', '- ', '* ', '+ ', '1. ', '2) ', '> ', '---', '===', '```', '~~~',
  '[x](http://e.com)', '![i](http://e.com/i.png)', '[x]: http://e.com', '[^1]', '<http://e.com>', '<a@b.co>',
  '<b>', '<a href="x">', '</a>', '<!-- c -->', '<font color="red">', '<img src=x onerror=alert(1)>',
  '`', '``', '**', '__', '*', '_', '~~', '~', '==', '|a|b|', '|---|', '\\', '\\n', '\\*',
  '@all', '@13800000000', '@user123', 'a@b.com', 'mailto:a@b.co', 'xmpp:a@b.co',
  'www.evil.com', 'WWW.EVIL.COM', 'wwww.e.com', 'https://evil.com', 'HTTP://E.COM', 'ftp://e.com', 'dingtalk://x', 'javascript:alert(1)',
  '&lt;', '&#60;', '&#x3c;', '&amp;', '&', '!', '(', ')', '[', ']', ':', '//', 'www', '.', ' ',
  '\u001b[31m', '\u001b[2J', '\u001b]8;;http://e.com\u0007link\u001b]8;;\u0007', '\u001b]0;title\u001b\\', '\u001bc', '\u001b', '\u009b31m', '\u009d0;t\u009c', '\u0007', '\u0000', '\u007f', '\u0080',
  '\u202e', '\u202a', '\u2066', '\u2069', '\u200e', '\u200f', '\u200b', '\u200d', '\u2060', '\ufeff', '\u00ad',
  '\ud800', '\udc00', '🔑', '👨‍👩‍👧', '中文', 'é', 'e\u0301', '…',
];

const fragment = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...FRAGMENTS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 6 }) },
);
/** What the cloud might send as a name, id, product or error message. */
export const hostile = fc.oneof(
  { weight: 4, arbitrary: fc.array(fragment, { maxLength: 16 }).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.array(fragment, { minLength: 40, maxLength: 120 }).map((parts) => parts.join('')) },
);

/** Block token types, and how many of each structural token the whole tree holds. */
export interface Shape {
  readonly blocks: string[];
  readonly counts: Record<string, number>;
  readonly hrefs: string[];
}
const COUNTED = new Set(['link', 'image', 'html', 'codespan', 'strong', 'em', 'del', 'br', 'escape', 'heading', 'list', 'list_item', 'blockquote', 'hr', 'table', 'code', 'def', 'checkbox']);

export function shape(src: string, options: Marked.MarkedOptions): Shape {
  const tokens = new Lexer(options).lex(src);
  const counts: Record<string, number> = {};
  const hrefs: string[] = [];
  const walk = (list: readonly Marked.Token[]): void => {
    for (const t of list) {
      if (COUNTED.has(t.type)) counts[t.type] = (counts[t.type] ?? 0) + 1;
      if (t.type === 'link' || t.type === 'image') hrefs.push((t as Marked.Tokens.Link).href);
      if ('tokens' in t && Array.isArray(t.tokens)) walk(t.tokens as Marked.Token[]);
      if (t.type === 'list') walk((t as Marked.Tokens.List).items);
    }
  };
  walk(tokens);
  return { blocks: tokens.map((t) => t.type).filter((type) => type !== 'space'), counts, hrefs };
}

