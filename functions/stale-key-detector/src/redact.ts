/**
 * Redaction of secrets from every text that leaves the process: log lines, error messages,
 * the summary, DingTalk messages and CLI output.
 *
 * Three layers, applied in this order:
 *  1. a cut: Alibaba Cloud's SignatureDoesNotMatch messages echo the server's string to sign,
 *     which carries the STS token (percent-encoded twice) and every other parameter; everything
 *     from "string to sign" on is dropped;
 *  2. the exact values registered at start-up (AK secret, STS token, webhook access token,
 *     signing secret), in every form they travel in: raw, JSON-escaped, percent-encoded once or
 *     twice (encodeURIComponent, RFC 3986 as the Alibaba Cloud SDKs sign, form encoding);
 *  3. patterns for secrets we never saw (a signature or token echoed by an SDK error, URL user info).
 *
 * Hand-written on purpose: the maintained redaction libraries (pino's redact, fast-redact,
 * secret scanners) mask by key path or by pattern; none masks a set of registered values in
 * their encoded forms, which is what stops a leak through an echoed URL or string to sign.
 */

// Not '***': that is emphasis in markdown, and a mask must add no structure to a message.
const MASK = '(redacted)';
const CUT_NOTE = 'string to sign: (removed)';
const MIN_SECRET_LENGTH = 6;

const secrets = new Set<string>();
/** Every form of every registered secret, longest first; rebuilt lazily after a registration. */
let variants: readonly string[] | undefined;

/** Remember a secret value so that it is masked wherever it appears. Short values are refused as too ambiguous to mask. */
export function registerSecret(value: string | undefined): void {
  if (value === undefined || value.length < MIN_SECRET_LENGTH || secrets.has(value)) return;
  secrets.add(value);
  variants = undefined;
}

/** Forgets every registered secret. For tests only: the set is module-global. */
export function clearSecretsForTests(): void {
  secrets.clear();
  variants = undefined;
}

/** RFC 3986 percent-encoding, as Alibaba Cloud's SDKs encode what they sign (pop-core's `encode`). */
function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** application/x-www-form-urlencoded as hand-rolled code does it: encodeURIComponent with '+' for a space. */
function formPlus(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

/** application/x-www-form-urlencoded as URL.searchParams does it (also how the DingTalk URL is built). */
function formWhatwg(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

function jsonEscaped(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

const ENCODERS: readonly ((value: string) => string)[] = [encodeURIComponent, rfc3986, formPlus, formWhatwg];

/** The forms a secret can take in text: raw, JSON-escaped (once, twice), encoded once, encoded twice (any two encoders). */
function formsOf(secret: string): string[] {
  const forms = new Set<string>([secret]);
  const add = (make: () => string): void => {
    try {
      forms.add(make());
    } catch {
      // encodeURIComponent throws on a lone surrogate: that form cannot occur in text anyway.
    }
  };
  add(() => jsonEscaped(secret));
  add(() => jsonEscaped(jsonEscaped(secret)));
  for (const first of ENCODERS) {
    add(() => first(secret));
    for (const second of ENCODERS) add(() => second(first(secret)));
  }
  return [...forms];
}

function allVariants(): readonly string[] {
  if (variants === undefined) {
    const all = new Set<string>();
    for (const secret of secrets) for (const form of formsOf(secret)) all.add(form);
    // Longest first, so that a secret (or form) contained in a longer one never leaves a fragment of it.
    variants = [...all].sort((a, b) => b.length - a.length);
  }
  return variants;
}

/**
 * Where a server's string to sign (or canonical request) begins. Not where a cut already was,
 * so that redacting twice (a field, then the whole log line) does not cut the text after it.
 */
const STRING_TO_SIGN = /(?:string[\s_-]*to[\s_-]*sign|canonical[\s_-]*request)(?!: \(removed\))/i;

/** Drops everything from "string to sign" (StringToSign, string-to-sign, canonical request) to the end. */
export function cutStringToSign(text: string): string {
  const match = STRING_TO_SIGN.exec(text);
  return match === null ? text : `${text.slice(0, match.index)}${CUT_NOTE}`;
}

const SECRET_KEY = '(?:access_token|sign|Signature|SecurityToken|AccessKeySecret|security_token)';

const PATTERNS: readonly RegExp[] = [
  // query strings and form bodies: access_token=..., sign=..., Signature=..., SecurityToken=...
  new RegExp(`(\\b${SECRET_KEY}=)[^&\\s"',;]+`, 'gi'),
  // the same, percent-encoded once or twice inside another URL or a string to sign: %26sign%3D...%26
  new RegExp(`((?:\\b|(?<=%26|%2526|%3F|%253F))${SECRET_KEY}(?:%3D|%253D))(?:(?!%26|%2526)[^&\\s"',;])+`, 'gi'),
  // JSON / object dumps: "accessKeySecret": "...", securityToken: '...'
  /((?:["']?)(?:accessKeySecret|access_key_secret|securityToken|security_token|secret|sign|signature|x-acs-security-token)["']?\s*[:=]\s*["'])[^"']*/gi,
  // Authorization: ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=<hex>
  /(Signature=)[0-9a-f]{16,}/gi,
  // URL user info, raw or percent-encoded once or twice: scheme://user:pass@host -> scheme://***@host
  /([a-z][a-z0-9+.-]*(?::\/\/|%3A%2F%2F|%253A%252F%252F))(?:(?!%2F|%252F|%3F|%253F|%23|%2523)[^\s/?#@"<>])+(?=@|%40|%2540)/gi,
];

export function redact(text: string): string {
  let out = cutStringToSign(text);
  for (const variant of allVariants()) {
    // Most texts are short (ids, names, dates) and most forms long (an STS token's run to hundreds
    // of characters): a form longer than the text cannot be in it. Checked each time, as masking
    // can lengthen the text (a 6-character secret becomes the 10-character mask).
    if (variant.length > out.length) continue;
    out = out.split(variant).join(MASK);
    // Masking can join the text around a mask into a new occurrence; mask that too. A form that is
    // itself part of the mask would come back with every pass: its one pass is all there is to do.
    if (!MASK.includes(variant)) while (out.includes(variant)) out = out.split(variant).join(MASK);
  }
  for (const pattern of PATTERNS) out = out.replace(pattern, `$1${MASK}`);
  return out;
}

/** A copy of a JSON-like value (objects, arrays, strings, numbers, booleans, null) with every string, keys included, redacted. */
export function redactDeep<T>(value: T): T {
  return deep(value) as T;
}

function deep(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map(deep);
  if (typeof value === 'object' && value !== null) {
    const proto: unknown = Object.getPrototypeOf(value);
    // Dates and other class instances serialize themselves; only plain objects are walked.
    if (proto !== Object.prototype && proto !== null) return value;
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[redact(key)] = deep(item);
    return copy;
  }
  return value;
}

/**
 * What a thrown error may carry out of the process (FC's errorMessage and its log of the stack,
 * an organisation's coordinator reading a worker's failure): its message and stack redacted, in
 * place, so that its class and fields (a ConfigError's field, a CloudApiError's code) stay. A
 * thrown value that is not an Error becomes one with its redacted description.
 */
export function redactError(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(describeError(error));
  error.message = redact(error.message);
  if (error.stack !== undefined) error.stack = redact(error.stack);
  return error;
}

/** A one-line, redacted description of anything thrown (pop-core throws plain objects). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return redact(error.message);
  if (typeof error === 'string') return redact(error);
  try {
    return redact(JSON.stringify(error));
  } catch {
    return 'unprintable error';
  }
}
