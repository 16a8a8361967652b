/**
 * Redaction of secrets from every text that leaves the process: log lines, error messages,
 * the summary and DingTalk messages.
 *
 * Two layers: the exact values registered at start-up (AK secret, STS token, webhook access
 * token, signing secret), and patterns for secrets we never saw (a signature or token echoed by
 * an SDK error or a URL).
 */

const MASK = '***';
const secrets = new Set<string>();

/** Remember a secret value so that it is masked wherever it appears. Short values are refused as too ambiguous to mask. */
export function registerSecret(value: string | undefined): void {
  if (value !== undefined && value.length >= 6) secrets.add(value);
}

const PATTERNS: readonly RegExp[] = [
  // query strings and form bodies: access_token=..., sign=..., Signature=..., SecurityToken=...
  /(\b(?:access_token|sign|Signature|SecurityToken|AccessKeySecret|security_token)=)[^&\s"',;]+/gi,
  // JSON / object dumps: "accessKeySecret": "...", securityToken: '...'
  /((?:["']?)(?:accessKeySecret|access_key_secret|securityToken|security_token|secret|sign|signature|x-acs-security-token)["']?\s*[:=]\s*["'])[^"']*/gi,
  // Authorization: ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=<hex>
  /(Signature=)[0-9a-f]{16,}/gi,
];

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(MASK);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret && out.includes(encoded)) out = out.split(encoded).join(MASK);
  }
  for (const pattern of PATTERNS) out = out.replace(pattern, `$1${MASK}`);
  return out;
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
