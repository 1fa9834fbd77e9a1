/**
 * Tags of the Roles Anywhere resources a CA manages, after a rotation to a new root.
 */
import { TAGS } from '../../../common/src/aws/constants.js';
import type { RotationControlPlane } from './manager.js';

/**
 * `rapki aws register|status|unregister` find their resources by the `rapki:ca-fingerprint` tag
 * (the root's SHA-256): after a new root, the anchor and the profiles of the old one carry the new
 * fingerprint, so the CA keeps managing them (the new CA's CRL is tagged so at import).
 */
export async function retagForNewRoot(cp: RotationControlPlane, trustAnchorArn: string, oldFp: string, newFp: string): Promise<void> {
  const tag = [{ key: TAGS.caFingerprint, value: newFp }];
  await cp.tagResource(trustAnchorArn, tag);
  for (const p of await cp.listProfiles()) {
    const tags = await cp.listTags(p.profileArn);
    if (tags.some((t) => t.key === TAGS.caFingerprint && t.value === oldFp) && tags.some((t) => t.key === TAGS.managedBy)) {
      await cp.tagResource(p.profileArn, tag);
    }
  }
}
