/**
 * A value as an error message may echo it: JSON-quoted (so line breaks and quotes stay visible and
 * inert) and at most about 100 characters, so that no error carries much of a bad value (which may
 * be a secret pasted into the wrong variable).
 */
export function quoteValue(value: unknown): string {
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}
