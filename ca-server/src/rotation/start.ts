/**
 * `rapki ca rotate start` (docs/rotation.md): the new CA made and registered, both certificates in
 * every trust-anchor bundle, the new CA's CRL in the second CRL slot of every anchor, THEN new
 * leaves from the new CA (never a leaf Roles Anywhere does not yet trust). With `--emergency` the
 * old CA is cut off first (`emergency-cut.ts`). Every step is saved before the next (`state.ts`),
 * so re-running the command resumes.
 */
import type { IssuerContext } from '../authority/issuer.js';
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import type { CaKeyType } from '../x509/types.js';
import { setBundle } from './bundle.js';
import { rotationError } from './errors.js';
import { loadNextGeneration, makeNextGeneration } from './generation.js';
import { activeLeaves } from './leaves.js';
import { newRotationId, withDone, type RotationState } from './state.js';
import type { RotationStatus } from './manager.js';
import { STEP, type RotationStepContext } from './step-context.js';
import { cutOldCa, revokeOldLeaves } from './emergency-cut.js';

/** Runs (or resumes) `start`; with `emergency`, cuts the old CA off and revokes its leaves. */
export async function startRotation(
  c: RotationStepContext,
  o: { keyType?: CaKeyType | undefined; emergency?: boolean | undefined; actor: string },
): Promise<RotationStatus> {
  const d = c.d;
  let s = await c.rot.read();
  // Re-running start after it completed (e.g. the CLI was killed and the server went on) is not an error.
  // An anchor registered during the overlap gets both certificates and the second CRL the same way.
  // `--emergency` on an active rotation cuts the old CA off and revokes its leaves now (compromise found mid-way).
  if (s?.phase === 'active') {
    const next = d.switch.next;
    if (!next) throw rotationError('rotation_state_invalid', 'The new CA is not loaded.');
    if (o.emergency && !s.emergency) s = await c.save({ ...s, emergency: true });
    if (o.emergency) s = await cutOldCa(c, s, next, o.actor);
    const added = await publishToAllAnchors(c, s, next, o.actor);
    s = added.state;
    if (added.count > 0) await c.awaitNextCrl();
    const warnings = ['the rotation is already active', ...(added.count > 0 ? [`published to ${added.count} trust anchor(s) registered since`] : [])];
    if (o.emergency) warnings.push(...(await revokeOldLeaves(c, s, o.actor)).warnings);
    return c.status(warnings);
  }
  if (s && s.phase !== 'preparing') {
    throw rotationError('rotation_in_progress', `A rotation is already ${s.phase}; use finish or abort.`, { details: { phase: s.phase } });
  }
  const now = d.clock();
  if (!s) {
    await requireFreeCrlSlot(c, !!o.emergency, o.actor);
    s = await c.save({
      version: 1,
      id: newRotationId(),
      phase: 'preparing',
      startedAt: now.toISOString(),
      updatedAt: now.toISOString(),
      emergency: !!o.emergency,
      keyType: o.keyType ?? c.config().keyType,
      old: { issuerId: d.switch.primary.id, rootFingerprint: sha256Fingerprint(d.switch.primary.root) },
      done: [],
    });
    await c.audit(o.actor, 'rotation.start', s, { emergency: s.emergency, keyType: s.keyType, oldIssuerId: s.old.issuerId });
  } else if (o.emergency && !s.emergency) {
    s = await c.save({ ...s, emergency: true });
  }
  // 1-2. The new CA, made and stored (certificate `next`, key encrypted with the passphrase) in
  //      the same transaction as the step: a crash leaves either both or neither.
  if (!s.done.includes('register') || !s.next) {
    const gen = await makeNextGeneration({
      store: d.store,
      state: await d.store.getCaState(),
      config: c.config(),
      passphrase: d.passphrase,
      keyType: s.keyType as CaKeyType,
      clock: d.clock,
      random: d.random,
      keyEncryption: d.keyEncryption,
    });
    const after = withDone(withDone({ ...s, next: gen.info }, 'generate', d.clock()), 'register', d.clock());
    s = await c.save(after, {
      addCertificates: [gen.certificate],
      putKeys: [gen.key],
      audit: [
        c.draft(o.actor, 'rotation.generate', after, { ...gen.info }),
        c.draft(o.actor, 'ca.rotation_certificate', after, { issuerId: gen.info.issuerId }),
      ],
    });
  }
  const next = await loadNextGeneration(d.store, await d.store.getCaState(), s.next!.issuerId, d.passphrase);
  await c.attach(next);
  await c.trustChanged();
  // Emergency: the old CA is cut off before anything else reaches Roles Anywhere.
  if (s.emergency) s = await cutOldCa(c, s, next, o.actor);
  // 3. Both certificates in every trust-anchor bundle (after a cut: only the new one).
  s = (await publishToAllAnchors(c, s, next, o.actor)).state;
  s = await c.save(withDone(s, 'publish', d.clock()));
  // 4. The new CA's CRL in every anchor (second slot, or the first after a cut), confirmed by read-back.
  if (!s.done.includes('crl')) {
    await c.awaitNextCrl();
    s = await c.save(withDone(s, 'crl', d.clock()));
    await c.audit(o.actor, 'rotation.crl', s, {
      slots: (c.promoted() ? c.targets.list() : c.slotStore.list()).map((t) => ({
        trustAnchorArn: t.trustAnchorArn,
        crlArn: t.crlArn,
        crlNumber: t.lastPushedNumber,
      })),
    });
  }
  // 5. Switch issuance.
  s = await c.save(withDone({ ...s, phase: 'active' }, 'switch', d.clock()));
  d.switch.setIssuingNext(true);
  await c.audit(o.actor, 'rotation.switch', s, { issuerId: next.id });
  await c.trustChanged();
  // 6. Emergency: every leaf of the old CA revoked at once (hosts re-enroll with fresh tokens).
  return c.status(s.emergency ? (await revokeOldLeaves(c, s, o.actor)).warnings : []);
}

/**
 * Roles Anywhere takes two CRLs per trust anchor (User Guide, "Quotas"). A rotation needs both
 * slots (old and new CA), so it cannot start while a kept CRL (a retired intermediate's whose
 * certificates are not all expired, or the root's) holds one. An emergency rotation can: it
 * revokes the old intermediate and every retired one in the root's CRL, which takes their slots.
 */
async function requireFreeCrlSlot(c: RotationStepContext, emergency: boolean, actor: string): Promise<void> {
  const d = c.d;
  const now = d.clock();
  const leaves = await activeLeaves(d.store, now);
  await d.retained.prune(actor, leaves);
  const kept = await d.retained.status(leaves);
  if (kept.length === 0 || emergency) return;
  const k = kept[0]!;
  const what = k.kind === 'root' ? "the root's CRL (it lists a revoked intermediate)" : `the CRL of the retired CA ${k.issuerId.slice(0, 16)}…`;
  throw rotationError(
    'rotation_crl_slots_full',
    `Every trust anchor holds two CRLs (the current CA's and ${what}), and a rotation needs a CRL slot for the new CA. ` +
      `It frees up when the last certificate it covers expires, ${k.until ?? 'now'}; start the rotation after that` +
      (k.kind === 'root' ? ', or register the trust anchors with `--anchor intermediate`' : '') +
      '. `rapki ca rotate start --emergency` can start now: it revokes the current intermediate.',
    { details: { retainedCrls: kept.map((x) => ({ issuerId: x.issuerId, kind: x.kind, until: x.until })) } },
  );
}

async function publishToAllAnchors(
  c: RotationStepContext,
  s0: RotationState,
  next: IssuerContext,
  actor: string,
): Promise<{ state: RotationState; count: number }> {
  const d = c.d;
  let s = s0;
  let count = 0;
  const both = [d.switch.primary, next];
  const want = s.done.includes(STEP.cutDone) ? [next] : both;
  for (const t of c.targets.list()) {
    const step = `publish:${t.id}`;
    if (s.done.includes(step)) continue;
    const changed = await setBundle(d.controlPlaneFor(t), t.trustAnchorArn, want, both);
    s = await c.save(withDone(s, step, d.clock()));
    await c.audit(actor, 'rotation.publish', s, { trustAnchorArn: t.trustAnchorArn, changed });
    count++;
  }
  return { state: s, count };
}
