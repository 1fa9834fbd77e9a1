import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { genKey, makeTempDir, openssl, removeTempDir } from '../../support/openssl.js';
import { opensslVerify } from '../../support/openssl-ca.js';
import { makeTestCa, NOW, type TestCa } from './ca-fixture.js';
import {
  issueLeafCertificate,
  lintLeafCertificate,
  parseCsr,
  parseCertificateSummary,
  parseDn,
  type CaKeyType,
  type ParsedCsr,
} from '../../../ca-server/src/x509/index.js';
import { derToPem } from '../../../common/src/x509/pem.js';
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import { newSerial } from '../../../common/src/x509/serial.js';
import { x509 } from './peculiar.js';

let dir: string;
let csr: ParsedCsr;
beforeAll(async () => {
  dir = await makeTempDir('rapki-x509-leaf-');
  const key = await genKey(dir, 'host.key', 'ec:P-256');
  await openssl([
    'req',
    '-new',
    '-key',
    key,
    '-subj',
    '/O=Example Corp/OU=Fleet/CN=web-1.example.com',
    '-addext',
    'subjectAltName=DNS:web-1.example.com,IP:10.0.0.7,IP:2001:db8::7,URI:spiffe://example.com/web-1',
    '-out',
    join(dir, 'host.csr'),
  ]);
  csr = parseCsr(await readFile(join(dir, 'host.csr'), 'utf8'));
});
afterAll(async () => {
  await removeTempDir(dir);
});

const SIG_NAME: Record<CaKeyType, string> = {
  'ec-p256': 'ecdsa-with-SHA256',
  'ec-p384': 'ecdsa-with-SHA384',
  'rsa-3072': 'sha256WithRSAEncryption',
  'rsa-4096': 'sha256WithRSAEncryption',
};

async function issueAndCheck(ca: TestCa, label: string): Promise<void> {
  const serial = newSerial(randomBytes);
  const notBefore = new Date(Math.floor(NOW.getTime() / 1000) * 1000 - 5 * 60_000);
  const notAfter = new Date(notBefore.getTime() + 24 * 3600_000);
  const der = await issueLeafCertificate({
    issuerCertificate: ca.issuer.der,
    issuerSigner: ca.issuer.signer,
    subject: csr.subject,
    sans: csr.sans,
    publicKeySpki: csr.publicKeySpki,
    serial,
    notBefore,
    notAfter,
  });
  // Our own lint accepts it.
  lintLeafCertificate(der, ca.issuer.der, { sans: csr.sans });

  // openssl: chain verification (with the intermediate as untrusted when there is one).
  const leafPath = join(dir, `${label}-leaf.pem`);
  await writeFile(leafPath, derToPem(der, 'CERTIFICATE'));
  const chainArgs = ca.intermediate ? ['-untrusted', ca.intermediate.path] : [];
  const v = await opensslVerify(['-CAfile', ca.root.path, ...chainArgs, '-purpose', 'sslclient', leafPath]);
  expect(v.output).toContain(': OK');
  expect(v.ok).toBe(true);

  // openssl -text: the profile.
  const text = await openssl(['x509', '-in', leafPath, '-noout', '-text']);
  expect(text).toContain('Version: 3 (0x2)');
  expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
  expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
  expect(text).toMatch(/X509v3 Extended Key Usage:\s*\n\s+TLS Web Client Authentication\n/);
  expect(text).toMatch(
    /X509v3 Subject Alternative Name:\s*\n\s+DNS:web-1.example.com, IP Address:10.0.0.7, IP Address:2001:DB8:0:0:0:0:0:7, URI:spiffe:\/\/example.com\/web-1/,
  );
  expect(text).toContain(`Signature Algorithm: ${SIG_NAME[ca.keyType]}`);
  expect(text).toContain('Subject: O = Example Corp, OU = Fleet, CN = web-1.example.com');
  const ski = /X509v3 Subject Key Identifier:\s*\n\s+([0-9A-F:]+)/.exec(text)?.[1];
  const aki = /X509v3 Authority Key Identifier:\s*\n\s+(?:keyid:)?([0-9A-F:]+)/.exec(text)?.[1];
  const issuerText = await openssl(['x509', '-in', ca.issuer.path, '-noout', '-text']);
  const issuerSki = /X509v3 Subject Key Identifier:\s*\n\s+([0-9A-F:]+)/.exec(issuerText)?.[1];
  expect(ski).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
  expect(aki).toBe(issuerSki);
  const serialOut = (await openssl(['x509', '-in', leafPath, '-noout', '-serial'])).trim();
  expect(serialOut).toBe(`serial=${Buffer.from(serial).toString('hex').toUpperCase()}`);

  // @peculiar/x509's independent parse sees the same fields.
  const p = new x509.X509Certificate(der);
  expect(Buffer.from(p.subjectName.toArrayBuffer()).toString('hex')).toBe(Buffer.from(parseDn(csr.subject)).toString('hex'));
  expect(p.serialNumber).toBe(Buffer.from(serial).toString('hex'));
  expect(p.notBefore.getTime()).toBe(notBefore.getTime());
  expect(p.notAfter.getTime()).toBe(notAfter.getTime());
  expect(p.issuer).toBe(new x509.X509Certificate(ca.issuer.der).subject);
  const bc = p.getExtension(x509.BasicConstraintsExtension)!;
  expect(bc.ca).toBe(false);
  expect(bc.critical).toBe(true);
  const ku = p.getExtension(x509.KeyUsagesExtension)!;
  expect(ku.usages).toBe(x509.KeyUsageFlags.digitalSignature);
  expect(ku.critical).toBe(true);
  const eku = p.getExtension(x509.ExtendedKeyUsageExtension)!;
  expect(eku.usages).toEqual([x509.ExtendedKeyUsage.clientAuth]);
  const san = p.getExtension(x509.SubjectAlternativeNameExtension)!;
  expect(san.names.items.map((n) => `${n.type}:${n.value}`)).toEqual([
    'dns:web-1.example.com',
    'ip:10.0.0.7',
    'ip:2001:db8::7',
    'url:spiffe://example.com/web-1',
  ]);
  const skiExt = p.getExtension(x509.SubjectKeyIdentifierExtension)!;
  const expectedSki = Buffer.from(await await p.publicKey.getKeyIdentifier('SHA-1')).toString('hex');
  expect(skiExt.keyId).toBe(expectedSki);
  const akiExt = p.getExtension(x509.AuthorityKeyIdentifierExtension)!;
  expect(akiExt.keyId).toBe(new x509.X509Certificate(ca.issuer.der).getExtension(x509.SubjectKeyIdentifierExtension)!.keyId);
  expect(Buffer.from(p.publicKey.rawData).equals(Buffer.from(csr.publicKeySpki))).toBe(true);
  expect(await p.verify({ publicKey: new x509.X509Certificate(ca.issuer.der), signatureOnly: true })).toBe(true);

  // Inventory summary agrees.
  const s = parseCertificateSummary(der);
  expect(s.subject).toBe('CN=web-1.example.com,OU=Fleet,O=Example Corp');
  expect(s.serialHex).toBe(Buffer.from(serial).toString('hex'));
  expect(s.fingerprint).toBe(sha256Fingerprint(der));
  const osslFp = (await openssl(['x509', '-in', leafPath, '-noout', '-fingerprint', '-sha256'])).trim();
  expect(osslFp).toBe(`sha256 Fingerprint=${s.fingerprint.toUpperCase().replace(/(..)(?!$)/g, '$1:')}`);
  expect(s.sans).toEqual(csr.sans);
}

describe('issueLeafCertificate (lean DER path) checked by openssl and @peculiar/x509', () => {
  for (const keyType of ['ec-p256', 'ec-p384', 'rsa-3072'] as const) {
    it(`${keyType}: root issues leaves`, async () => {
      await issueAndCheck(await makeTestCa(dir, keyType, { name: `${keyType}-r` }), `${keyType}-r`);
    });
    it(`${keyType}: root -> intermediate issues leaves`, async () => {
      await issueAndCheck(await makeTestCa(dir, keyType, { intermediate: true, name: `${keyType}-i` }), `${keyType}-i`);
    });
  }
  it('rsa-4096: root issues leaves', async () => {
    await issueAndCheck(await makeTestCa(dir, 'rsa-4096'), 'rsa-4096');
  }, 60_000);

  it('uses GeneralizedTime from 2050 on and serverAuth when asked', async () => {
    const ca = await makeTestCa(dir, 'ec-p256', { name: 'gt' });
    const der = await issueLeafCertificate({
      issuerCertificate: ca.issuer.der,
      issuerSigner: ca.issuer.signer,
      subject: 'CN=late',
      sans: [],
      publicKeySpki: csr.publicKeySpki,
      serial: newSerial(randomBytes),
      notBefore: new Date('2049-12-31T23:00:00Z'),
      notAfter: new Date('2050-01-01T01:00:00Z'),
      extKeyUsage: ['serverAuth', 'clientAuth'],
    });
    // UTCTime then GeneralizedTime (RFC 5280 §4.1.2.5).
    expect(Buffer.from(der).includes(Buffer.from('\x17\x0d491231230000Z', 'latin1'))).toBe(true);
    expect(Buffer.from(der).includes(Buffer.from('\x18\x0f20500101010000Z', 'latin1'))).toBe(true);
    const path = join(dir, 'gt.pem');
    await writeFile(path, derToPem(der, 'CERTIFICATE'));
    const text = await openssl(['x509', '-in', path, '-noout', '-text']);
    expect(text).toContain('Not After : Jan  1 01:00:00 2050 GMT');
    expect(text).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
    expect(text).not.toContain('Subject Alternative Name');
    const p = new x509.X509Certificate(der);
    expect(p.notAfter.toISOString()).toBe('2050-01-01T01:00:00.000Z');
  });

  it('refuses a signer that does not match the issuer certificate', async () => {
    const a = await makeTestCa(dir, 'ec-p256', { name: 'mm-a' });
    const b = await makeTestCa(dir, 'ec-p256', { name: 'mm-b' });
    await expect(
      issueLeafCertificate({
        issuerCertificate: a.issuer.der,
        issuerSigner: b.issuer.signer,
        subject: 'CN=x',
        sans: [],
        publicKeySpki: csr.publicKeySpki,
        serial: newSerial(randomBytes),
        notBefore: NOW,
        notAfter: new Date(NOW.getTime() + 1000_000),
      }),
    ).rejects.toMatchObject({ code: 'ca_signer_mismatch' });
  });

  it('refuses an empty subject and bad SANs with coded errors', async () => {
    const ca = await makeTestCa(dir, 'ec-p256', { name: 'bad' });
    const base = {
      issuerCertificate: ca.issuer.der,
      issuerSigner: ca.issuer.signer,
      publicKeySpki: csr.publicKeySpki,
      serial: newSerial(randomBytes),
      notBefore: NOW,
      notAfter: new Date(NOW.getTime() + 1000_000),
    };
    await expect(issueLeafCertificate({ ...base, subject: '', sans: [] })).rejects.toMatchObject({ code: 'dn_invalid' });
    await expect(issueLeafCertificate({ ...base, subject: 'CN=a', sans: [{ type: 'dns', value: 'bad name!' }] })).rejects.toMatchObject({
      code: 'san_invalid',
    });
    await expect(issueLeafCertificate({ ...base, subject: 'CN=a', sans: [{ type: 'ip', value: '10.0.0.256' }] })).rejects.toMatchObject({
      code: 'san_invalid',
    });
  });
});
