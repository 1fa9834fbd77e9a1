import { uriEncode } from './uri-encode.js';

// eslint-disable-next-line no-control-regex -- all of ASCII, controls included: for such keys UTF-16 order is UTF-8 byte order
const ASCII = /^[\x00-\x7f]*$/;

/**
 * The canonical query string of SigV4 ("Task 1", step 3): parameters sorted by key (byte order of
 * the UTF-8 key), values of one key sorted too, each key and value URI-encoded with
 * {@link uriEncode}, joined as `k=v&k=v`. Empty string for no parameters.
 *
 * It equals Go `url.Values.Encode()` + `%20` for the helper's single-valued ARN parameters
 * (aws_signing_helper/signer.go); for repeated keys it follows SigV4 (sorted values).
 */
export function canonicalQuery(params: Readonly<Record<string, string | readonly string[]>>): string {
  const keys = Object.keys(params);
  // Byte order of UTF-8 equals UTF-16 code-unit order for ASCII keys (the usual case).
  keys.sort(keys.every((k) => ASCII.test(k)) ? undefined : (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const parts: string[] = [];
  for (const key of keys) {
    const raw = params[key] as string | readonly string[];
    const values = (typeof raw === 'string' ? [raw] : [...raw]).map(uriEncode).sort();
    const encodedKey = uriEncode(key);
    for (const value of values) parts.push(`${encodedKey}=${value}`);
  }
  return parts.join('&');
}
