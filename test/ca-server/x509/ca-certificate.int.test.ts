import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, openssl, removeTempDir } from '../../support/openssl.js';
import { opensslVerify } from '../../support/openssl-ca.js';
import { makeTestCa } from './ca-fixture.js';
import { buildCaCertificate, lintCaCertificate } from '../../../ca-server/src/x509/index.js';
import { derToPem } from '../../../common/src/x509/pem.js';
import { newSerial } from '../../../common/src/x509/serial.js';
import { caSignerFromPrivateKey, generateCaKey } from '../../../ca-server/src/keys/index.js';
import { x509 } from './peculiar.js';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('rapki-x509-ca-');
});
afterAll(async () => {
  await removeTempDir(dir);
});

describe('buildCaCertificate meets the Roles Anywhere trust-anchor rules', () => {
  for (const keyType of ['ec-p256', 'ec-p384', 'rsa-3072'] as const) {
    it(`${keyType}: root (pathlen 1) and intermediate (pathlen 0)`, async () => {
      const ca = await makeTestCa(dir, keyType, { intermediate: true });
      lintCaCertificate(ca.root.der);
      lintCaCertificate(ca.intermediate!.der, ca.root.der);

      const rootText = await openssl(['x509', '-in', ca.root.path, '-noout', '-text']);
      expect(rootText).toContain('Version: 3 (0x2)');
      expect(rootText).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:1/);
      expect(rootText).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
      expect(rootText).toContain(`Subject: O = Rapki Tests, CN = Test Root ${keyType}`);
      expect(rootText).toContain(`Issuer: O = Rapki Tests, CN = Test Root ${keyType}`);
      expect(rootText).toMatch(
        keyType === 'ec-p384' ? /Signature Algorithm: ecdsa-with-SHA384/ : /Signature Algorithm: (ecdsa-with-SHA256|sha256WithRSAEncryption)/,
      );
      const rootSki = /Subject Key Identifier:\s*\n\s+([0-9A-F:]+)/.exec(rootText)![1];
      expect(/Authority Key Identifier:\s*\n\s+(?:keyid:)?([0-9A-F:]+)/.exec(rootText)![1]).toBe(rootSki);

      const intText = await openssl(['x509', '-in', ca.intermediate!.path, '-noout', '-text']);
      expect(intText).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
      expect(/Authority Key Identifier:\s*\n\s+(?:keyid:)?([0-9A-F:]+)/.exec(intText)![1]).toBe(rootSki);

      // openssl: the root verifies itself, the intermediate verifies under the root.
      expect((await opensslVerify(['-CAfile', ca.root.path, ca.root.path])).ok).toBe(true);
      const v = await opensslVerify(['-CAfile', ca.root.path, '-purpose', 'any', ca.intermediate!.path]);
      expect(v.output).toContain(': OK');

      // @peculiar/x509 agrees: self-signed root, CA flags.
      const root = new x509.X509Certificate(ca.root.der);
      expect(await root.isSelfSigned()).toBe(true);
      expect(root.getExtension(x509.BasicConstraintsExtension)!.pathLength).toBe(1);
      const int = new x509.X509Certificate(ca.intermediate!.der);
      expect(await int.verify({ publicKey: root, signatureOnly: true })).toBe(true);
      expect(int.getExtension(x509.BasicConstraintsExtension)!.ca).toBe(true);
    }, 30_000);
  }

  it('a root without pathLength has no pathlen; an intermediate may not outlive its root', async () => {
    const key = (await generateCaKey('ec-p256')).privateKey;
    const signer = caSignerFromPrivateKey(key);
    const now = new Date();
    const der = await buildCaCertificate({
      subject: 'CN=Solo Root',
      signer,
      serial: newSerial(randomBytes),
      notBefore: now,
      notAfter: new Date(now.getTime() + 86_400_000),
    });
    const path = join(dir, 'solo.pem');
    await writeFile(path, derToPem(der, 'CERTIFICATE'));
    const text = await openssl(['x509', '-in', path, '-noout', '-text']);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\n/);
    const child = caSignerFromPrivateKey((await generateCaKey('ec-p256')).privateKey);
    await expect(
      buildCaCertificate({
        subject: 'CN=Too Long',
        signer: child,
        issuer: { certificate: der, signer },
        serial: newSerial(randomBytes),
        notBefore: now,
        notAfter: new Date(now.getTime() + 2 * 86_400_000),
        pathLength: 0,
      }),
    ).rejects.toThrow(/outlive/);
    await expect(
      buildCaCertificate({ subject: 'CN=x,O', signer, serial: newSerial(randomBytes), notBefore: now, notAfter: new Date(now.getTime() + 1000) }),
    ).rejects.toMatchObject({
      code: 'dn_invalid',
    });
  });

  it('lintCaCertificate refuses a leaf-shaped certificate', async () => {
    const { genKey, issueCert, certDer } = await import('../../support/openssl.js');
    const k = await genKey(dir, 'notca.key', 'ec:P-256');
    const pem = await issueCert(dir, 'notca', k, { profile: 'leaf' });
    const der = await certDer(dir, pem);
    expect(() => lintCaCertificate(der)).toThrow(/basic-constraints/);
  });
});
