/**
 * Revocation is checked for every certificate of the path, not only the leaf (RFC 5280 §6.1.3
 * (a)(3); Roles Anywhere validates against the imported CRLs of the trust anchor): an intermediate
 * listed in the root's CRL ends every chain through it, including leaves its key signed that no
 * CRL names. A certificate in the trust anchor itself is trusted as such (RFC 5280 §6.1.1 (d)), so
 * an intermediate held by an anchor must leave that anchor instead (docs/rotation.md "Emergency
 * rotation"). openssl makes every certificate and CRL here.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTrustAnchorCommand, ImportCrlCommand } from '@aws-sdk/client-rolesanywhere';
import { makeCrl, makeIntermediateCa, makeLeaf, revoke, type TestCa } from '../../support/emulator-pki.js';
import { sendCreateSession } from '../helpers/x509-request-signer.js';
import { makeWorld, ROLE_ARN, type World } from '../helpers/world.js';

let w: World;
let inter: TestCa;
beforeAll(async () => {
  w = await makeWorld();
  inter = makeIntermediateCa(join(w.dir, 'inter'), 'Emulator Path Intermediate', w.root);
}, 60_000);
afterAll(async () => {
  await w?.close();
});

const reason = (r: { status: number; headers: Record<string, unknown> }): string => `${r.status} ${String(r.headers['x-rapki-emulator-reason'] ?? '')}`;

describe('CreateSession checks revocation along the whole path', () => {
  it('a leaf under an intermediate that the root CRL revokes is refused (certificate_revoked); an anchor that holds the intermediate still trusts it', async () => {
    // A leaf the intermediate signed and no CRL lists, as one minted with a stolen key would be.
    const leaf = makeLeaf(inter, { cn: 'minted.example.test' });
    const interAnchor = await w.client.send(
      new CreateTrustAnchorCommand({
        name: 'inter-anchor',
        source: { sourceType: 'CERTIFICATE_BUNDLE', sourceData: { x509CertificateData: inter.certPem } },
        enabled: true,
      }),
    );
    const call = (trustAnchorArn: string) =>
      sendCreateSession({
        url: w.emulator.url,
        certPem: leaf.certPem,
        keyPem: leaf.keyPem,
        chainPems: [inter.certPem],
        trustAnchorArn,
        profileArn: w.profileArn,
        roleArn: ROLE_ARN,
        durationSeconds: 900,
        date: w.emulator.clock.now(),
      });
    expect(reason(await call(w.trustAnchorArn))).toBe('201 ');

    revoke(w.root, inter.certPath);
    const rootCrl = makeCrl(w.root);
    await w.client.send(
      new ImportCrlCommand({ name: 'root-crl', crlData: new TextEncoder().encode(rootCrl), trustAnchorArn: w.trustAnchorArn, enabled: true }),
    );
    expect(reason(await call(w.trustAnchorArn))).toBe('403 certificate_revoked');
    // The same CRL imported into the anchor that holds the intermediate: the anchor's own
    // certificate is the trust anchor of the path and is not checked against CRLs.
    const interArn = interAnchor.trustAnchor!.trustAnchorArn!;
    await w.client.send(new ImportCrlCommand({ name: 'root-crl-2', crlData: new TextEncoder().encode(rootCrl), trustAnchorArn: interArn, enabled: true }));
    expect(reason(await call(interArn))).toBe('201 ');
  });
});
