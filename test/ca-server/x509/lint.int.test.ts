import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { certDer, genKey, issueCert, makePki, makeTempDir, removeTempDir } from '../../support/openssl.js';
import { makeTestCa, NOW, type TestCa } from './ca-fixture.js';
import { issueLeafCertificate, lintLeafCertificate, parseDn, type SubjectAltName } from '../../../ca-server/src/x509/index.js';
import { newSerial } from '../../../common/src/x509/serial.js';
import { encodeTbsCertificate, signToBeSigned } from '../../../ca-server/src/x509/certificate-builder.js';
import { signatureAlgorithmIdentifier } from '../../../ca-server/src/x509/signature-algorithm.js';
import { authorityKeyIdentifier, basicConstraints, extension, keyUsage, subjectAltName, subjectKeyIdentifier } from '../../../ca-server/src/x509/extensions.js';
import { issuerInfo } from '../../../ca-server/src/x509/issuer-info.js';
import { keyIdentifier } from '../../../ca-server/src/x509/spki.js';
import { OID } from '../../../ca-server/src/x509/constants.js';
import { sequence } from '../../../common/src/der/writer.js';
import { flipByte } from '../../support/bytes.js';

let dir: string;
let ca: TestCa;
let other: TestCa;
const spki = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }));
const SANS: SubjectAltName[] = [{ type: 'dns', value: 'h.example.com' }];

beforeAll(async () => {
  dir = await makeTempDir('rapki-x509-lint-');
  ca = await makeTestCa(dir, 'ec-p256', { name: 'lint' });
  other = await makeTestCa(dir, 'ec-p256', { name: 'lint-other' });
});
afterAll(async () => {
  await removeTempDir(dir);
});

interface Craft {
  serial?: Uint8Array;
  subject?: Uint8Array;
  issuerName?: Uint8Array;
  notAfter?: Date;
  extensions?: Uint8Array[];
  signer?: TestCa['issuer']['signer'];
}

/** Builds a certificate with the lean path's primitives but with one rule broken. */
function craft(o: Craft = {}): Promise<Uint8Array> {
  const info = issuerInfo(ca.issuer.der);
  const signer = o.signer ?? ca.issuer.signer;
  return signToBeSigned(
    encodeTbsCertificate({
      serial: o.serial ?? newSerial(randomBytes),
      signatureAlgorithm: signatureAlgorithmIdentifier(signer.signatureAlgorithm),
      issuer: o.issuerName ?? info.name,
      notBefore: new Date(NOW.getTime() - 60_000),
      notAfter: o.notAfter ?? new Date(NOW.getTime() + 3600_000),
      subject: o.subject ?? parseDn('CN=h'),
      spki,
      extensions: o.extensions ?? [
        basicConstraints(false),
        keyUsage(['digitalSignature']),
        subjectAltName(SANS),
        subjectKeyIdentifier(keyIdentifier(spki)),
        info.akiExtension,
      ],
    }),
    signer,
  );
}

function expectRule(der: Uint8Array, rule: string, sans: SubjectAltName[] | undefined = SANS): void {
  expect(() => lintLeafCertificate(der, ca.issuer.der, sans ? { sans } : {})).toThrow(
    expect.objectContaining({ code: 'certificate_lint_failed', message: expect.stringContaining(`${rule}:`) }),
  );
}

describe('lintLeafCertificate', () => {
  it('accepts what the lean path issues, and the crafted baseline', async () => {
    const der = await issueLeafCertificate({
      issuerCertificate: ca.issuer.der,
      issuerSigner: ca.issuer.signer,
      subject: 'CN=h',
      sans: SANS,
      publicKeySpki: spki,
      serial: newSerial(randomBytes),
      notBefore: NOW,
      notAfter: new Date(NOW.getTime() + 3600_000),
    });
    expect(() => lintLeafCertificate(der, ca.issuer.der, { sans: SANS })).not.toThrow();
    const crafted = await craft();
    expect(() => lintLeafCertificate(crafted, ca.issuer.der, { sans: SANS })).not.toThrow();
  });

  it('names the broken rule', async () => {
    const info = issuerInfo(ca.issuer.der);
    const ski = subjectKeyIdentifier(keyIdentifier(spki));
    const ku = keyUsage(['digitalSignature']);
    const bc = basicConstraints(false);
    const san = subjectAltName(SANS);
    expectRule(await craft({ extensions: [basicConstraints(true), ku, san, ski, info.akiExtension] }), 'basic-constraints');
    expectRule(await craft({ extensions: [extension(OID.basicConstraints, false, sequence()), ku, san, ski, info.akiExtension] }), 'basic-constraints');
    expectRule(await craft({ extensions: [ku, san, ski, info.akiExtension] }), 'basic-constraints');
    expectRule(await craft({ extensions: [bc, san, ski, info.akiExtension] }), 'key-usage');
    expectRule(await craft({ extensions: [bc, keyUsage(['keyEncipherment']), san, ski, info.akiExtension] }), 'key-usage');
    expectRule(await craft({ extensions: [bc, keyUsage(['digitalSignature', 'keyCertSign']), san, ski, info.akiExtension] }), 'key-usage');
    expectRule(await craft({ extensions: [bc, ku, san, info.akiExtension] }), 'subject-key-identifier');
    expectRule(await craft({ extensions: [bc, ku, san, ski] }), 'authority-key-identifier');
    expectRule(await craft({ extensions: [bc, ku, san, ski, authorityKeyIdentifier(new Uint8Array(20))] }), 'authority-key-identifier');
    expectRule(await craft({ extensions: [bc, ku, ski, info.akiExtension] }), 'subject-alt-name');
    expectRule(await craft({ extensions: [bc, ku, san, ski, info.akiExtension, ku] }), 'extensions');
    expectRule(
      await craft({ extensions: [bc, ku, subjectAltName([...SANS, { type: 'dns', value: 'extra.example.com' }]), ski, info.akiExtension] }),
      'subject-alt-name',
    );
    expectRule(await craft({ serial: Uint8Array.of(1, 2, 3, 4) }), 'serial');
    expectRule(await craft({ serial: new Uint8Array(21).fill(0x11) }), 'serial');
    expectRule(await craft({ subject: parseDn('', { allowEmpty: true }) }), 'subject');
    expectRule(await craft({ notAfter: new Date(NOW.getTime() + 20 * 365 * 86_400_000) }), 'validity');
    expectRule(await craft({ issuerName: parseDn('CN=Somebody Else') }), 'issuer');
    expectRule(await craft({ signer: other.issuer.signer }), 'signature');
    const tampered = Buffer.from(await craft());
    flipByte(tampered, -5);
    expectRule(tampered, 'signature');
    expectRule(Uint8Array.of(0x30, 0x00), 'decodable');
  });

  it('refuses openssl-made certificates that break the profile (v1, SHA-1, CA:TRUE leaf)', async () => {
    const pki = await makePki(dir, 0, 'lint-ossl');
    const issuer = await certDer(dir, pki.issuer.cert);
    const key = await genKey(dir, 'ossl-leaf.key', 'ec:P-256');
    const v1 = await certDer(dir, await issueCert(dir, 'v1', key, { profile: 'v1', issuer: pki.issuer }));
    expect(() => lintLeafCertificate(v1, issuer)).toThrow(/version/);
    const sha1 = await certDer(dir, await issueCert(dir, 'sha1', key, { digest: 'sha1', issuer: pki.issuer }));
    expect(() => lintLeafCertificate(sha1, issuer)).toThrow(/signature-algorithm/);
    const caTrue = await certDer(dir, await issueCert(dir, 'catrue', key, { profile: 'leaf-ca-true', issuer: pki.issuer }));
    expect(() => lintLeafCertificate(caTrue, issuer)).toThrow(/basic-constraints/);
  });
});
