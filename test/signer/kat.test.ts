/**
 * Known-answer tests from requests captured from the official aws_signing_helper v1.1.1
 * (fixtures in test/fixtures/kat/rolesanywhere-signer-kat, Apache-2.0, see LICENSE there).
 */
import { createHash, createVerify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keySignerFromPem } from '../../signer/src/keys/key-signer-from-pem.js';
import { signCreateSessionRequest } from '../../signer/src/request/sign-create-session.js';
import type { KeySigner } from '../../signer/src/types.js';
import { readKatVectors, type KatVector } from '../support/kat-vectors.js';

const dir = fileURLToPath(new URL('../fixtures/kat/rolesanywhere-signer-kat/', import.meta.url));
const read = (name: string): string => readFileSync(dir + name, 'utf8');

const vectors = readKatVectors();
const vectorA = vectors.find((v) => v.name === 'rsa-2048-query-arns') as KatVector;
const vectorB = vectors.find((v) => v.name === 'ecdsa-p384-query-arns') as KatVector;

function dateOf(amz: string): Date {
  const n = (a: number, b: number): number => Number(amz.slice(a, b));
  return new Date(Date.UTC(n(0, 4), n(4, 6) - 1, n(6, 8), n(9, 11), n(11, 13), n(13, 15)));
}

function inputOf(v: KatVector) {
  return {
    trustAnchorArn: v.query.trustAnchorArn,
    profileArn: v.query.profileArn,
    roleArn: v.query.roleArn,
    region: v.region,
    durationSeconds: JSON.parse(v.body).durationSeconds as number,
    host: v.host,
  };
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('KAT vector A (RSA-2048, deterministic)', () => {
  it('reproduces the Authorization header byte for byte', async () => {
    const signer = keySignerFromPem({ certificatePem: read(vectorA.certificate), privateKeyPem: read(vectorA.privateKey as string) });
    const req = await signCreateSessionRequest(inputOf(vectorA), signer, dateOf(vectorA.amzDate));
    expect(req.body).toBe(vectorA.body);
    expect(sha256(req.body)).toBe(vectorA.payloadSha256);
    expect(sha256(req.canonicalRequest)).toBe(vectorA.canonicalRequestSha256);
    expect(req.headers['Authorization']).toBe(vectorA.authorization);
    expect(req.headers['X-Amz-Date']).toBe(vectorA.amzDate);
    expect(req.headers['Host']).toBe(vectorA.host);
    expect(req.headers['X-Amz-X509-Chain']).toBeUndefined();
    const der = new X509Certificate(read(vectorA.certificate)).raw;
    expect(req.headers['X-Amz-X509']).toBe(der.toString('base64'));
    expect(req.pathAndQuery).toBe(
      '/sessions?profileArn=' +
        encodeURIComponent(vectorA.query.profileArn) +
        '&roleArn=' +
        encodeURIComponent(vectorA.query.roleArn) +
        '&trustAnchorArn=' +
        encodeURIComponent(vectorA.query.trustAnchorArn),
    );
  });

  it('fails the KAT when the body changes (control)', async () => {
    const signer = keySignerFromPem({ certificatePem: read(vectorA.certificate), privateKeyPem: read(vectorA.privateKey as string) });
    const req = await signCreateSessionRequest({ ...inputOf(vectorA), durationSeconds: 3601 }, signer, dateOf(vectorA.amzDate));
    expect(req.headers['Authorization']).not.toBe(vectorA.authorization);
  });
});

describe('KAT vector B (ECDSA P-384, verify only)', () => {
  it('rebuilds the canonical request and the captured signature verifies with SHA-256', async () => {
    const cert = new X509Certificate(read(vectorB.certificate));
    // A signer that returns the captured signature: everything else is our request building.
    const captured: KeySigner = {
      certificate: cert.raw,
      chain: [],
      algorithm: 'AWS4-X509-ECDSA-SHA256',
      sign: () => Promise.resolve(Buffer.from(vectorB.signature as string, 'hex')),
    };
    const req = await signCreateSessionRequest(inputOf(vectorB), captured, dateOf(vectorB.amzDate));
    expect(sha256(req.canonicalRequest)).toBe(vectorB.canonicalRequestSha256);
    expect(req.headers['Authorization']).toBe(
      `AWS4-X509-ECDSA-SHA256 Credential=${vectorB.credential}, SignedHeaders=${vectorB.signedHeaders}, Signature=${vectorB.signature}`,
    );
    const ok = createVerify('sha256')
      .update(req.stringToSign)
      .verify(cert.publicKey, Buffer.from(vectorB.signature as string, 'hex'));
    expect(ok).toBe(true);
    const with384 = createVerify('sha384')
      .update(req.stringToSign)
      .verify(cert.publicKey, Buffer.from(vectorB.signature as string, 'hex'));
    expect(with384).toBe(false);
  });
});
