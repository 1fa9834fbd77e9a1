/**
 * The emulator's own canonical-request code against the official helper's captured values
 * (KAT canonicalRequestSha256), and the canonicalisation rules it relies on.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalQuery, canonicalRequest, rfc3986 } from '../../../emulator/src/session/canonical-request.js';
import { headersFromRaw, type WireRequest } from '../../../emulator/src/http/wire-request.js';
import { KAT_DIR as KAT, readKatVectors } from '../../support/kat-vectors.js';

const vectors = readKatVectors();

describe('canonical request rebuilt from the wire', () => {
  for (const v of vectors) {
    it(`matches the official helper's canonical request hash (${v.name})`, () => {
      const cert = new X509Certificate(readFileSync(new URL(v.certificate, KAT)));
      // Query as a Go client sends it: keys in any order, values percent-encoded.
      const rawQuery = Object.entries(v.query as Record<string, string>)
        .reverse()
        .map(([k, val]) => `${k}=${encodeURIComponent(val)}`)
        .join('&');
      const wire: WireRequest = {
        method: 'POST',
        rawPath: '/sessions',
        rawQuery,
        headers: headersFromRaw([
          'Content-Type',
          `  ${v.contentType} `,
          'Host',
          v.host,
          'X-Amz-Date',
          v.amzDate,
          'X-Amz-X509',
          cert.raw.toString('base64'),
          'User-Agent',
          'not signed',
        ]),
        body: Buffer.from(v.body),
      };
      const canonical = canonicalRequest(wire, (v.signedHeaders as string).split(';'))!;
      expect(createHash('sha256').update(canonical).digest('hex')).toBe(v.canonicalRequestSha256);
    });
  }

  it('RFC 3986 encoding, sorting by key then value, + as space', () => {
    expect(rfc3986("a b!'()*~")).toBe('a%20b%21%27%28%29%2A~');
    expect(canonicalQuery('b=2&a=z&a=y&c=x+y')).toBe('a=y&a=z&b=2&c=x%20y');
    expect(canonicalQuery('')).toBe('');
  });

  it('repeated headers are joined with commas; a listed header that is missing fails the rebuild', () => {
    const wire: WireRequest = {
      method: 'POST',
      rawPath: '/sessions',
      rawQuery: '',
      headers: headersFromRaw(['X-A', 'one', 'x-a', 'two  words']),
      body: Buffer.alloc(0),
    };
    expect(canonicalRequest(wire, ['x-a'])).toBe(`POST\n/sessions\n\nx-a:one,two words\n\nx-a\n${createHash('sha256').update('').digest('hex')}`);
    expect(canonicalRequest(wire, ['x-a', 'x-b'])).toBeUndefined();
  });
});
