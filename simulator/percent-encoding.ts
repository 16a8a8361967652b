/** RFC 3986 percent-encoding as Alibaba Cloud signs it: encodeURIComponent plus !'()* encoded. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/!/g, '%21')
    .replace(/'/g, '%27')
    .replace(/\(/g, '%28')
    .replace(/\)/g, '%29')
    .replace(/\*/g, '%2A');
}

/** Decodes one form/query component ('+' is a space); malformed escapes are kept as they are. */
export function decodeComponent(value: string): string {
  const spaced = value.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Parses `a=1&b=2` (a query string or a form body). A repeated key keeps its last value. */
export function parseParams(raw: string, into: Map<string, string> = new Map()): Map<string, string> {
  if (raw === '') return into;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decodeComponent(pair.slice(eq + 1));
    into.set(key, value);
  }
  return into;
}

/** Sorted `encode(k)=encode(v)` joined by `&` (keys compared by UTF-16 code units, as the SDKs sort). */
export function canonicalQueryString(params: ReadonlyMap<string, string>, skip?: string): string {
  const keys = [...params.keys()].filter((k) => k !== skip).sort();
  return keys.map((k) => `${percentEncode(k)}=${percentEncode(params.get(k) ?? '')}`).join('&');
}
