/**
 * `rapki ca rotate abort` (docs/rotation.md): issuance returns to the old CA at once; the new CA
 * leaves the bundles once its leaves are gone (or `--force`), and a new intermediate's CRL is kept
 * while a certificate it signed is unexpired, as finish keeps the old one's.
 */
import { CRL_SLOTS } from '../store/types.js';
import { setBundle } from './bundle.js';
import { deleteCrlQuietly } from './delete-crl.js';
import { rotationError } from './errors.js';
import { activeLeaves, lastExpiryOf, pendingLeaves } from './leaves.js';
import { withDone } from './state.js';
import type { RotationStatus } from './manager.js';
import { STEP, type RotationStepContext } from './step-context.js';

/** Runs (or resumes) `abort`: back to the old CA; `completed: false` while leaves of the new CA wait. */
export async function abortRotation(c: RotationStepContext, o: { force?: boolean | undefined; actor: string }): Promise<RotationStatus> {
  const d = c.d;
  let s = await c.rot.read();
  if (!s) throw rotationError('rotation_not_started');
  if (s.phase === 'finishing') throw rotationError('rotation_wrong_phase', 'finish is under way; run `rapki ca rotate finish` again to complete it.');
  if (s.done.includes(STEP.cutBegin)) {
    throw rotationError(
      'rotation_wrong_phase',
      'An emergency rotation cannot be aborted: the old CA is cut off (revoked, out of the trust anchors). Run `rapki ca rotate finish`.',
    );
  }
  if (s.phase !== 'aborting') {
    s = await c.save({ ...s, phase: 'aborting' });
    d.switch.setIssuingNext(false);
    await c.audit(o.actor, 'rotation.abort_start', s);
    await c.trustChanged();
  }
  const warnings: string[] = [];
  const next = d.switch.next;
  if (next) {
    const pending = pendingLeaves(await activeLeaves(d.store, d.clock()), next.id);
    if (pending.length > 0 && !o.force) {
      const st = await c.status([
        `issuance is back on the old CA; ${pending.length} leaf certificate(s) of the new CA are still valid (the last expires ${pending[0]!.notAfter.toISOString()}); run abort again once they are renewed, or with --force`,
      ]);
      return { ...st, completed: false };
    }
    if (pending.length > 0) warnings.push(`forced: ${pending.length} still valid leaf certificate(s) of the new CA will be refused from now on`);
    // A new intermediate chains to the root the anchors hold: its CRL stays while a certificate it
    // signed is unexpired (revoked ones must stay refused), exactly like the old one's after finish.
    const keep = !s.next?.newRoot && !!(await lastExpiryOf(d.store, next.id, d.clock()));
    if (keep && !s.done.includes(STEP.retainNext)) {
      c.closeSlotSync();
      d.crl.detachNext();
      const slots: Record<string, string> = {};
      for (const t of c.slotStore.list()) if (t.crlArn) slots[t.id] = t.crlArn;
      await d.retained.add({ issuerId: next.id, kind: 'retired', since: d.clock().toISOString(), rotationId: s.id }, slots);
      s = await c.save(withDone(s, STEP.retainNext, d.clock()));
      await c.audit(o.actor, 'rotation.crl_retained', s, {
        issuerId: next.id,
        until: (await lastExpiryOf(d.store, next.id, d.clock()))?.toISOString() ?? null,
      });
    }
    for (const t of c.targets.list()) {
      const step = `unpublish:${t.id}`;
      if (s.done.includes(step)) continue;
      const cp = d.controlPlaneFor(t);
      await setBundle(cp, t.trustAnchorArn, [d.switch.primary], [d.switch.primary, next]);
      const slot = c.slotStore.get(t.id);
      const kept = d.retained.get(next.id)?.slots.get(t.id)?.crlArn;
      if (slot?.crlArn && slot.crlArn !== kept) await deleteCrlQuietly(cp, slot.crlArn);
      await c.slotStore.remove(t.id);
      s = await c.save(withDone(s, step, d.clock()));
      await c.audit(o.actor, 'rotation.unpublish', s, { trustAnchorArn: t.trustAnchorArn, crlKept: !!kept });
    }
  }
  c.closeSlotSync();
  d.crl.detachNext();
  d.switch.detachNext();
  // One transaction: the new certificate retired, its key deleted (unless its kept CRL still
  // signs), the second CRL slot emptied, the rotation closed.
  const nextId = s.next?.issuerId;
  const now = d.clock();
  await c.rot.close({ ...s, updatedAt: now.toISOString() }, 'aborted', now, {
    certificateStates: nextId && s.done.includes('register') ? { [nextId]: 'retired' } : {},
    deleteKeys: nextId && !d.retained.get(nextId) ? [nextId] : [],
    deleteCrlSlots: [CRL_SLOTS.next],
    audit: [c.draft(o.actor, 'rotation.abort', s, { forced: !!o.force })],
  });
  await d.registry.refresh();
  await c.trustChanged();
  const st = await c.status(warnings);
  return { ...st, state: s, completed: true };
}
