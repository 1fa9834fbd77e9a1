/**
 * The emergency cut-off of a CA rotation (`rapki ca rotate start --emergency`, docs/rotation.md):
 * the old CA leaves every trust anchor at once (out of the bundles; an old intermediate revoked in
 * the root's CRL, which takes the old CA's CRL slot), and every leaf of the old CA is revoked.
 */
import { isRapkiError } from '../../../common/src/errors.js';
import type { IssuerContext } from '../authority/issuer.js';
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import { setBundle } from './bundle.js';
import { EMERGENCY_REASON, SUPERSEDED_REASON } from './constants.js';
import { deleteCrlQuietly } from './delete-crl.js';
import { activeLeaves } from './leaves.js';
import type { RetainedCrl } from './retained-crls.js';
import { withDone, type RotationState } from './state.js';
import { moveSecondSlotToFirst, STEP, type RotationStepContext } from './step-context.js';

/**
 * Emergency: ends trust in the old CA's key in every trust anchor, whatever was signed with it.
 * An old intermediate is revoked (with every retired intermediate, to free their CRL slots) in
 * the root's CRL, which is imported into the old CA's CRL slot of every anchor (updated in place,
 * so no anchor ever needs a third CRL) and read back. The old certificate leaves every bundle:
 * an anchor that holds the old intermediate (or, for a CA whose root issues, the old root) gets
 * the new one. From then on the first slot carries the new CA's CRL.
 */
export async function cutOldCa(c: RotationStepContext, s0: RotationState, next: IssuerContext, actor: string): Promise<RotationState> {
  const d = c.d;
  let s = s0;
  if (s.done.includes(STEP.cutDone)) return s;
  const old = d.switch.primary;
  const newRoot = !!s.next?.newRoot;
  s = await c.noteOldCrls(s);
  await c.stopOldCrl();
  if (!s.done.includes(STEP.cutBegin)) s = await c.save(withDone(s, STEP.cutBegin, d.clock()));
  // 1. The old certificate out of every bundle first: an anchor that holds the old intermediate
  //    (or the old root) refuses everything under it from now on, whatever the CRLs say.
  for (const t of c.targets.list()) await setBundle(d.controlPlaneFor(t), t.trustAnchorArn, [next], [old, next]);
  const retired = d.retained.list().filter((r) => r.entry.kind === 'retired');
  let root: RetainedCrl | undefined;
  if (!newRoot) {
    // 2. The old intermediate, and every retired one, revoked; the root's CRL lists them and
    //    takes over the old CA's CRL ARN in every anchor (updated in place), read back.
    await revokeCaCertificate(c, old.id, EMERGENCY_REASON, actor, s);
    for (const r of retired) await revokeCaCertificate(c, r.entry.issuerId, SUPERSEDED_REASON, actor, s);
    root = await d.retained.add({ issuerId: sha256Fingerprint(old.root), kind: 'root', since: d.clock().toISOString(), rotationId: s.id }, s.oldCrls ?? {});
    const crl = await root.crl.rebuild('emergency rotation: intermediate revoked');
    root.sync.notify(crl);
    await c.awaitSync(root.sync, root.slots, "The root's CRL (it revokes the old intermediate) is not yet in");
  }
  // 3. Per anchor: the old CA's CRL deleted unless the root's CRL took its ARN, retired CRLs
  //    deleted (the root's CRL revokes their CAs), and the new CA's CRL moves to the first slot.
  for (const t of c.targets.list()) {
    const step = `cut:${t.id}`;
    if (s.done.includes(step)) continue;
    const cp = d.controlPlaneFor(t);
    const oldArn = s.oldCrls?.[t.id];
    if (oldArn && root?.slots.get(t.id)?.crlArn !== oldArn) await deleteCrlQuietly(cp, oldArn);
    for (const r of retired) {
      const arn = r.slots.get(t.id)?.crlArn;
      if (arn) await deleteCrlQuietly(cp, arn);
    }
    await moveSecondSlotToFirst(c, t);
    s = await c.save(withDone(s, step, d.clock()));
  }
  for (const r of retired) await d.retained.release(r.entry.issuerId, actor, 'revoked in the root CRL by an emergency rotation');
  if (!s.done.includes(STEP.handover)) s = await c.save(withDone(s, STEP.handover, d.clock()));
  await c.promote();
  s = await c.save(withDone(s, STEP.cutDone, d.clock()));
  await c.audit(actor, 'rotation.emergency_cut', s, {
    revokedIssuerId: newRoot ? null : old.id,
    releasedRetired: retired.map((r) => r.entry.issuerId),
    rootCrlNumber: root ? ((await root.crl.current())?.number ?? null) : null,
  });
  const cur = await d.crl.next?.current();
  if (cur) c.primarySync()?.notify(cur);
  return s;
}

/** Revokes a CA certificate in the root's CRL (already revoked is fine: re-runs). */
async function revokeCaCertificate(c: RotationStepContext, id: string, reason: string, actor: string, s: RotationState): Promise<void> {
  const now = c.d.clock();
  try {
    await c.d.store.revokeCaCertificate({
      id,
      revokedAt: now,
      reason,
      audit: { time: now, actor, action: 'ca.revoke_certificate', details: { rotationId: s.id, issuerId: id, reason } },
    });
  } catch (err) {
    if (!(isRapkiError(err) && err.code === 'already_revoked')) throw err;
  }
}

export async function revokeOldLeaves(c: RotationStepContext, s0: RotationState, actor: string): Promise<{ state: RotationState; warnings: string[] }> {
  let s = s0;
  if (s.done.includes('revoke_old')) return { state: s, warnings: [] };
  const n = await revokeAllLeavesOf(c, s.old.issuerId, actor);
  s = await c.save(withDone(s, 'revoke_old', c.d.clock()));
  await c.audit(actor, 'rotation.emergency_revoke', s, { revoked: n, reason: EMERGENCY_REASON });
  return { state: s, warnings: [`revoked ${n} certificate(s) of the old CA; those hosts must re-enroll with new tokens`] };
}

/** Revokes every valid leaf of `issuerId` (reason cACompromise) and rebuilds the CRL; returns how many. */
async function revokeAllLeavesOf(c: RotationStepContext, issuerId: string, actor: string): Promise<number> {
  const now = c.d.clock();
  const leaves = await activeLeaves(c.d.store, now);
  let n = 0;
  for (const l of leaves.all) {
    if (l.issuerId !== issuerId) continue;
    try {
      await c.d.store.revokeCertificate({
        serial: l.serial,
        revokedAt: now,
        reason: EMERGENCY_REASON,
        audit: { time: now, actor, action: 'certificate.revoke', details: { serial: l.serial, host: l.host, reason: EMERGENCY_REASON } },
      });
      n++;
    } catch (err) {
      if (!(isRapkiError(err) && err.code === 'already_revoked')) throw err;
    }
  }
  await c.d.crl.rebuild('emergency rotation: old CA revoked');
  return n;
}
