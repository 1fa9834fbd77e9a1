import { describe, expect, it } from 'vitest';
import { uriEncode } from '../../../signer/src/sigv4/uri-encode.js';

describe('uriEncode (RFC 3986 unreserved kept, %XX upper-case)', () => {
  it('keeps unreserved characters', () => {
    expect(uriEncode('AZaz09-_.~')).toBe('AZaz09-_.~');
  });
  it('escapes ARN separators and reserved characters with upper-case hex', () => {
    expect(uriEncode('arn:aws:iam::1:role/a b')).toBe('arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b');
    expect(uriEncode("!'()*+=&,;@")).toBe('%21%27%28%29%2A%2B%3D%26%2C%3B%40');
  });
  it('encodes UTF-8 bytes, including characters outside the BMP', () => {
    expect(uriEncode('é')).toBe('%C3%A9');
    expect(uriEncode('😀')).toBe('%F0%9F%98%80');
  });
  it('agrees with encodeURIComponent plus !\'()* escaping on printable ASCII', () => {
    for (let c = 0x20; c < 0x7f; c++) {
      const s = String.fromCharCode(c);
      const expected = encodeURIComponent(s).replace(/[!'()*]/g, (x) => '%' + x.charCodeAt(0).toString(16).toUpperCase());
      expect(uriEncode(s)).toBe(expected);
    }
  });
});
