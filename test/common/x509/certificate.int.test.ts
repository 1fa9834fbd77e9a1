/**
 * The common certificate decoder (`common/src/x509/certificate.ts`) against openssl-made
 * certificates, and its structural rules on hand-built DER.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { children, readTlv } from '../../../common/src/der/reader.js';
import { bitString, DER_TRUE, integerFromNumber, octetString, oid, sequence, tlv } from '../../../common/src/der/writer.js';
import {
  authorityKeyIdOf,
  decodeCertificate,
  findExtension,
  readBasicConstraints,
  readExtKeyUsage,
  readKeyUsage,
  subjectKeyIdOf,
} from '../../../common/src/x509/certificate.js';
import { serialHexFromContent } from '../../../common/src/x509/serial.js';
import { certDer, genKey, issueCert, makeTempDir, removeTempDir } from '../../support/openssl.js';

let dir: string;
let caDer: Buffer;
let leafDer: Buffer;
beforeAll(async () => {
  dir = await makeTempDir('rapki-cert-');
  const key = await genKey(dir, 'k.pem', 'ec:P-256');
  caDer = await certDer(dir, await issueCert(dir, 'ca', key, { profile: 'ca', serialHex: '00c0ffee' }));
  leafDer = await certDer(dir, await issueCert(dir, 'leaf', key, { profile: 'leaf', issuer: { cert: `${dir}/ca.crt`, key } }));
});
afterAll(() => removeTempDir(dir));

/** `der` with its TBSCertificate replaced by `edit(fields)` (signature left as is). */
function withTbs(der: Uint8Array, edit: (fields: Uint8Array[]) => Uint8Array[], sig?: Uint8Array): Uint8Array {
  const cert = readTlv(der, 0);
  const [tbs, alg, s] = children(der, cert);
  const fields = children(der, tbs!).map((t) => der.subarray(t.offset, t.end));
  return sequence(sequence(...edit(fields)), der.subarray(alg!.offset, alg!.end), sig ?? der.subarray(s!.offset, s!.end));
}

describe('decodeCertificate', () => {
  it('reads what node:crypto reads from an openssl certificate', () => {
    const c = decodeCertificate(caDer);
    const x = new X509Certificate(caDer);
    expect(c.version).toBe(3);
    expect(serialHexFromContent(c.serial)).toBe(x.serialNumber.toLowerCase());
    expect(Buffer.from(c.serial).toString('hex')).toBe('00c0ffee');
    expect(c.notBefore.getTime()).toBe(new Date(x.validFrom).getTime());
    expect(c.notAfter.getTime()).toBe(new Date(x.validTo).getTime());
    expect(c.signatureOid).toBe('1.2.840.10045.4.3.2');
    expect(Buffer.from(c.signatureAlgorithm).equals(Buffer.from(c.innerSignatureAlgorithm))).toBe(true);
    expect(Buffer.from(c.spki).equals(x.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
    expect(x.verify(x.publicKey)).toBe(true);
  });

  it('reads the extensions the signer and the lint look at', () => {
    const ca = decodeCertificate(caDer);
    expect(readBasicConstraints(findExtension(ca, '2.5.29.19')!.value)).toEqual({ ca: true, pathLen: undefined });
    expect(readKeyUsage(findExtension(ca, '2.5.29.15')!.value)).toMatchObject({
      keyCertSign: true,
      cRLSign: true,
      digitalSignature: true,
      keyEncipherment: false,
    });
    const ski = subjectKeyIdOf(findExtension(ca, '2.5.29.14'));
    expect(ski?.length).toBe(20);
    const leaf = decodeCertificate(leafDer);
    expect(readBasicConstraints(findExtension(leaf, '2.5.29.19')!.value).ca).toBe(false);
    expect(findExtension(leaf, '2.5.29.19')!.critical).toBe(true);
    expect(Buffer.from(leaf.issuer).equals(Buffer.from(ca.subject))).toBe(true);
    const aki = authorityKeyIdOf(findExtension(leaf, '2.5.29.35'));
    if (aki) expect(Buffer.from(aki).equals(Buffer.from(ski!))).toBe(true);
    expect(readExtKeyUsage(sequence(oid('1.3.6.1.5.5.7.3.2'), oid('1.3.6.1.5.5.7.3.1')))).toEqual(['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.1']);
    expect(readBasicConstraints(sequence(DER_TRUE, integerFromNumber(2)))).toEqual({ ca: true, pathLen: 2 });
  });

  it('refuses malformed extension values instead of guessing', () => {
    expect(() => readKeyUsage(tlv(0x03))).toThrow(/empty BIT STRING/);
    expect(() => readKeyUsage(octetString(Uint8Array.of(1)))).toThrow(/keyUsage/);
    expect(() => readBasicConstraints(sequence(DER_TRUE, tlv(0x02, Uint8Array.of(0x80))))).toThrow(/pathLenConstraint/);
    expect(() => readExtKeyUsage(sequence(octetString(Uint8Array.of(1))))).toThrow(/OID expected/);
  });

  it('refuses a signature BIT STRING with unused bits, an unknown TBSCertificate field and an empty serial', () => {
    const unused = withTbs(
      leafDer,
      (f) => f,
      bitString(Uint8Array.of(1)).map((b, i) => (i === 2 ? 3 : b)),
    );
    expect(() => decodeCertificate(unused)).toThrow(expect.objectContaining({ code: 'certificate_unparsable', message: expect.stringMatching(/unused bits/) }));
    expect(() => decodeCertificate(withTbs(leafDer, (f) => [...f, tlv(0xa4, Uint8Array.of(5, 0))]))).toThrow(/unexpected TBSCertificate field/);
    expect(() => decodeCertificate(withTbs(leafDer, (f) => [f[0]!, tlv(0x02), ...f.slice(2)]))).toThrow(/empty serial/);
    // Unique identifiers [1] and [2] are allowed (and skipped).
    expect(decodeCertificate(withTbs(leafDer, (f) => [...f.slice(0, 7), tlv(0x81, Uint8Array.of(0)), ...f.slice(7)])).extensions.length).toBeGreaterThan(0);
  });

  it('refuses a validity date that does not exist (30 February)', () => {
    const bad = withTbs(leafDer, (f) => {
      const validity = sequence(tlv(0x17, Buffer.from('260230000000Z', 'latin1')), tlv(0x17, Buffer.from('270101000000Z', 'latin1')));
      return [...f.slice(0, 4), validity, ...f.slice(5)];
    });
    expect(() => decodeCertificate(bad)).toThrow(/not a valid date/);
  });

  it('refuses trailing bytes and truncation with certificate_unparsable', () => {
    expect(() => decodeCertificate(Buffer.concat([leafDer, Buffer.of(0)]))).toThrow(expect.objectContaining({ code: 'certificate_unparsable' }));
    expect(() => decodeCertificate(leafDer.subarray(0, leafDer.length - 1))).toThrow(expect.objectContaining({ code: 'certificate_unparsable' }));
  });
});
