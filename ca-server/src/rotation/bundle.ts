/**
 * Trust-anchor bundles during a rotation: `CERTIFICATE_BUNDLE` sources hold at most two CA
 * certificates (User Guide, "Quotas": certificates per trust anchor, 2), exactly what "old + new" needs.
 *
 * Each anchor keeps the KIND of certificate it was registered with (`rapki aws register --anchor
 * root|intermediate`): an anchor holding the root gets the new root (or nothing new when the root
 * stays), one holding the intermediate gets the new intermediate. Every update is read back and
 * compared, and a bundle that already holds the wanted set is left alone (so every step can be
 * re-run after a crash). A certificate in the bundle that belongs to neither CA stops the step:
 * someone else manages that anchor.
 */
import { X509Certificate } from 'node:crypto';
import type { IssuerContext } from '../authority/issuer.js';
import type { RolesAnywhereControlPlane } from '../../../common/src/aws/types.js';
import { idFromArn } from '../../../common/src/aws/arn.js';
import { derToPem, pemBlocks, PemError } from '../../../common/src/x509/pem.js';
import { rotationError } from './errors.js';

export type BundleControlPlane = Pick<RolesAnywhereControlPlane, 'getTrustAnchor' | 'updateTrustAnchor'>;

/**
 * DER of every CERTIFICATE block the trust anchor holds (the one PEM reader, common/src/x509/pem.ts).
 * A bundle that is not valid PEM is not one this CA wrote: someone else manages that anchor.
 */
function heldCertificates(trustAnchorArn: string, pem: string | undefined): Buffer[] {
  if (!pem) return [];
  try {
    return pemBlocks(pem, 'CERTIFICATE');
  } catch (err) {
    if (!(err instanceof PemError)) throw err;
    throw rotationError('rotation_target_foreign', `The trust anchor ${trustAnchorArn} holds a certificate bundle that is not valid PEM (${err.message}).`, {
      cause: err,
    });
  }
}

function anchorCert(i: IssuerContext, kind: 'root' | 'intermediate'): Buffer {
  return Buffer.from(kind === 'root' ? i.root : (i.intermediates[0] ?? i.certificate));
}

function sameSet(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  return a.length === b.length && a.every((x) => b.some((y) => x.equals(y)));
}

/**
 * Makes the anchor's bundle hold the certificates of `want` (in that order) of the kind it holds now.
 * `known` = every CA this rotation knows (old and new). Returns true when it changed the anchor.
 */
export async function setBundle(
  cp: BundleControlPlane,
  trustAnchorArn: string,
  want: readonly IssuerContext[],
  known: readonly IssuerContext[],
): Promise<boolean> {
  const id = idFromArn(trustAnchorArn);
  const ta = await cp.getTrustAnchor(id);
  const held = heldCertificates(trustAnchorArn, ta.x509CertificateData);
  const roots = known.map((k) => Buffer.from(k.root));
  const inters = known.flatMap((k) => k.intermediates.map((d) => Buffer.from(d)));
  for (const h of held) {
    if (!roots.some((r) => r.equals(h)) && !inters.some((r) => r.equals(h))) {
      throw rotationError(
        'rotation_target_foreign',
        `The trust anchor ${trustAnchorArn} holds a certificate that is not one of this CA (subject ${subjectOf(h)}).`,
      );
    }
  }
  const kind: 'root' | 'intermediate' = held.length === 0 || held.some((h) => roots.some((r) => r.equals(h))) ? 'root' : 'intermediate';
  const desired: Buffer[] = [];
  for (const w of want) {
    const c = anchorCert(w, kind);
    if (!desired.some((d) => d.equals(c))) desired.push(c);
  }
  if (sameSet(held, desired)) return false;
  const bundlePem = desired.map((d) => derToPem(d, 'CERTIFICATE')).join('');
  await cp.updateTrustAnchor(id, { bundlePem });
  const back = heldCertificates(trustAnchorArn, (await cp.getTrustAnchor(id)).x509CertificateData);
  if (!sameSet(back, desired))
    throw rotationError('rotation_pending', `The trust anchor ${trustAnchorArn} did not keep the new bundle; run the command again.`);
  return true;
}

function subjectOf(der: Buffer): string {
  try {
    return new X509Certificate(der).subject.replace(/\n/g, ', ');
  } catch {
    return '(unparsable)';
  }
}
