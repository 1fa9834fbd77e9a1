import { spawnSync } from 'node:child_process';
import { sign as nodeSign } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsr, buildCsrPem, buildCsrPemWithSigner } from '../../../cli/src/ca-client/csr.js';
import { integer, oid, tlv } from '../../../cli/src/ca-client/der.js';
import { generateHostKey, HOST_KEY_TYPES, keyTypeOf } from '../../../cli/src/ca-client/key-types.js';
import { parseSan } from '../../../cli/src/ca-client/san.js';
import { makeTempDir, openssl, removeTempDir } from '../../support/openssl.js';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('rapki-csr-');
});
afterAll(() => removeTempDir(dir));

describe('DER writer', () => {
  it('encodes INTEGERs minimally with a sign byte when needed (X.690 §8.3)', () => {
    expect(integer(0).toString('hex')).toBe('020100');
    expect(integer(127).toString('hex')).toBe('02017f');
    expect(integer(128).toString('hex')).toBe('02020080');
    expect(integer(0x10001).toString('hex')).toBe('0203010001');
  });
  it('encodes OIDs (X.690 §8.19)', () => {
    expect(oid('2.5.29.17').toString('hex')).toBe('0603551d11');
    expect(oid('1.2.840.113549.1.9.14').toString('hex')).toBe('06092a864886f70d01090e');
    expect(oid('1.2.840.10045.4.3.2').toString('hex')).toBe('06082a8648ce3d040302');
  });
  it('uses long-form lengths from 128 bytes on (X.690 §8.1.3.5)', () => {
    expect(tlv(0x04, Buffer.alloc(127)).subarray(0, 2).toString('hex')).toBe('047f');
    expect(tlv(0x04, Buffer.alloc(128)).subarray(0, 3).toString('hex')).toBe('048180');
    expect(tlv(0x04, Buffer.alloc(300)).subarray(0, 4).toString('hex')).toBe('0482012c');
  });
});

describe('buildCsr, checked by openssl', () => {
  const sans = ['dns:web-1.example.com', 'ip:10.0.0.7', 'ip:2001:db8::1', 'uri:spiffe://example/web', 'email:ops@example.com'].map(parseSan);

  it.each(HOST_KEY_TYPES.filter((t) => t !== 'rsa-4096' && t !== 'rsa-3072'))('%s: signature verifies, names and algorithm as asked', async (type) => {
    const key = await generateHostKey(type);
    expect(keyTypeOf(key.privateKey)).toBe(type);
    const pem = buildCsrPem({ commonName: 'web-1', sans, privateKey: key.privateKey, publicKey: key.publicKey });
    const file = join(dir, `${type}.csr`);
    await writeFile(file, pem);
    const text = await openssl(['req', '-in', file, '-noout', '-verify', '-text']);
    expect(text).toMatch(/Subject: CN\s?=\s?web-1/);
    expect(text).toContain('DNS:web-1.example.com');
    expect(text).toContain('IP Address:10.0.0.7');
    expect(text).toContain('IP Address:2001:DB8:0:0:0:0:0:1');
    expect(text).toContain('URI:spiffe://example/web');
    expect(text).toContain('email:ops@example.com');
    const alg = type === 'ec-p384' ? 'ecdsa-with-SHA384' : type.startsWith('ec') ? 'ecdsa-with-SHA256' : 'sha256WithRSAEncryption';
    expect(text).toContain(`Signature Algorithm: ${alg}`);
    // The public key in the CSR is the one generated.
    const pub = await openssl(['req', '-in', file, '-noout', '-pubkey']);
    expect(pub.trim()).toBe((key.publicKey.export({ type: 'spki', format: 'pem' }) as string).trim());
  });

  it('without SANs has no extensionRequest; a tampered CSR fails verification', async () => {
    const key = await generateHostKey('ec-p256');
    const der = buildCsr({ commonName: 'db-2', sans: [], privateKey: key.privateKey, publicKey: key.publicKey });
    const good = join(dir, 'nosan.der');
    await writeFile(good, der);
    const text = await openssl(['req', '-inform', 'DER', '-in', good, '-noout', '-verify', '-text']);
    expect(text).not.toContain('Subject Alternative Name');
    expect(text).toMatch(/Attributes:\s+\(none\)/);
    expect(text).toMatch(/CN\s?=\s?db-2/);
    const bad = Buffer.from(der);
    const at = bad.indexOf(Buffer.from('db-2'));
    bad[at] = 'x'.charCodeAt(0);
    const badFile = join(dir, 'tampered.der');
    await writeFile(badFile, bad);
    // openssl 3.0 exits 0 on a failed self-signature check; read what it says instead.
    const said = (f: string): string =>
      spawnSync('openssl', ['req', '-inform', 'DER', '-in', f, '-noout', '-verify'], { encoding: 'utf8' }).stderr;
    expect(said(good)).toMatch(/verify OK/);
    expect(said(badFile)).toMatch(/verify failure/);
  });

  it('is also accepted by an independent parser (@peculiar/x509)', async () => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    const key = await generateHostKey('ec-p384');
    const pem = buildCsrPem({ commonName: 'app-3', sans: sans.slice(0, 2), privateKey: key.privateKey, publicKey: key.publicKey });
    const req = new x509.Pkcs10CertificateRequest(pem);
    expect(await req.verify()).toBe(true);
    expect(req.subject).toBe('CN=app-3');
    const ext = req.getExtension('2.5.29.17') as InstanceType<typeof x509.SubjectAlternativeNameExtension> | null;
    expect(ext?.names.toJSON()).toEqual([
      { type: 'dns', value: 'web-1.example.com' },
      { type: 'ip', value: '10.0.0.7' },
    ]);
  });
});

describe('buildCsrPemWithSigner (a key that signs elsewhere, e.g. a PKCS#11 token)', () => {
  it.each(['ec-p256', 'ec-p384', 'rsa-2048'] as const)('%s: SHA-256 signature from the sign function verifies in openssl', async (type) => {
    const key = await generateHostKey(type);
    const signed: Uint8Array[] = [];
    const pem = await buildCsrPemWithSigner({
      commonName: 'token-host',
      sans: [parseSan('dns:token-host.example.com')],
      spki: key.publicKey.export({ type: 'spki', format: 'der' }),
      // The KeySigner contract: SHA-256, PKCS#1 v1.5 or DER ECDSA.
      signer: { sign: async (data) => (signed.push(data), nodeSign('sha256', data, key.privateKey)) },
    });
    expect(signed).toHaveLength(1);
    const file = join(dir, `ext-${type}.csr`);
    await writeFile(file, pem);
    const r = spawnSync('openssl', ['req', '-in', file, '-noout', '-verify', '-text'], { encoding: 'utf8' });
    expect(r.stderr).toMatch(/verify OK/i);
    expect(r.stdout).toContain(`Signature Algorithm: ${type.startsWith('ec') ? 'ecdsa-with-SHA256' : 'sha256WithRSAEncryption'}`);
    expect(r.stdout).toContain('DNS:token-host.example.com');
  });

  it('a signature that does not match the key fails openssl verification', async () => {
    const key = await generateHostKey('ec-p256');
    const other = await generateHostKey('ec-p256');
    const pem = await buildCsrPemWithSigner({
      commonName: 'token-host',
      sans: [],
      spki: key.publicKey.export({ type: 'spki', format: 'der' }),
      signer: { sign: async (data) => nodeSign('sha256', data, other.privateKey) },
    });
    const file = join(dir, 'ext-mismatch.csr');
    await writeFile(file, pem);
    const r = spawnSync('openssl', ['req', '-in', file, '-noout', '-verify'], { encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/verify OK/i);
    expect(r.stderr).toMatch(/fail/i);
  });
});
