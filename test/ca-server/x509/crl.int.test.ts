import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { genKey, makeTempDir, openssl, removeTempDir } from '../../support/openssl.js';
import { opensslRun, opensslVerify } from '../../support/openssl-ca.js';
import { makeTestCa, NOW, type TestCa } from './ca-fixture.js';
import { CrlBuilder, issueLeafCertificate, parseCsr, serialHexFromCertificate } from '../../../ca-server/src/x509/index.js';
import { CRL_PEM_MAX_BYTES, CRL_PEM_WARN_BYTES, crlPemBytes, crlToPem } from '../../../common/src/x509/crl.js';
import { derToPem } from '../../../common/src/x509/pem.js';
import { newSerial } from '../../../common/src/x509/serial.js';
import { x509 } from './peculiar.js';

let dir: string;
let spki: Uint8Array;
const HOUR = 3600_000;
beforeAll(async () => {
  dir = await makeTempDir('rapki-x509-crl-');
  const key = await genKey(dir, 'host.key', 'ec:P-256');
  await openssl(['req', '-new', '-key', key, '-subj', '/CN=host', '-out', join(dir, 'host.csr')]);
  spki = parseCsr(await readFile(join(dir, 'host.csr'), 'utf8')).publicKeySpki;
});
afterAll(async () => {
  await removeTempDir(dir);
});

async function leaf(ca: TestCa, name: string): Promise<{ path: string; serialHex: string }> {
  const der = await issueLeafCertificate({
    issuerCertificate: ca.issuer.der,
    issuerSigner: ca.issuer.signer,
    subject: `CN=${name}`,
    sans: [{ type: 'dns', value: `${name}.example.com` }],
    publicKeySpki: spki,
    serial: newSerial(randomBytes),
    notBefore: new Date(NOW.getTime() - HOUR),
    notAfter: new Date(NOW.getTime() + 24 * HOUR),
  });
  const path = join(dir, `${ca.keyType}-${name}.pem`);
  await writeFile(path, derToPem(der, 'CERTIFICATE'));
  return { path, serialHex: serialHexFromCertificate(der) };
}

async function writeCrl(ca: TestCa, b: CrlBuilder, n: bigint, name: string): Promise<{ path: string; der: Uint8Array }> {
  const der = await b.build({ crlNumber: n, thisUpdate: new Date(NOW.getTime() - 60_000), nextUpdate: new Date(NOW.getTime() + 7 * 24 * HOUR) });
  const path = join(dir, `${ca.keyType}-${name}.crl.pem`);
  await writeFile(path, crlToPem(der));
  // Signature and issuer checked by openssl against the issuing CA.
  const r = await opensslRun(['crl', '-in', path, '-noout', '-CAfile', ca.issuer.path]);
  expect(r.stderr + r.stdout).toContain('verify OK');
  expect(r.code).toBe(0);
  return { path, der };
}

function chainArgs(ca: TestCa, crlPath: string): string[] {
  return ['-crl_check', '-CRLfile', crlPath, '-CAfile', ca.root.path, ...(ca.intermediate ? ['-untrusted', ca.intermediate.path] : [])];
}

describe('CrlBuilder checked by openssl', () => {
  for (const [keyType, intermediate] of [
    ['ec-p256', true],
    ['ec-p384', false],
    ['rsa-3072', false],
  ] as const) {
    it(`${keyType}${intermediate ? ' via an intermediate' : ''}: 0, 1 and many entries, then removal`, async () => {
      const ca = await makeTestCa(dir, keyType, { intermediate, name: `crl-${keyType}` });
      const a = await leaf(ca, 'a');
      const b = await leaf(ca, 'b');
      const builder = new CrlBuilder({ issuerCertificate: ca.issuer.der, signer: ca.issuer.signer });

      // 0 entries: valid, empty, CRL number and AKI present; both leaves pass.
      const empty = await writeCrl(ca, builder, 1n, 'empty');
      const emptyText = await openssl(['crl', '-in', empty.path, '-noout', '-text']);
      expect(emptyText).toContain('Version 2 (0x1)');
      expect(emptyText).toContain('No Revoked Certificates.');
      expect(emptyText).toMatch(/X509v3 CRL Number:\s*\n\s+1\n/);
      expect(emptyText).toMatch(/X509v3 Authority Key Identifier:/);
      expect(emptyText).toMatch(/Next Update: /);
      expect((await opensslVerify([...chainArgs(ca, empty.path), a.path])).ok).toBe(true);

      // 1 entry: a revoked (keyCompromise), b still fine.
      builder.add({ serialHex: a.serialHex, revokedAt: NOW, reason: 'keyCompromise' });
      const one = await writeCrl(ca, builder, 2n, 'one');
      const va = await opensslVerify([...chainArgs(ca, one.path), a.path]);
      expect(va.ok).toBe(false);
      expect(va.output).toContain('certificate revoked');
      expect((await opensslVerify([...chainArgs(ca, one.path), b.path])).ok).toBe(true);
      const oneText = await openssl(['crl', '-in', one.path, '-noout', '-text']);
      expect(oneText).toContain(`Serial Number: ${a.serialHex.toUpperCase()}`);
      expect(oneText).toMatch(/X509v3 CRL Reason Code:\s*\n\s+Key Compromise/);

      // Many entries: 500 others with assorted reasons + b (no reason → no extension).
      for (let i = 0; i < 500; i++) {
        builder.add({
          serialHex: Buffer.from(newSerial(randomBytes)).toString('hex'),
          revokedAt: new Date(NOW.getTime() - i * 1000),
          reason: i % 3 ? 'superseded' : undefined,
        });
      }
      builder.add({ serialHex: b.serialHex.toUpperCase().replace(/(..)(?!$)/g, '$1:'), revokedAt: NOW });
      expect(builder.size).toBe(502);
      const many = await writeCrl(ca, builder, 3n, 'many');
      expect((await opensslVerify([...chainArgs(ca, many.path), a.path])).output).toContain('certificate revoked');
      expect((await opensslVerify([...chainArgs(ca, many.path), b.path])).output).toContain('certificate revoked');
      const p = new x509.X509Crl(many.der);
      expect(p.entries.length).toBe(502);
      expect(await p.verify({ publicKey: new x509.X509Certificate(ca.issuer.der).publicKey })).toBe(true);
      const bEntry = p.entries.find((e) => e.serialNumber === b.serialHex)!;
      expect(bEntry.reason).toBeUndefined();

      // Removal: a leaves the list (e.g. certificateHold lifted), b stays revoked.
      expect(builder.remove(a.serialHex)).toBe(true);
      expect(builder.remove(a.serialHex)).toBe(false);
      expect(builder.has(a.serialHex)).toBe(false);
      expect(builder.has(`0x${b.serialHex}`)).toBe(true);
      const after = await writeCrl(ca, builder, 4n, 'after');
      expect((await opensslVerify([...chainArgs(ca, after.path), a.path])).ok).toBe(true);
      expect((await opensslVerify([...chainArgs(ca, after.path), b.path])).output).toContain('certificate revoked');
      expect(new x509.X509Crl(after.der).entries.length).toBe(501);
    }, 30_000);
  }

  it('validates reasons and serials, replaces duplicates, prunes expired entries', async () => {
    const ca = await makeTestCa(dir, 'ec-p256', { name: 'crl-misc' });
    const b = new CrlBuilder({ issuerCertificate: ca.issuer.der, signer: ca.issuer.signer });
    expect(() => b.add({ serialHex: '01', revokedAt: NOW, reason: 'bogus' })).toThrow(expect.objectContaining({ code: 'crl_reason_invalid' }));
    expect(() => b.add({ serialHex: '01', revokedAt: NOW, reason: 'toString' })).toThrow(expect.objectContaining({ code: 'crl_reason_invalid' }));
    expect(() => b.add({ serialHex: 'xyz', revokedAt: NOW })).toThrow(expect.objectContaining({ code: 'serial_invalid' }));
    b.add({ serialHex: '00FF01', revokedAt: NOW, notAfter: new Date(NOW.getTime() - 1000) });
    b.add({ serialHex: 'ff:01', revokedAt: NOW, reason: 'cessationOfOperation', notAfter: new Date(NOW.getTime() - 1000) });
    b.add({ serialHex: '7f', revokedAt: NOW, notAfter: new Date(NOW.getTime() + HOUR) });
    expect(b.size).toBe(2);
    const der = await b.build({ crlNumber: 10n, thisUpdate: NOW, nextUpdate: new Date(NOW.getTime() + HOUR) });
    const p = new x509.X509Crl(der);
    expect(p.entries.map((e) => e.serialNumber).sort()).toEqual(['7f', 'ff01']);
    // The positive serial 0xff01 needs a sign byte in DER (X.690 §8.3.2).
    expect(Buffer.from(der).includes(Buffer.of(0x02, 0x03, 0x00, 0xff, 0x01))).toBe(true);
    expect(b.pruneExpired(NOW)).toBe(1);
    expect(b.size).toBe(1);
    await expect(b.build({ crlNumber: 11n, thisUpdate: NOW, nextUpdate: NOW })).rejects.toThrow(/before/);
  });

  it('reports the PEM size against the 300,000-byte Roles Anywhere limit', async () => {
    const ca = await makeTestCa(dir, 'ec-p256', { name: 'crl-size' });
    const b = new CrlBuilder({ issuerCertificate: ca.issuer.der, signer: ca.issuer.signer });
    for (let i = 0; i < 4_000; i++) b.add({ serialHex: Buffer.from(newSerial(randomBytes)).toString('hex'), revokedAt: NOW, reason: 'keyCompromise' });
    let der = await b.build({ crlNumber: 1n, thisUpdate: NOW, nextUpdate: new Date(NOW.getTime() + HOUR) });
    expect(crlPemBytes(der)).toBe(crlToPem(der).length);
    // 4,000 entries: about 85 % of the limit, below the CA's 90 % warning (see test/common/x509/crl.int.test.ts for above it).
    expect(CRL_PEM_MAX_BYTES).toBe(300_000);
    expect(crlPemBytes(der)).toBeGreaterThan(0.8 * CRL_PEM_MAX_BYTES);
    expect(crlPemBytes(der)).toBeLessThan(CRL_PEM_WARN_BYTES);
    // One more revocation and rebuild stays fast (the bench measures it properly).
    b.add({ serialHex: Buffer.from(newSerial(randomBytes)).toString('hex'), revokedAt: NOW, reason: 'keyCompromise' });
    const t0 = performance.now();
    await b.build({ crlNumber: 2n, thisUpdate: NOW, nextUpdate: new Date(NOW.getTime() + HOUR) });
    expect(performance.now() - t0).toBeLessThan(500);
    for (let i = 0; i < 2_000; i++) b.add({ serialHex: Buffer.from(newSerial(randomBytes)).toString('hex'), revokedAt: NOW, reason: 'keyCompromise' });
    der = await b.build({ crlNumber: 3n, thisUpdate: NOW, nextUpdate: new Date(NOW.getTime() + HOUR) });
    expect(crlPemBytes(der)).toBeGreaterThan(CRL_PEM_MAX_BYTES);
    const path = join(dir, 'big.crl.pem');
    await writeFile(path, crlToPem(der));
    const text = await openssl(['crl', '-in', path, '-noout', '-text']);
    expect(text.match(/Serial Number: /g)?.length).toBe(6_001);
    const r = await opensslRun(['crl', '-in', path, '-noout', '-CAfile', ca.issuer.path]);
    expect(r.stderr + r.stdout).toContain('verify OK');
  });
});
