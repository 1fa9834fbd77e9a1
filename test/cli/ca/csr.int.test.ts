import { spawnSync } from 'node:child_process';
import { sign as nodeSign } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsr, buildCsrPem, buildCsrPemWithSigner } from '../../../cli/src/ca-client/csr.js';
import { generateHostKey, HOST_KEY_TYPES, keyTypeOf } from '../../../cli/src/ca-client/key-types.js';
import { parseSan } from '../../../cli/src/ca-client/san.js';
import { makeTempDir, openssl, removeTempDir } from '../../support/openssl.js';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('rapki-csr-');
});
afterAll(() => removeTempDir(dir));

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
    const said = (f: string): string => spawnSync('openssl', ['req', '-inform', 'DER', '-in', f, '-noout', '-verify'], { encoding: 'utf8' }).stderr;
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

describe('buildCsr and the CA agree on IP addresses', () => {
  it('an IPv4-mapped IPv6 SAN (::ffff:192.0.2.1) is encoded as the CA encodes it, so the CA reads back the same name', async () => {
    const { parseCsr } = await import('../../../ca-server/src/x509/csr.js');
    const { canonicalSan } = await import('../../../ca-server/src/x509/san.js');
    const key = await generateHostKey('ec-p256');
    // The dotted tail as given (parseSan would canonicalise it first; the encoder must not depend on that).
    const asked = [{ type: 'ip' as const, value: '::ffff:192.0.2.1' }, ...['ip:::ffff:c000:201', 'ip:2001:db8::1', 'ip:10.0.0.7'].map(parseSan)];
    const parsed = parseCsr(buildCsrPem({ commonName: 'mapped', sans: asked, privateKey: key.privateKey, publicKey: key.publicKey }));
    expect(parsed.sans.map(canonicalSan)).toEqual(asked.map(canonicalSan));
    expect(parsed.sans.map(canonicalSan)[0]).toBe('ip:::ffff:c000:201');
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
