/** The DER reader against certificates made by openssl, each field compared with openssl's own view. */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../../signer/src/x509/parse-certificate.js';
import { signatureAlgorithmName } from '../../../signer/src/x509/signature-algorithms.js';
import { certDer, genKey, issueCert, makeTempDir, openssl, removeTempDir, type CertProfile } from '../../support/openssl.js';

let dir: string;
let ecKey: string;
let rsaKey: string;
beforeAll(async () => {
  dir = await makeTempDir();
  ecKey = await genKey(dir, 'ec.key', 'ec:P-256');
  rsaKey = await genKey(dir, 'rsa.key', 'rsa:2048');
});
afterAll(() => removeTempDir(dir));

async function opensslDate(cert: string, which: 'startdate' | 'enddate'): Promise<Date> {
  const out = (await openssl(['x509', '-in', cert, '-noout', `-${which}`])).trim();
  return new Date(out.replace(/^not(Before|After)=/, ''));
}

describe('parseCertificate', () => {
  const cases: Array<[CertProfile, { ca: boolean | undefined; ds: boolean | undefined; kcs: boolean | undefined; version: number }]> = [
    ['leaf', { ca: false, ds: true, kcs: false, version: 3 }],
    ['ca', { ca: true, ds: true, kcs: true, version: 3 }],
    ['leaf-no-digital-signature', { ca: false, ds: false, kcs: false, version: 3 }],
    ['leaf-no-key-usage', { ca: false, ds: undefined, kcs: undefined, version: 3 }],
    ['v1', { ca: undefined, ds: undefined, kcs: undefined, version: 1 }],
  ];
  for (const [profile, want] of cases) {
    it(`reads version, basicConstraints and keyUsage of a "${profile}" certificate`, async () => {
      const cert = await issueCert(dir, `p-${profile}`, ecKey, { profile });
      const info = parseCertificate(await certDer(dir, cert));
      expect(info.version).toBe(want.version);
      expect(info.basicConstraintsCa).toBe(want.ca);
      expect(info.keyUsage?.digitalSignature).toBe(want.ds);
      expect(info.keyUsage?.keyCertSign).toBe(want.kcs);
      const text = await openssl(['x509', '-in', cert, '-noout', '-text']);
      expect(text).toContain(`Version: ${want.version} `);
    });
  }

  it('reads serial, validity and signature algorithm as openssl does', async () => {
    const cert = await issueCert(dir, 'fields', rsaKey, { serialHex: '00c0ffee', days: 7, digest: 'sha384' });
    const info = parseCertificate(await certDer(dir, cert));
    expect(info.serialDecimal).toBe(String(0xc0ffee));
    expect(Buffer.from(info.serialBytes).toString('hex')).toBe('00c0ffee');
    expect(info.notBefore.getTime()).toBe((await opensslDate(cert, 'startdate')).getTime());
    expect(info.notAfter.getTime()).toBe((await opensslDate(cert, 'enddate')).getTime());
    expect(signatureAlgorithmName(info.signatureAlgorithmOid)).toBe('sha384WithRSAEncryption');
    expect(info.subjectEmpty).toBe(false);
    expect(Buffer.from(info.issuerDer).equals(Buffer.from(info.subjectDer))).toBe(true);
  });

  it('reads SHA-1 and MD5 signature algorithms', async () => {
    const sha1 = parseCertificate(await certDer(dir, await issueCert(dir, 'sha1', ecKey, { digest: 'sha1' })));
    expect(signatureAlgorithmName(sha1.signatureAlgorithmOid)).toBe('ecdsa-with-SHA1');
    const md5 = parseCertificate(await certDer(dir, await issueCert(dir, 'md5', rsaKey, { digest: 'md5' })));
    expect(signatureAlgorithmName(md5.signatureAlgorithmOid)).toBe('md5WithRSAEncryption');
  });

  it('recognises an empty subject', async () => {
    const info = parseCertificate(await certDer(dir, await issueCert(dir, 'empty', ecKey, { subject: '/' })));
    expect(info.subjectEmpty).toBe(true);
  });

  it('returns the exact tbsCertificate that the signature covers', async () => {
    const der = await certDer(dir, await issueCert(dir, 'tbs', rsaKey));
    const info = parseCertificate(der);
    const { createVerify, X509Certificate } = await import('node:crypto');
    const ok = createVerify('sha256').update(info.tbsDer).verify(new X509Certificate(der).publicKey, Buffer.from(info.signatureValue));
    expect(ok).toBe(true);
  });

  it('refuses truncated, trailing-garbage and non-certificate DER with certificate_unparsable', async () => {
    const der = await certDer(dir, await issueCert(dir, 'trunc', ecKey));
    expect(() => parseCertificate(der.subarray(0, der.length - 1))).toThrow(expect.objectContaining({ code: 'certificate_unparsable' }));
    expect(() => parseCertificate(Buffer.concat([der, Buffer.of(0)]))).toThrow(expect.objectContaining({ code: 'certificate_unparsable' }));
    expect(() => parseCertificate(Buffer.from('300100', 'hex'))).toThrow(expect.objectContaining({ code: 'certificate_unparsable' }));
    expect(() => parseCertificate(new Uint8Array())).toThrow(expect.objectContaining({ code: 'certificate_unparsable' }));
  });

  it('parses the KAT certificates (serials 21 and 3)', async () => {
    const { X509Certificate } = await import('node:crypto');
    const base = new URL('../../fixtures/kat/rolesanywhere-signer-kat/', import.meta.url);
    const rsa = new X509Certificate(await readFile(new URL('alice-cert.crt', base))).raw;
    const ec = new X509Certificate(await readFile(new URL('alice-cert-ecc.crt', base))).raw;
    expect(parseCertificate(rsa).serialDecimal).toBe('21');
    expect(parseCertificate(ec).serialDecimal).toBe('3');
  });
});
