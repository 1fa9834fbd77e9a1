/**
 * `checkIssued` during a CA rotation (docs/rotation.md): the CA returns both roots (new first);
 * the host accepts them only when they include a root it already trusts, and the leaf must chain to
 * one of the returned roots; the returned set becomes ca.pem.
 */
import { generateKeyPairSync, createPublicKey, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkIssued } from '../../../cli/src/ca-client/issued.js';
import { caSignerFromPrivateKey } from '../../../ca-server/src/keys/ca-signer.js';
import { buildCaCertificate } from '../../../ca-server/src/x509/ca-certificate.js';
import { issueLeafCertificate } from '../../../ca-server/src/x509/leaf.js';
import { derToPem } from '../../../common/src/x509/pem.js';
import { newSerial } from '../../../common/src/x509/serial.js';

const DAY = 86_400_000;

async function root(subject: string) {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = caSignerFromPrivateKey(privateKey);
  const der = await buildCaCertificate({
    subject,
    signer,
    serial: newSerial(randomBytes),
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + DAY),
    pathLength: 0,
  });
  return { der, signer, pem: derToPem(der, 'CERTIFICATE') };
}

async function leafOf(ca: Awaited<ReturnType<typeof root>>) {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicKey = createPublicKey(privateKey);
  const der = await issueLeafCertificate({
    issuerCertificate: ca.der,
    issuerSigner: ca.signer,
    subject: 'CN=host-1',
    sans: [],
    publicKeySpki: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
    serial: newSerial(randomBytes),
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
  });
  return { pem: derToPem(der, 'CERTIFICATE'), publicKey };
}

describe('checkIssued with the roots of a CA rotation', () => {
  it('accepts a leaf of the new CA when the returned roots include the pinned old root; ca.pem gets both', async () => {
    // Same subject on purpose (rotation keeps it): only keys tell the roots apart.
    const oldRoot = await root('CN=rapki Root CA');
    const newRoot = await root('CN=rapki Root CA');
    const leaf = await leafOf(newRoot);
    const r = checkIssued(
      { certificate: leaf.pem, chain: '', ca: newRoot.pem + oldRoot.pem, serial: '01', notAfter: '' } as never,
      leaf.publicKey,
      oldRoot.pem,
    );
    expect(r.rootPem).toBe(newRoot.pem + oldRoot.pem);
    // After finish the CA returns the new root alone; a host trusting both accepts it.
    const r2 = checkIssued(
      { certificate: leaf.pem, chain: '', ca: newRoot.pem, serial: '01', notAfter: '' } as never,
      leaf.publicKey,
      newRoot.pem + oldRoot.pem,
    );
    expect(r2.rootPem).toBe(newRoot.pem);
  });

  it('refuses roots none of which the host trusts, and a leaf that chains to none of the returned roots', async () => {
    const oldRoot = await root('CN=rapki Root CA');
    const newRoot = await root('CN=rapki Root CA');
    const stranger = await root('CN=rapki Root CA');
    const leaf = await leafOf(newRoot);
    expect(() => checkIssued({ certificate: leaf.pem, chain: '', ca: newRoot.pem, serial: '01', notAfter: '' } as never, leaf.publicKey, oldRoot.pem)).toThrow(
      /not the pinned one/,
    );
    const foreign = await leafOf(stranger);
    expect(() =>
      checkIssued({ certificate: foreign.pem, chain: '', ca: newRoot.pem + oldRoot.pem, serial: '01', notAfter: '' } as never, foreign.publicKey, oldRoot.pem),
    ).toThrow(/does not chain/);
    // Without `ca` in the answer, the leaf must chain to the pinned root itself.
    expect(() => checkIssued({ certificate: leaf.pem, chain: '', serial: '01', notAfter: '' } as never, leaf.publicKey, oldRoot.pem)).toThrow(/does not chain/);
  });
});
