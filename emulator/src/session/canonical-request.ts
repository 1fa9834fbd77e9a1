/**
 * Rebuilds the X.509 SigV4 canonical request and string to sign of a CreateSession from the
 * request as received (User Guide, "Signing process", Tasks 1–2), with code of its own — deliberately not the
 * signer's — so that a signing bug cannot be mirrored by the verifier.
 */
import { createHash } from 'node:crypto';
import type { WireRequest } from '../http/wire-request.js';
import { parseQueryPairs } from '../http/wire-request.js';

/** RFC 3986 encoding used by SigV4 (unreserved A-Z a-z 0-9 - _ . ~ kept). */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function canonicalQuery(rawQuery: string): string {
  return parseQueryPairs(rawQuery)
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** `name:value` lines for the signed headers; undefined when a signed header is missing. */
export function canonicalHeaders(wire: WireRequest, signedHeaders: readonly string[]): string | undefined {
  const lines: string[] = [];
  for (const name of [...signedHeaders].sort()) {
    const value = wire.headers[name];
    if (value === undefined) return undefined;
    lines.push(`${name}:${value.trim().replace(/ +/g, ' ')}`);
  }
  return lines.join('\n');
}

export function canonicalRequest(wire: WireRequest, signedHeaders: readonly string[]): string | undefined {
  const headers = canonicalHeaders(wire, signedHeaders);
  if (headers === undefined) return undefined;
  return [
    wire.method,
    wire.rawPath,
    canonicalQuery(wire.rawQuery),
    headers,
    '',
    signedHeaders.join(';'),
    createHash('sha256').update(wire.body).digest('hex'),
  ].join('\n');
}

export function stringToSign(algorithm: string, amzDate: string, scope: string, canonical: string): string {
  return [algorithm, amzDate, scope, createHash('sha256').update(canonical, 'utf8').digest('hex')].join('\n');
}
