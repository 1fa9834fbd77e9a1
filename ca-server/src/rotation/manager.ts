/**
 * The CA rotation state machine (issue 7, docs/rotation.md): `start`, `finish`, `abort`, `plan`.
 *
 * Every step is idempotent (it compares before it acts: bundles are read back, CRL pushes are
 * compared byte for byte, DB rows are looked up first) and the state file is written after each
 * step, so a crash at any point leaves a state that re-running the same command resumes. Each
 * transition is also appended to the store's hash-chained audit log (`rotation.*`).
 *
 * Order of effects, chosen so that no CreateSession fails:
 *   start:  new CA made → registered in the DB → both certificates in every trust-anchor bundle →
 *           the new CA's CRL in the second CRL slot of every anchor → THEN new leaves come from
 *           the new CA (never a leaf that Roles Anywhere does not yet trust);
 *   finish: only when no leaf of the old CA is still valid and not renewed (or --force): the old
 *           certificate leaves every bundle, its CRL is deleted, the new CA's CRL slot becomes the
 *           CA's one, files are swapped, the server's TLS certificate is reissued by the new CA;
 *   abort:  issuance returns to the old CA at once; the new CA leaves the bundles once its leaves
 *           are gone (or --force), the same drain rule as finish.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { isRapkiError } from '../../../common/src/errors.js';
import type { AuthorityConfig } from '../authority/authority-config.js';
import { CrlManager, type CrlEvents, type PublishedCrl } from '../authority/crl-manager.js';
import type { Clock, RandomSource } from '../authority/deps.js';
import { sha256Hex, type IssuerContext } from '../authority/issuer.js';
import type { X509Port } from '../authority/x509-port.js';
import type { RolesAnywhereControlPlane } from '../aws/types.js';
import { idFromArn } from '../aws/types.js';
import { TAGS } from '../aws/constants.js';
import type { CaDirConfig } from '../ca-dir.js';
import type { KeyEncryptionOptions } from '../keys/key-encryption.js';
import type { CaStore } from '../store/ca-store.js';
import { CrlSync, type CrlControlPlane, type SyncLogger, type SyncState } from '../sync/crl-sync.js';
import type { SyncTarget, SyncTargetStore } from '../sync/target-store.js';
import type { CaKeyType } from '../x509/types.js';
import { setBundle, type BundleControlPlane } from './bundle.js';
import { CRL_PUBLISH_WAIT_MS, EMERGENCY_REASON, ROTATION_SLOT_FILE } from './constants.js';
import { rotationError } from './errors.js';
import { swapGenerationFiles } from './files.js';
import { loadNextGeneration, makeNextGeneration, nextGenerationPaths } from './generation.js';
import type { IssuerSwitch } from './issuer-switch.js';
import { activeLeaves, pendingLeaves } from './leaves.js';
import { computePlan, type RotationPlan } from './plan.js';
import type { RotatingCrlManager } from './rotating-crl.js';
import { SlotTargetStore } from './slot-target-store.js';
import { newRotationId, rotationDir, RotationStateFile, withDone, type RotationState } from './state.js';

export type RotationControlPlane = BundleControlPlane &
  CrlControlPlane &
  Pick<RolesAnywhereControlPlane, 'deleteCrl' | 'listProfiles' | 'listTags' | 'tagResource'>;

export interface RotationManagerDeps {
  readonly caDir: string;
  readonly passphrase: string;
  readonly config: CaDirConfig;
  readonly store: CaStore;
  readonly x509: X509Port;
  readonly authorityConfig: AuthorityConfig;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly switch: IssuerSwitch;
  readonly crl: RotatingCrlManager;
  /** The trust anchors registered for CRL sync (`aws-sync-targets.json`). */
  readonly targets: SyncTargetStore;
  readonly controlPlaneFor: (t: SyncTarget) => RotationControlPlane;
  readonly crlEvents?: CrlEvents | undefined;
  readonly keyEncryption?: KeyEncryptionOptions | undefined;
  readonly log?: SyncLogger | undefined;
  /** Sync timing for the second CRL slot (tests). */
  readonly slotSyncOptions?: { minCallIntervalMs?: number; backoffInitialMs?: number } | undefined;
  readonly publishWaitMs?: number | undefined;
  /**
   * Pause after each persisted step (`RAPKI_ROTATION_STEP_DELAY_MS`; default 0): lets an operator
   * watch a rotation step by step, and lets the crash tests kill the server between two steps.
   */
  readonly stepDelayMs?: number | undefined;
}

/** What the server hands over once it runs (`serve.ts`). */
export interface RotationBindings {
  /** The CA's own CRL sync (first slot). */
  readonly primarySync?: CrlSync | undefined;
  /** The set of trusted CAs or the issuing one changed: reload TLS (client CAs, server certificate). */
  readonly onTrustChange?: (() => Promise<void> | void) | undefined;
}

export interface RotationStatus {
  readonly state: RotationState | undefined;
  readonly plan: RotationPlan;
  readonly current: { readonly issuerId: string; readonly rootFingerprint: string };
  readonly next: { readonly issuerId: string; readonly rootFingerprint: string } | undefined;
  readonly issuing: 'old' | 'new';
  readonly slotSync: SyncState | undefined;
  readonly warnings: readonly string[];
  /** False when `abort` switched issuance back but waits for leaves of the new CA. */
  readonly completed?: boolean | undefined;
}

const quietLog: SyncLogger = { info() {}, warn() {}, error() {} };

export class RotationManager {
  readonly #d: RotationManagerDeps;
  readonly #file: RotationStateFile;
  readonly #slotStore: SlotTargetStore;
  #slotSync: CrlSync | undefined;
  #bind: RotationBindings = {};
  #promoted = false;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(d: RotationManagerDeps) {
    this.#d = d;
    this.#file = new RotationStateFile(d.caDir);
    this.#slotStore = new SlotTargetStore(d.targets, join(rotationDir(d.caDir), ROTATION_SLOT_FILE));
  }

  /** At open: a rotation in progress gets its second CA back (issuing or not, by phase). */
  async restore(): Promise<void> {
    const s = this.#file.read();
    if (!s?.next || !s.done.includes('register')) return;
    await this.#attach(loadNextGeneration(this.#d.caDir, this.#d.passphrase));
    this.#d.switch.setIssuingNext(s.phase === 'active' || s.phase === 'finishing');
    if (s.phase === 'finishing') this.#retireOld();
  }

  /** Called by the server once its CRL sync and TLS exist; hands the second CRL to its sync. */
  async bind(b: RotationBindings): Promise<void> {
    this.#bind = b;
    const c = await this.#d.crl.next?.current();
    if (c) this.#onNextCrl(c);
  }

  state(): RotationState | undefined {
    return this.#file.read();
  }

  async status(warnings: string[] = []): Promise<RotationStatus> {
    const s = this.#file.read();
    const sw = this.#d.switch;
    return {
      state: s,
      plan: await this.plan(),
      current: { issuerId: sw.primary.id, rootFingerprint: sha256Hex(sw.primary.root) },
      next: sw.next ? { issuerId: sw.next.id, rootFingerprint: sha256Hex(sw.next.root) } : undefined,
      issuing: sw.issuingNext ? 'new' : 'old',
      slotSync: this.#slotSync?.state(),
      warnings,
    };
  }

  async plan(): Promise<RotationPlan> {
    const now = this.#d.clock();
    return computePlan({
      now,
      state: this.#file.read(),
      leaves: await activeLeaves(this.#d.store, now),
      currentIssuerId: this.#d.switch.primary.id,
      intermediate: this.#d.config.intermediate,
    });
  }

  start(o: { keyType?: CaKeyType | undefined; emergency?: boolean | undefined; actor: string }): Promise<RotationStatus> {
    return this.#serial(() => this.#start(o));
  }

  finish(o: { force?: boolean | undefined; actor: string }): Promise<RotationStatus> {
    return this.#serial(() => this.#finish(o));
  }

  abort(o: { force?: boolean | undefined; actor: string }): Promise<RotationStatus> {
    return this.#serial(() => this.#abort(o));
  }

  close(): void {
    this.#slotSync?.close();
  }

  // ------------------------------------------------------------------ steps

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #audit(actor: string, action: string, s: RotationState, details: Record<string, unknown> = {}): Promise<void> {
    await this.#d.store.appendAudit({ time: this.#d.clock(), actor, action, details: { rotationId: s.id, phase: s.phase, ...details } });
  }

  async #save(s: RotationState): Promise<RotationState> {
    const out = { ...s, updatedAt: this.#d.clock().toISOString() };
    this.#file.write(out);
    const delay = this.#d.stepDelayMs ?? 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    return out;
  }

  async #trustChanged(): Promise<void> {
    await this.#bind.onTrustChange?.();
  }

  async #attach(next: IssuerContext): Promise<void> {
    if (this.#d.switch.next?.id === next.id) return;
    this.#d.switch.attachNext(next);
    this.#slotSync = new CrlSync({
      store: this.#slotStore,
      controlPlaneFor: (t) => this.#d.controlPlaneFor(t),
      logger: this.#d.log ?? quietLog,
      crlTags: [
        { key: TAGS.managedBy, value: TAGS.managedByValue },
        { key: TAGS.caFingerprint, value: sha256Hex(next.root) },
      ],
      ...(this.#d.slotSyncOptions ?? {}),
    });
    const m = new CrlManager({
      store: this.#d.store,
      x509: this.#d.x509,
      issuer: next,
      config: this.#d.authorityConfig,
      clock: this.#d.clock,
      events: { published: (c) => this.#onNextCrl(c), nearLimit: (b) => this.#d.crlEvents?.nearLimit?.(b) },
    });
    await this.#d.crl.attachNext(m);
  }

  #onNextCrl(c: PublishedCrl): void {
    try {
      if (this.#promoted) this.#bind.primarySync?.notify(c);
      else this.#slotSync?.notify(c);
    } catch (err) {
      (this.#d.log ?? quietLog).error({ err }, 'rotation: CRL notify failed');
    }
  }

  /** From here on only the new CA's CRL is built and pushed (first slot after the swap). */
  #retireOld(): void {
    this.#d.crl.retirePrimary();
    this.#bind.primarySync?.forgetCurrent();
    this.#promoted = true;
  }

  async #start(o: { keyType?: CaKeyType | undefined; emergency?: boolean | undefined; actor: string }): Promise<RotationStatus> {
    const d = this.#d;
    let s = this.#file.read();
    // Re-running start after it completed (e.g. the CLI was killed and the server went on) is not an error.
    // An anchor registered during the overlap gets both certificates and the second CRL the same way.
    // `--emergency` on an active rotation revokes the old CA's leaves now (compromise found mid-way).
    if (s?.phase === 'active') {
      const next = d.switch.next;
      if (!next) throw rotationError('rotation_state_invalid', 'The new CA is not loaded.');
      const added = await this.#publishAll(s, next, o.actor);
      s = added.state;
      if (added.count > 0) await this.#awaitSlotCrl();
      const warnings = ['the rotation is already active', ...(added.count > 0 ? [`published to ${added.count} trust anchor(s) registered since`] : [])];
      if (o.emergency) warnings.push(...(await this.#emergencyRevoke({ ...s, emergency: true }, o.actor)).warnings);
      return this.status(warnings);
    }
    if (s && s.phase !== 'preparing') {
      throw rotationError('rotation_in_progress', `A rotation is already ${s.phase}; use finish or abort.`, { details: { phase: s.phase } });
    }
    const now = d.clock();
    if (!s) {
      s = await this.#save({
        version: 1,
        id: newRotationId(),
        phase: 'preparing',
        startedAt: now.toISOString(),
        updatedAt: now.toISOString(),
        emergency: !!o.emergency,
        keyType: o.keyType ?? d.config.keyType,
        old: { issuerId: d.switch.primary.id, rootFingerprint: sha256Hex(d.switch.primary.root) },
        done: [],
      });
      await this.#audit(o.actor, 'rotation.start', s, { emergency: s.emergency, keyType: s.keyType, oldIssuerId: s.old.issuerId });
    } else if (o.emergency && !s.emergency) {
      s = await this.#save({ ...s, emergency: true });
    }
    // 1. The new CA.
    if (!s.done.includes('generate') || !s.next) {
      const info = await makeNextGeneration({
        caDir: d.caDir,
        config: d.config,
        passphrase: d.passphrase,
        keyType: s.keyType as CaKeyType,
        clock: d.clock,
        random: d.random,
        keyEncryption: d.keyEncryption,
      });
      s = await this.#save(withDone({ ...s, next: info }, 'generate', d.clock()));
      await this.#audit(o.actor, 'rotation.generate', s, { ...info });
    }
    const next = loadNextGeneration(d.caDir, d.passphrase);
    // 2. Known to the store (leaves reference their issuer).
    if (!s.done.includes('register')) {
      const known = await d.store.getCaCertificates();
      if (!known.some((c) => c.id === next.id)) {
        const newRoot = s.next!.newRoot;
        await d.store.putCaCertificates(
          [{ id: next.id, role: newRoot ? 'root' : 'intermediate', der: next.certificate, notAfter: next.notAfter, issuing: true }],
          { time: d.clock(), actor: o.actor, action: 'ca.rotation_certificate', details: { rotationId: s.id, issuerId: next.id } },
        );
      }
      s = await this.#save(withDone(s, 'register', d.clock()));
    }
    await this.#attach(next);
    await this.#trustChanged();
    // 3. Both certificates in every trust-anchor bundle.
    s = (await this.#publishAll(s, next, o.actor)).state;
    s = await this.#save(withDone(s, 'publish', d.clock()));
    // 4. The new CA's CRL in the second slot of every anchor, confirmed by read-back.
    if (!s.done.includes('crl')) {
      await this.#awaitSlotCrl();
      s = await this.#save(withDone(s, 'crl', d.clock()));
      await this.#audit(o.actor, 'rotation.crl', s, {
        slots: this.#slotStore.list().map((t) => ({ trustAnchorArn: t.trustAnchorArn, crlArn: t.crlArn, crlNumber: t.lastPushedNumber })),
      });
    }
    // 5. Switch issuance.
    s = await this.#save(withDone({ ...s, phase: 'active' }, 'switch', d.clock()));
    d.switch.setIssuingNext(true);
    await this.#audit(o.actor, 'rotation.switch', s, { issuerId: next.id });
    await this.#trustChanged();
    // 6. Emergency: every leaf of the old CA revoked at once (hosts re-enroll with fresh tokens).
    return this.status(s.emergency ? (await this.#emergencyRevoke(s, o.actor)).warnings : []);
  }

  /** Revokes every valid leaf of the old CA (reason cACompromise) once per rotation; CRL pushed at once. */
  async #emergencyRevoke(s0: RotationState, actor: string): Promise<{ state: RotationState; warnings: string[] }> {
    let s = s0;
    if (s.done.includes('revoke_old')) return { state: s, warnings: [] };
    const n = await this.#revokeAllOf(s.old.issuerId, actor);
    s = await this.#save(withDone(s, 'revoke_old', this.#d.clock()));
    await this.#audit(actor, 'rotation.emergency_revoke', s, { revoked: n, reason: EMERGENCY_REASON });
    return { state: s, warnings: [`revoked ${n} certificate(s) of the old CA; those hosts must re-enroll with new tokens`] };
  }

  /** Both certificates into the bundle of every anchor not yet done (idempotent per anchor). */
  async #publishAll(s0: RotationState, next: IssuerContext, actor: string): Promise<{ state: RotationState; count: number }> {
    const d = this.#d;
    let s = s0;
    let count = 0;
    const both = [d.switch.primary, next];
    for (const t of d.targets.list()) {
      const step = `publish:${t.id}`;
      if (s.done.includes(step)) continue;
      const changed = await setBundle(d.controlPlaneFor(t), t.trustAnchorArn, both, both);
      s = await this.#save(withDone(s, step, d.clock()));
      await this.#audit(actor, 'rotation.publish', s, { trustAnchorArn: t.trustAnchorArn, changed });
      count++;
    }
    return { state: s, count };
  }

  async #awaitSlotCrl(): Promise<void> {
    const sync = this.#slotSync;
    if (!sync) throw rotationError('rotation_pending', 'The new CA is not loaded.');
    const nextCrl = this.#d.crl.next;
    if (!nextCrl) throw rotationError('rotation_pending', 'The new CA is not loaded.');
    // Its first CRL (the server's timers build it at attach; a CA opened without them does not).
    const cur = (await nextCrl.current()) ?? (await nextCrl.rebuild('first CRL of the new CA'));
    sync.notify(cur);
    for (const t of this.#slotStore.list()) sync.ensure(t.id);
    const wait = this.#d.publishWaitMs ?? CRL_PUBLISH_WAIT_MS;
    await Promise.race([sync.whenIdle(), new Promise((r) => setTimeout(r, wait).unref())]);
    const st = sync.state();
    const behind = st.targets.filter((t) => t.status !== 'in_sync');
    if (behind.length > 0) {
      const e = behind[0]!.lastError;
      throw rotationError(
        'rotation_pending',
        `The new CA's CRL is not yet in ${behind.length} trust anchor(s)${e ? ` (${e.code}: ${e.message})` : ''}; the push keeps retrying. Run \`rapki ca rotate start\` again to resume.`,
      );
    }
  }

  async #revokeAllOf(issuerId: string, actor: string): Promise<number> {
    const now = this.#d.clock();
    const leaves = await activeLeaves(this.#d.store, now);
    let n = 0;
    for (const l of leaves.all) {
      if (l.issuerId !== issuerId) continue;
      try {
        await this.#d.store.revokeCertificate({
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
    await this.#d.crl.rebuild('emergency rotation: old CA revoked');
    return n;
  }

  async #finish(o: { force?: boolean | undefined; actor: string }): Promise<RotationStatus> {
    const d = this.#d;
    let s = this.#file.read();
    if (!s) throw rotationError('rotation_not_started');
    if (s.phase !== 'active' && s.phase !== 'finishing') {
      throw rotationError('rotation_wrong_phase', `finish needs the phase "active" (now "${s.phase}").`);
    }
    const next = d.switch.next;
    if (!next) throw rotationError('rotation_state_invalid', 'The new CA is not loaded.');
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
      s = await this.#save({ ...s, phase: 'finishing', forced: pending.length > 0 });
      await this.#audit(o.actor, 'rotation.finish_start', s, { pending: pending.length, forced: pending.length > 0 });
    }
    // From here only the new CA's CRL is built and pushed.
    this.#retireOld();
    await this.#bind.primarySync?.whenIdle();
    if (!s.oldCrls) {
      const oldCrls: Record<string, string> = {};
      for (const t of d.targets.list()) if (t.crlArn) oldCrls[t.id] = t.crlArn;
      s = await this.#save({ ...s, oldCrls });
    }
    for (const t of d.targets.list()) {
      const step = `retire:${t.id}`;
      if (s.done.includes(step)) continue;
      const cp = d.controlPlaneFor(t);
      await setBundle(cp, t.trustAnchorArn, [next], [d.switch.primary, next]);
      const oldArn = s.oldCrls?.[t.id];
      if (oldArn) await deleteCrlQuietly(cp, oldArn);
      if (Buffer.compare(Buffer.from(next.root), Buffer.from(d.switch.primary.root)) !== 0) {
        await retagForNewRoot(cp, t.trustAnchorArn, sha256Hex(d.switch.primary.root), sha256Hex(next.root));
      }
      const slot = this.#slotStore.get(t.id);
      d.targets.put({
        ...t,
        crlArn: slot?.crlArn,
        lastPushedNumber: slot?.lastPushedNumber,
        lastPushedSha256: slot?.lastPushedSha256,
        lastSuccessAt: slot?.lastSuccessAt,
      });
      s = await this.#save(withDone(s, step, d.clock()));
      await this.#audit(o.actor, 'rotation.retire', s, { trustAnchorArn: t.trustAnchorArn, deletedCrlArn: oldArn ?? null, crlArn: slot?.crlArn ?? null });
    }
    this.#slotSync?.close();
    this.#slotSync = undefined;
    rmSync(this.#slotStore.path, { force: true });
    const cur = await d.crl.current();
    if (cur && this.#bind.primarySync) {
      this.#bind.primarySync.notify(cur);
      this.#bind.primarySync.pushNow();
    }
    await this.#audit(o.actor, 'rotation.finish', s, { newIssuerId: next.id, newRootFingerprint: sha256Hex(next.root), forced: !!s.forced });
    s = await this.#save({ ...s, filesPending: true });
    swapGenerationFiles(d.caDir, s);
    d.switch.promoteNext();
    this.#file.close(s, 'finished');
    await this.#trustChanged();
    const st = await this.status(warnings);
    return { ...st, state: s };
  }

  async #abort(o: { force?: boolean | undefined; actor: string }): Promise<RotationStatus> {
    const d = this.#d;
    let s = this.#file.read();
    if (!s) throw rotationError('rotation_not_started');
    if (s.phase === 'finishing') throw rotationError('rotation_wrong_phase', 'finish is under way; run `rapki ca rotate finish` again to complete it.');
    if (s.phase !== 'aborting') {
      s = await this.#save({ ...s, phase: 'aborting' });
      d.switch.setIssuingNext(false);
      await this.#audit(o.actor, 'rotation.abort_start', s);
      await this.#trustChanged();
    }
    const warnings: string[] = [];
    const next = d.switch.next;
    if (next) {
      const pending = pendingLeaves(await activeLeaves(d.store, d.clock()), next.id);
      if (pending.length > 0 && !o.force) {
        const st = await this.status([
          `issuance is back on the old CA; ${pending.length} leaf certificate(s) of the new CA are still valid (the last expires ${pending[0]!.notAfter.toISOString()}); run abort again once they are renewed, or with --force`,
        ]);
        return { ...st, completed: false };
      }
      if (pending.length > 0) warnings.push(`forced: ${pending.length} still valid leaf certificate(s) of the new CA will be refused from now on`);
      for (const t of d.targets.list()) {
        const step = `unpublish:${t.id}`;
        if (s.done.includes(step)) continue;
        const cp = d.controlPlaneFor(t);
        await setBundle(cp, t.trustAnchorArn, [d.switch.primary], [d.switch.primary, next]);
        const slot = this.#slotStore.get(t.id);
        if (slot?.crlArn) await deleteCrlQuietly(cp, slot.crlArn);
        this.#slotStore.remove(t.id);
        s = await this.#save(withDone(s, step, d.clock()));
        await this.#audit(o.actor, 'rotation.unpublish', s, { trustAnchorArn: t.trustAnchorArn });
      }
    }
    this.#slotSync?.close();
    this.#slotSync = undefined;
    d.crl.detachNext();
    d.switch.detachNext();
    rmSync(this.#slotStore.path, { force: true });
    rmSync(nextGenerationPaths(d.caDir).dir, { recursive: true, force: true });
    await this.#audit(o.actor, 'rotation.abort', s, { forced: !!o.force });
    this.#file.close(s, 'aborted');
    await this.#trustChanged();
    const st = await this.status(warnings);
    return { ...st, state: s, completed: true };
  }
}

/**
 * `rapki aws register|status|unregister` find their resources by the `rapki:ca-fingerprint` tag
 * (the root's SHA-256): after a new root, the anchor and the profiles of the old one carry the new
 * fingerprint, so the CA keeps managing them (the new CA's CRL is tagged so at import).
 */
async function retagForNewRoot(cp: RotationControlPlane, trustAnchorArn: string, oldFp: string, newFp: string): Promise<void> {
  const tag = [{ key: TAGS.caFingerprint, value: newFp }];
  await cp.tagResource(trustAnchorArn, tag);
  for (const p of await cp.listProfiles()) {
    const tags = await cp.listTags(p.profileArn);
    if (tags.some((t) => t.key === TAGS.caFingerprint && t.value === oldFp) && tags.some((t) => t.key === TAGS.managedBy)) {
      await cp.tagResource(p.profileArn, tag);
    }
  }
}

async function deleteCrlQuietly(cp: Pick<RolesAnywhereControlPlane, 'deleteCrl'>, arn: string): Promise<void> {
  try {
    await cp.deleteCrl(idFromArn(arn));
  } catch (err) {
    if ((err as { details?: { awsError?: string } }).details?.awsError === 'ResourceNotFoundException') return;
    throw err;
  }
}
