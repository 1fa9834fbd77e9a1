/**
 * `rapki ca rotate finish` (docs/rotation.md): once no leaf of the old CA is still valid and not
 * renewed (or `--force`), the new CA's CRL takes the first slot, the old intermediate's CRL is kept
 * while a certificate it signed is unexpired, the old certificate leaves every bundle, and ONE store
 * transaction makes the new CA the CA and closes the rotation.
 */
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import { caConfigFrom } from '../ca-config.js';
import { setBundle } from './bundle.js';
import { deleteCrlQuietly } from './delete-crl.js';
import { rotationError } from './errors.js';
import { activeLeaves, lastExpiryOf, pendingLeaves } from './leaves.js';
import { withDone } from './state.js';
import type { RotationStatus } from './manager.js';
import { moveSecondSlotToFirst, STEP, type RotationStepContext } from './step-context.js';
import { retagForNewRoot } from './anchor-tags.js';

/** Runs (or resumes) `finish`: the new CA becomes the CA. */
export async function finishRotation(c: RotationStepContext, o: { force?: boolean | undefined; actor: string }): Promise<RotationStatus> {
  const d = c.d;
  let s = await c.rot.read();
  if (!s) throw rotationError('rotation_not_started');
  if (s.phase !== 'active' && s.phase !== 'finishing') {
    throw rotationError('rotation_wrong_phase', `finish needs the phase "active" (now "${s.phase}").`);
  }
  const next = d.switch.next;
  if (!next) throw rotationError('rotation_state_invalid', 'The new CA is not loaded.');
  const old = d.switch.primary;
  const warnings: string[] = [];
  if (s.phase === 'active') {
    const pending = pendingLeaves(await activeLeaves(d.store, d.clock()), s.old.issuerId);
    if (pending.length > 0 && !o.force) {
      throw rotationError(
        'rotation_not_drained',
        `${pending.length} leaf certificate(s) of the old CA are still valid and not renewed (the last expires ${pending[0]!.notAfter.toISOString()}); wait for them, or pass --force (they will be refused by Roles Anywhere).`,
        { details: { pending: pending.length, drainedBy: pending[0]!.notAfter.toISOString() } },
      );
    }
    if (pending.length > 0) warnings.push(`forced: ${pending.length} still valid leaf certificate(s) of the old CA will be refused from now on`);
    s = await c.save({ ...s, phase: 'finishing', forced: pending.length > 0 });
    await c.audit(o.actor, 'rotation.finish_start', s, { pending: pending.length, forced: pending.length > 0 });
  }
  // From here the old CA's CRL is no longer built by the first slot.
  await c.stopOldCrl();
  if (!s.done.includes(STEP.handover)) {
    s = await c.noteOldCrls(s);
    // The old intermediate still chains to the root the anchors hold: its CRL stays (a kept CRL).
    const keep = !s.next?.newRoot && !!(await lastExpiryOf(d.store, old.id, d.clock()));
    if (keep && !s.done.includes(STEP.retainOld)) {
      await d.retained.add({ issuerId: old.id, kind: 'retired', since: d.clock().toISOString(), rotationId: s.id }, s.oldCrls ?? {});
      s = await c.save(withDone(s, STEP.retainOld, d.clock()));
      await c.audit(o.actor, 'rotation.crl_retained', s, { issuerId: old.id, until: (await lastExpiryOf(d.store, old.id, d.clock()))?.toISOString() ?? null });
    }
    for (const t of c.targets.list()) {
      const step = `handover:${t.id}`;
      if (s.done.includes(step)) continue;
      const oldArn = s.oldCrls?.[t.id];
      const kept = d.retained.get(old.id)?.slots.get(t.id)?.crlArn;
      if (oldArn && oldArn !== kept) await deleteCrlQuietly(d.controlPlaneFor(t), oldArn);
      await moveSecondSlotToFirst(c, t);
      s = await c.save(withDone(s, step, d.clock()));
    }
    s = await c.save(withDone(s, STEP.handover, d.clock()));
  }
  await c.promote();
  for (const t of c.targets.list()) {
    const step = `retire:${t.id}`;
    if (s.done.includes(step)) continue;
    const cp = d.controlPlaneFor(t);
    await setBundle(cp, t.trustAnchorArn, [next], [old, next]);
    if (Buffer.compare(Buffer.from(next.root), Buffer.from(old.root)) !== 0) {
      await retagForNewRoot(cp, t.trustAnchorArn, sha256Fingerprint(old.root), sha256Fingerprint(next.root));
    }
    s = await c.save(withDone(s, step, d.clock()));
    await c.audit(o.actor, 'rotation.retire', s, {
      trustAnchorArn: t.trustAnchorArn,
      oldCrlArn: s.oldCrls?.[t.id] ?? null,
      oldCrlKept: !!d.retained.get(old.id),
      crlArn: c.targets.get(t.id)?.crlArn ?? null,
    });
  }
  const cur = await d.crl.next?.current();
  const primarySync = c.primarySync();
  if (cur && primarySync) {
    primarySync.notify(cur);
    primarySync.pushNow();
  }
  // The new CA becomes the CA, in one transaction with the end of the rotation: the configuration
  // names it, the old certificate is retired and its key deleted (unless its kept CRL still signs).
  const cfg = (await d.store.getCaState()).config!;
  const now = d.clock();
  const newRootId = sha256Fingerprint(next.root);
  const retiring = [...new Set([old.id, ...(newRootId !== cfg.rootId ? [cfg.rootId] : [])])];
  await c.rot.close({ ...s, updatedAt: now.toISOString() }, 'finished', now, {
    config: { ...cfg, rootId: newRootId, issuerId: next.id, keyType: s.next?.keyType ?? cfg.keyType, rotatedAt: now },
    certificateStates: Object.fromEntries([...retiring.map((id) => [id, 'retired'] as const), [next.id, 'active'] as const]),
    deleteKeys: retiring.filter((id) => !d.retained.get(id)),
    audit: [c.draft(o.actor, 'rotation.finish', s, { newIssuerId: next.id, newRootFingerprint: newRootId, forced: !!s.forced })],
  });
  d.switch.promoteNext();
  c.setConfig(await caConfigFrom(d.store, await d.store.getCaState()));
  await c.trustChanged();
  const st = await c.status(warnings);
  return { ...st, state: s };
}
