/**
 * Verifies an HMAC SigV4 (`AWS4-HMAC-SHA256`) request by recomputing the signature with the
 * claimed credential and date through `@smithy/signature-v4`, over a request rebuilt from the
 * wire with exactly the headers the client listed in SignedHeaders, and comparing in constant
 * time (AWS SigV4 "Verify a signature"; used for the control plane and STS).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import type { WireRequest } from '../http/wire-request.js';
import { parseQueryPairs } from '../http/wire-request.js';
import type { ParsedAuthorization } from './authorization-header.js';

/** Whether the signature in `auth` matches a recomputation with `secretAccessKey`. */
export async function verifyHmacSignature(wire: WireRequest, auth: ParsedAuthorization, secretAccessKey: string, signingDate: Date): Promise<boolean> {
  // A client-declared payload hash must match the body it sent.
  const declared = wire.headers['x-amz-content-sha256'];
  if (declared !== undefined && declared !== 'UNSIGNED-PAYLOAD') {
    const actual = createHash('sha256').update(wire.body).digest('hex');
    if (declared.toLowerCase() !== actual) return false;
  }
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const v = wire.headers[name];
    if (v === undefined) return false;
    headers[name] = v;
  }
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of parseQueryPairs(wire.rawQuery)) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const host = wire.headers.host ?? 'localhost';
  const request = new HttpRequest({
    method: wire.method,
    protocol: 'http:',
    hostname: host,
    path: wire.rawPath,
    query,
    headers,
    body: wire.body.length === 0 ? undefined : new Uint8Array(wire.body),
  });
  const signer = new SignatureV4({
    service: auth.service,
    region: auth.region,
    credentials: { accessKeyId: auth.credentialId, secretAccessKey },
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  });
  const signed = await signer.sign(request, {
    signingDate,
    signableHeaders: new Set(auth.signedHeaders),
    signingRegion: auth.region,
    signingService: auth.service,
  });
  const expected = /Signature=([0-9a-f]+)$/.exec(String(signed.headers.authorization ?? ''))?.[1];
  const expectedHeaders = /SignedHeaders=([^,]+),/.exec(String(signed.headers.authorization ?? ''))?.[1];
  if (expected === undefined || expectedHeaders !== auth.signedHeaders.join(';')) return false;
  const a = Buffer.from(expected, 'hex');
  const b = Buffer.from(auth.signature, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
