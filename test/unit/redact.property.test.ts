/**
 * The redaction rule as properties: a registered secret never survives redaction in any form it
 * travels in (raw, percent-encoded once or twice, JSON-escaped, form-encoded), through redact,
 * the logger and redactDeep.
 *
 * The registered-secret set is module-global, so within a property secrets accumulate over the
 * runs (as they would in a long process), all of them masked in every later run. The surrounding text is drawn from an alphabet disjoint from every
 * character any form of any secret can contain, so no secret can match across the boundary
 * and the expected output is exact: the surroundings with one mask in place of the form.
 */
import fc from 'fast-check';
import { createLogger } from '../../functions/stale-key-detector/src/logger';
import { clearSecretsForTests, redact, redactDeep, registerSecret } from '../../functions/stale-key-detector/src/redact';

const NUM_RUNS = 100;

/** Letters, digits, URL-special characters, JSON-special characters, unicode (BMP and astral). */
const SECRET_UNITS = [
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  ...`+/=&%?#:@ !'()*"\\~-_.`,
  '\n',
  'é',
  '中',
  '🔑',
];
/**
 * Disjoint from secret characters and from what encoding and JSON escaping add (%, hex digits,
 * +, \, u, n): no form of a secret can reach into it.
 */
const SURROUNDING_UNITS = [...'<>[]{}|^,;$`', '·', 'ü', '日', '\t'];

const secretArb = fc.string({ unit: fc.constantFrom(...SECRET_UNITS), minLength: 6, maxLength: 80 });
const surroundingArb = fc.string({ unit: fc.constantFrom(...SURROUNDING_UNITS), maxLength: 40 });

const rfc3986 = (v: string): string => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const jsonEscaped = (v: string): string => JSON.stringify(v).slice(1, -1);

/** The forms a secret is embedded in, straight into surrounding text. */
const FORMS: Readonly<Record<string, (s: string) => string>> = {
  raw: (s) => s,
  'encodeURIComponent once': (s) => encodeURIComponent(s),
  'encodeURIComponent twice': (s) => encodeURIComponent(encodeURIComponent(s)),
  'RFC 3986 once': (s) => rfc3986(s),
  'RFC 3986 twice': (s) => rfc3986(rfc3986(s)),
  'form, + for space': (s) => encodeURIComponent(s).replace(/%20/g, '+'),
  'URLSearchParams form': (s) => new URLSearchParams({ q: s }).toString().slice(2),
};
const formArb = fc.constantFrom(...Object.keys(FORMS));

/** Every form, and the JSON-escaped one, for the "none of them survives" checks. */
function allForms(secret: string): string[] {
  return [...Object.values(FORMS).map((encode) => encode(secret)), jsonEscaped(secret)];
}

function expectNoForm(text: string, secret: string): void {
  for (const form of allForms(secret)) expect(text).not.toContain(form);
}

describe('redaction properties', () => {
  // Each property starts from an empty set; within one, secrets pile up over its runs.
  beforeEach(() => clearSecretsForTests());

  it('a registered secret embedded in any form is replaced by one mask, and nothing else changes', () => {
    fc.assert(
      fc.property(secretArb, formArb, surroundingArb, surroundingArb, (secret, formName, before, after) => {
        registerSecret(secret);
        const form = (FORMS[formName] ?? String)(secret);
        const out = redact(`${before}${form}${after}`);
        expectNoForm(out, secret);
        expect(out).toBe(`${before}(redacted)${after}`);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('a registered secret inside JSON text (escaped quotes, backslashes, newlines) is masked', () => {
    fc.assert(
      fc.property(secretArb, surroundingArb, surroundingArb, (secret, before, after) => {
        registerSecret(secret);
        const out = redact(JSON.stringify({ note: `${before}${secret}${after}`, n: 1 }));
        expectNoForm(out, secret);
        expect(JSON.parse(out)).toEqual({ note: `${before}(redacted)${after}`, n: 1 });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('a secret contained in a longer one, registered first, leaves no fragment of the longer', () => {
    fc.assert(
      fc.property(secretArb, fc.nat(), fc.nat(), formArb, surroundingArb, (secret, a, b, formName, before) => {
        fc.pre(secret.length >= 8);
        const start = a % (secret.length - 6);
        const end = Math.min(secret.length - 1, start + 6 + (b % (secret.length - start - 6 + 1)));
        registerSecret(secret.slice(start, end));
        registerSecret(secret);
        const form = (FORMS[formName] ?? String)(secret);
        expect(redact(`${before}${form}|`)).toBe(`${before}(redacted)|`);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('a log line carrying the secret in its message and fields carries none of its forms, and stays JSON', () => {
    fc.assert(
      fc.property(secretArb, surroundingArb, surroundingArb, (secret, before, after) => {
        registerSecret(secret);
        const lines: string[] = [];
        const logger = createLogger({ sink: (line) => lines.push(line) });
        const fields = Object.fromEntries(Object.entries(FORMS).map(([name, encode]) => [name, `${before}${encode(secret)}${after}`]));
        // A cloud error echoing a string to sign: cut inside its own field, not through the rest of the line.
        const error = `${before}SignatureDoesNotMatch: server string to sign is:POST&%2F&SecurityToken%253D${rfc3986(rfc3986(secret))}`;
        logger.warn(`${before}${secret}${after}`, { ...fields, error, count: 3, ok: true, requestId: `${after}R-1` });
        expect(lines).toHaveLength(1);
        const line = lines[0] ?? '';
        expectNoForm(line, secret);
        const parsed = JSON.parse(line) as Record<string, unknown>;
        expect(parsed['message']).toBe(`${before}(redacted)${after}`);
        for (const name of Object.keys(FORMS)) expect(parsed[name]).toBe(`${before}(redacted)${after}`);
        expect(parsed).toMatchObject({ level: 'warn', error: `${before}SignatureDoesNotMatch: server string to sign: (removed)`, count: 3, ok: true, requestId: `${after}R-1` });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('redactDeep of a nested value carries none of the forms, and keeps the rest', () => {
    fc.assert(
      fc.property(secretArb, formArb, surroundingArb, fc.integer(), (secret, formName, before, n) => {
        registerSecret(secret);
        const text = `${before}${(FORMS[formName] ?? String)(secret)}`;
        const value = { summary: { notes: [text, n, null, false, { deeper: [text] }], [text]: 'keyed' }, plain: before };
        const out = redactDeep(value);
        expectNoForm(JSON.stringify(out), secret);
        expect(out).toEqual({ summary: { notes: [`${before}(redacted)`, n, null, false, { deeper: [`${before}(redacted)`] }], [`${before}(redacted)`]: 'keyed' }, plain: before });
        expect(value.summary.notes[0]).toBe(text);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('a SignatureDoesNotMatch message echoing a string to sign', () => {
  it('keeps the code and the sentence before the string to sign, and no form of the STS token', () => {
    const token = 'CAIS+token/with=specials&more!(x)*'.repeat(2);
    registerSecret(token);
    // pop-core signs METHOD&encode('/')&encode(canonicalized), canonicalized = encode(k)=encode(v) joined by '&'.
    const canonicalized = [
      ['AccessKeyId', 'LTAI5tExample'],
      ['Action', 'LookupEvents'],
      ['SecurityToken', token],
      ['SignatureMethod', 'HMAC-SHA1'],
    ]
      .map(([k, v]) => `${rfc3986(k ?? '')}=${rfc3986(v ?? '')}`)
      .join('&');
    const stringToSign = `POST&${rfc3986('/')}&${rfc3986(canonicalized)}`;
    expect(stringToSign).toContain(rfc3986(rfc3986(token)));
    const message = `SignatureDoesNotMatchError: Specified signature does not match our calculation. server string to sign is:${stringToSign}`;

    const out = redact(message);
    expect(out).toBe('SignatureDoesNotMatchError: Specified signature does not match our calculation. server string to sign: (removed)');
    expectNoForm(out, token);
    expect(out).not.toContain(stringToSign.slice(0, 20));
    expect(out).not.toContain('LTAI5tExample');
  });
});
