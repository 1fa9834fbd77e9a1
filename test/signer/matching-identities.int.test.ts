/**
 * formatMatchingIdentities: the helper's "Matching identities" listing, every field checked
 * against what openssl says about the same certificates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMatchingIdentities } from '../../signer/src/matching-identities.js';
import { certDer, genKey, issueCert, makeTempDir, openssl, removeTempDir } from '../support/openssl.js';

let dir: string;
let root: { cert: string; key: string; der: Buffer };
let leaf: { cert: string; der: Buffer };

/** Go pkix.Name.String() of what openssl prints with RFC 2253 flags (already last-RDN-first). */
async function opensslName(cert: string, which: 'subject' | 'issuer'): Promise<string> {
  const out = await openssl(['x509', '-in', cert, '-noout', `-${which}`, '-nameopt', 'RFC2253']);
  return out.trim().replace(/^(subject|issuer)=/, '');
}

beforeAll(async () => {
  dir = await makeTempDir('rapki-identities-');
  const rootKey = await genKey(dir, 'root.key', 'ec:P-256');
  const rootCert = await issueCert(dir, 'root', rootKey, { profile: 'ca', subject: '/C=DE/O=Rapki Test, Inc./CN=Listing Root', serialHex: '01' });
  root = { cert: rootCert, key: rootKey, der: await certDer(dir, rootCert) };
  const leafKey = await genKey(dir, 'leaf.key', 'rsa:2048');
  // High bit set: DER has a leading 0x00 that must not show in the hex, nor make it negative.
  const leafCert = await issueCert(dir, 'leaf', leafKey, { subject: '/O=Hosts/CN=web-1.example', serialHex: '00a1b2c3d4e5f60718', issuer: root });
  leaf = { cert: leafCert, der: await certDer(dir, leafCert) };
});

afterAll(() => removeTempDir(dir));

describe('formatMatchingIdentities', () => {
  it('prints "No matching identities" for an empty list', () => {
    expect(formatMatchingIdentities([])).toBe('No matching identities\n');
  });

  it('numbers each identity with its SHA-1 fingerprint, subject, issuer, upper-case hex serial and URI', async () => {
    const text = formatMatchingIdentities([{ certificate: leaf.der, uri: 'pkcs11:token=t;object=leaf;type=cert' }, { certificate: root.der }]);
    const fp = async (cert: string): Promise<string> =>
      (await openssl(['x509', '-in', cert, '-noout', '-fingerprint', '-sha1'])).trim().replace(/^.*=/, '').replaceAll(':', '').toLowerCase();
    const serial = async (cert: string): Promise<string> =>
      (await openssl(['x509', '-in', cert, '-noout', '-serial']))
        .trim()
        .replace(/^serial=/, '')
        .replace(/^0+(?=.)/, ''); // Go %X: no leading zeros;
    expect(text).toBe(
      [
        // The official helper's layout: no indentation, an empty line after each certificate.
        'Matching identities',
        `1) Hex Fingerprint: ${await fp(leaf.cert)}`,
        `Subject: ${await opensslName(leaf.cert, 'subject')}`,
        `Issuer: ${await opensslName(leaf.cert, 'issuer')}`,
        `Serial Number: ${await serial(leaf.cert)}`,
        'URI: pkcs11:token=t;object=leaf;type=cert',
        '',
        `2) Hex Fingerprint: ${await fp(root.cert)}`,
        `Subject: ${await opensslName(root.cert, 'subject')}`,
        `Issuer: ${await opensslName(root.cert, 'issuer')}`,
        `Serial Number: ${await serial(root.cert)}`,
        '',
        '',
      ].join('\n'),
    );
    // Spelled out once, so the expectations above cannot drift with openssl's formatting.
    expect(text).toContain('\nSubject: CN=web-1.example,O=Hosts\n');
    expect(text).toContain('\nIssuer: CN=Listing Root,O=Rapki Test\\, Inc.,C=DE\n');
    expect(text).toContain('\nSerial Number: A1B2C3D4E5F60718\nURI: pkcs11:token=t;object=leaf;type=cert\n\n2) ');
    expect(text.endsWith('\nSerial Number: 1\n\n')).toBe(true);
  });

  it('refuses bytes that are not a certificate', () => {
    expect(() => formatMatchingIdentities([{ certificate: Buffer.from('3003020101', 'hex') }])).toThrow(
      expect.objectContaining({ code: 'certificate_unparsable' }),
    );
  });
});
