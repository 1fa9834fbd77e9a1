/**
 * The CA rotation state machine (docs/rotation.md): `start`, `finish`, `abort`, `plan`.
 *
 * Every step is idempotent (it compares before it acts: bundles are read back, CRL pushes are
 * compared byte for byte, DB rows are looked up first) and the state is saved in the store after
 * each step (compare-and-set, `state.ts`), so a crash at any point leaves a state that re-running
 * the same command resumes, on this replica or another. Each transition is also appended to the
 * store's hash-chained audit log (`rotation.*`). Replicas that did not run the command follow the
 * state from the store (`watch`, `reconcile`): they issue from the right CA, trust the right CAs and
 * serve the right CRL within {@link STATE_POLL_MS} plus one read.
 *
 * Order of effects, chosen so that no CreateSession fails and no revocation is lost:
 *   start:  new CA made → registered in the DB → both certificates in every trust-anchor bundle →
 *           the new CA's CRL in the second CRL slot of every anchor → THEN new leaves come from
 *           the new CA (never a leaf that Roles Anywhere does not yet trust);
 *   start --emergency: right after the new CA is registered, the old CA is cut off: an old
 *           intermediate is revoked in the root's CRL, which takes the old CA's CRL slot in every
 *           anchor at once; the old certificate leaves every bundle (an anchor that holds the old
 *           intermediate or the old root gets the new one instead); then as start, and every leaf
 *           of the old CA is revoked;
 *   finish: only when no leaf of the old CA is still valid and not renewed (or --force): the new
 *           CA's CRL slot becomes the CA's one; the old intermediate's CRL stays in every anchor
 *           as a kept CRL while a certificate it signed is unexpired (it still chains to the root
 *           the anchors hold), a leaving root's CRL is deleted with the root; the old certificate
 *           leaves every bundle; then ONE store transaction makes the new CA the CA (configuration,
 *           certificate states, the old key deleted unless its CRL is kept) and closes the
 *           rotation; the server's TLS certificate is reissued;
 *   abort:  issuance returns to the old CA at once; the new CA leaves the bundles once its leaves
 *           are gone (or --force), the same drain rule as finish, and a new intermediate's CRL is
 *           kept as finish keeps the old one's.
 */
import { isRapkiError } from '../../../common/src/errors.js';
import type { AuthorityConfig } from '../authority/authority-config.js';
import { CrlManager, type CrlEvents, type PublishedCrl } from '../authority/crl-manager.js';
import type { Clock, RandomSource } from '../../../common/src/clock-and-random.js';
import type { IssuerContext } from '../authority/issuer.js';
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import type { X509Port } from '../authority/x509-port.js';
import type { RolesAnywhereControlPlane } from '../../../common/src/aws/types.js';
import { TAGS } from '../../../common/src/aws/constants.js';
import { caConfigFrom } from '../ca-config.js';
import type { CaConfig } from '../ca-dir.js';
import type { KeyEncryptionOptions } from '../keys/key-encryption.js';
import type { CaStore } from '../store/ca-store.js';
import { CRL_SLOTS, type AuditDraft, type CaState } from '../store/types.js';
import { CrlSync, type CrlControlPlane, type SyncLogger, type SyncState } from '../sync/crl-sync.js';
import type { SyncTargetRegistry } from '../sync/store-sync-targets.js';
import type { SyncTarget, SyncTargetStore } from '../sync/target-store.js';
import type { CaKeyType } from '../x509/types.js';
import { setBundle, type BundleControlPlane } from './bundle.js';
import { CRL_PUBLISH_WAIT_MS, EMERGENCY_REASON, STATE_POLL_MS, SUPERSEDED_REASON } from './constants.js';
import { deleteCrlQuietly } from './delete-crl.js';
import { rotationError } from './errors.js';
import { loadNextGeneration, makeNextGeneration } from './generation.js';
import type { IssuerSwitch } from './issuer-switch.js';
import { activeLeaves, lastExpiryOf, pendingLeaves } from './leaves.js';
import { computePlan, type RotationPlan } from './plan.js';
import type { RetainedCrl, RetainedCrls, RetainedStatus } from './retained-crls.js';
import type { RotatingCrlManager } from './rotating-crl.js';
import { newRotationId, parseRotationState, RotationStateStore, withDone, type RotationState } from './state.js';

export type RotationControlPlane = BundleControlPlane &
  CrlControlPlane &
  Pick<RolesAnywhereControlPlane, 'deleteCrl' | 'listProfiles' | 'listTags' | 'tagResource'>;

export interface RotationManagerDeps {
  readonly passphrase: string;
  /** The CA as it was opened (kept current here after a finish, {@link RotationManager.config}). */
  readonly config: CaConfig;
  readonly store: CaStore;
  readonly x509: X509Port;
  readonly authorityConfig: AuthorityConfig;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly switch: IssuerSwitch;
  readonly crl: RotatingCrlManager;
  /** CRLs kept after their CA stopped issuing (a retired intermediate's, the root's). */
  readonly retained: RetainedCrls;
  /** The trust anchors registered for CRL sync and their CRL slots (in the store). */
  readonly registry: SyncTargetRegistry;
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
  /** How often `watch` polls the store for changes made elsewhere (default {@link STATE_POLL_MS}). */
  readonly pollMs?: number | undefined;
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
  /** CRLs kept in every trust anchor after their CA stopped issuing, and until when. */
  readonly retainedCrls: readonly RetainedStatus[];
  readonly warnings: readonly string[];
  /** False when `abort` switched issuance back but waits for leaves of the new CA. */
  readonly completed?: boolean | undefined;
}

const quietLog: SyncLogger = { info() {}, warn() {}, error() {} };

/** Steps recorded in the state file (with `step:targetId` variants per trust anchor). */
const STEP = {
  /** Emergency: the old CA's CRL stopped; its CRL ARNs noted. */
  cutBegin: 'cut_begin',
  /** Emergency: the old CA is out of every anchor (revoked in the root's CRL, out of the bundles). */
  cutDone: 'cut_old',
  /** The new CA's CRL went from the second slot to the first (finish, or an emergency cut). */
  handover: 'handover',
  /** Finish: the old intermediate's CRL is kept. */
  retainOld: 'retain',
  /** Abort: the new intermediate's CRL is kept. */
  retainNext: 'retain_next',
} as const;

export class RotationManager {
  readonly #d: RotationManagerDeps;
  readonly #rot: RotationStateStore;
  readonly #targets: SyncTargetStore;
  readonly #slotStore: SyncTargetStore;
  #config: CaConfig;
  #slotSync: CrlSync | undefined;
  #bind: RotationBindings = {};
  /** The first CRL slot (the primary sync) carries the new CA's CRL: after the handover. */
  #promoted = false;
  #queue: Promise<unknown> = Promise.resolve();
  #pruneTimer: NodeJS.Timeout | undefined;
  #watchTimer: NodeJS.Timeout | undefined;
  #polling = false;
  /** The CA state version this replica last applied (`reconcile`). */
  #seenVersion = -1;

  constructor(d: RotationManagerDeps) {
    this.#d = d;
    this.#config = d.config;
    this.#rot = new RotationStateStore(d.store);
    this.#targets = d.registry.primary;
    this.#slotStore = d.registry.slot(CRL_SLOTS.next);
    d.crl.attachRetained(d.retained);
  }

  /** The CA's configuration now (it changes when a rotation finishes). */
  config(): CaConfig {
    return this.#config;
  }

  /** At open: the kept CRLs, the sync targets, and a rotation in progress gets its second CA back (issuing or not, by phase). */
  async restore(): Promise<void> {
    const st = await this.#d.store.getCaState();
    await this.#d.registry.refresh();
    await this.#d.retained.load(st);
    await this.#apply(st);
  }

  /**
   * Makes this replica's running CA match the store (a rotation step, finish or abort done by
   * another replica; kept CRLs added or released; trust anchors registered or removed). Only this
   * process's memory changes here: the store is the other replica's to write. Idempotent.
   */
  reconcile(): Promise<void> {
    return this.#serial(async () => {
      const st = await this.#d.store.getCaState();
      const known = new Set(this.#targets.list().map((t) => t.id));
      await this.#d.registry.refresh();
      await this.#d.retained.load(st);
      const changed = await this.#apply(st);
      for (const t of this.#targets.list()) if (!known.has(t.id)) this.#bind.primarySync?.ensure(t.id);
      if (changed) await this.#trustChanged();
    });
  }

  /** Polls the store's CA state version every `pollMs` and reconciles when it moved (`ca serve`). */
  watch(): void {
    if (this.#watchTimer) return;
    this.#watchTimer = setInterval(() => {
      if (this.#polling) return;
      this.#polling = true;
      this.#d.store
        .getCaStateVersion()
        .then(async (v) => {
          if (v !== this.#seenVersion) await this.reconcile();
        })
        .catch((err: unknown) => (this.#d.log ?? quietLog).warn({ err }, 'rotation: reading the CA state from the store failed; retrying at the next poll'))
        .finally(() => {
          this.#polling = false;
        });
    }, this.#d.pollMs ?? STATE_POLL_MS);
    this.#watchTimer.unref();
  }

  /** Applies the state read from the store to the switch, the CRL managers and the syncs; true when trust changed. */
  async #apply(st: CaState): Promise<boolean> {
    const d = this.#d;
    this.#seenVersion = st.version;
    const s = this.#rot.adopt(st.rotation);
    let changed = false;
    const cfg = st.config;
    if (cfg && cfg.issuerId !== d.switch.primary.id) {
      // Finished elsewhere: the next CA is the CA now.
      if (d.switch.next?.id !== cfg.issuerId) await this.#attach(await loadNextGeneration(d.store, st, cfg.issuerId, d.passphrase));
      if (!d.crl.primaryRetired) await this.#stopOldCrl();
      this.#promoted = true;
      this.#slotSync?.close();
      this.#slotSync = undefined;
      d.switch.promoteNext();
      this.#config = await caConfigFrom(d.store, st);
      changed = true;
    }
    if (s?.next && s.done.includes('register')) {
      const attached = d.switch.next?.id === s.next.issuerId;
      const wasIssuingNext = d.switch.issuingNext;
      if (s.phase === 'aborting' && s.done.includes(STEP.retainNext)) {
        // An abort that already handed the new CA's CRL to the kept CRLs: only the bundles still need it.
        this.#slotSync?.close();
        this.#slotSync = undefined;
        d.crl.detachNext();
        if (!attached) d.switch.attachNext(await loadNextGeneration(d.store, st, s.next.issuerId, d.passphrase));
      } else if (!attached) {
        await this.#attach(await loadNextGeneration(d.store, st, s.next.issuerId, d.passphrase));
      }
      d.switch.setIssuingNext(s.phase === 'active' || s.phase === 'finishing');
      if ((s.phase === 'finishing' || s.done.includes(STEP.cutBegin)) && !d.crl.primaryRetired) d.crl.retirePrimary();
      if (s.done.includes(STEP.handover)) this.#promoted = true;
      changed ||= !attached || wasIssuingNext !== d.switch.issuingNext;
    } else if (!s && d.switch.next) {
      // Aborted elsewhere: back to the one CA.
      this.#slotSync?.close();
      this.#slotSync = undefined;
      d.crl.detachNext();
      d.switch.detachNext();
      changed = true;
    }
    return changed;
  }

  /**
   * Called by the server once its CRL sync and TLS exist: hands each CRL to the sync of its slot,
   * lets a newly registered trust anchor get every CRL at once, and releases kept CRLs on schedule.
   */
  async bind(b: RotationBindings): Promise<void> {
    this.#bind = b;
    this.watch();
    const first = await this.#firstSlotCrl();
    if (first) b.primarySync?.notify(first);
    if (!this.#promoted) {
      const c = await this.#d.crl.next?.current();
      if (c) this.#slotSync?.notify(c);
    }
    await this.#d.retained.catchUp();
    b.primarySync?.onEnsure((id) => {
      if (!this.#promoted) this.#slotSync?.ensure(id);
      this.#d.retained.ensure(id);
    });
    const prune = (): void => {
      this.#serial(() => this.#d.retained.prune('system')).catch((err: unknown) => (this.#d.log ?? quietLog).error({ err }, 'rotation: releasing kept CRLs failed'));
    };
    prune();
    this.#pruneTimer = setInterval(prune, this.#d.authorityConfig.crlRefreshSeconds * 1000);
    this.#pruneTimer.unref();
  }

  /** The rotation as this replica last read or wrote it. */
  state(): RotationState | undefined {
    return this.#rot.current;
  }

  /** The rotation as the store holds it now (another replica may have moved it on). */
  async #stored(): Promise<RotationState | undefined> {
    const rec = (await this.#d.store.getCaState()).rotation;
    return rec ? parseRotationState(rec.state) : undefined;
  }

  async status(warnings: string[] = []): Promise<RotationStatus> {
    const s = await this.#stored();
    const sw = this.#d.switch;
    const now = this.#d.clock();
    const leaves = await activeLeaves(this.#d.store, now);
    const retainedCrls = await this.#d.retained.status(leaves);
    return {
      state: s,
      plan: this.#planFrom(s, leaves, now),
      current: { issuerId: sw.primary.id, rootFingerprint: sha256Fingerprint(sw.primary.root) },
      next: sw.next ? { issuerId: sw.next.id, rootFingerprint: sha256Fingerprint(sw.next.root) } : undefined,
      issuing: sw.issuingNext ? 'new' : 'old',
      slotSync: this.#promoted ? undefined : this.#slotSync?.state(),
      retainedCrls,
      warnings,
    };
  }

  async plan(): Promise<RotationPlan> {
    const now = this.#d.clock();
    return this.#planFrom(await this.#stored(), await activeLeaves(this.#d.store, now), now);
  }

  #planFrom(s: RotationState | undefined, leaves: Awaited<ReturnType<typeof activeLeaves>>, now: Date): RotationPlan {
    return computePlan({ now, state: s, leaves, currentIssuerId: this.#d.switch.primary.id, intermediate: this.#config.intermediate });
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
    if (this.#pruneTimer) clearInterval(this.#pruneTimer);
    this.#pruneTimer = undefined;
    if (this.#watchTimer) clearInterval(this.#watchTimer);
    this.#watchTimer = undefined;
    this.#slotSync?.close();
    this.#d.retained.close();
  }

  // ------------------------------------------------------------------ steps

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #draft(actor: string, action: string, s: RotationState, details: Record<string, unknown> = {}): AuditDraft {
    return { time: this.#d.clock(), actor, action, details: { rotationId: s.id, phase: s.phase, ...details } };
  }

  async #audit(actor: string, action: string, s: RotationState, details: Record<string, unknown> = {}): Promise<void> {
    await this.#d.store.appendAudit(this.#draft(actor, action, s, details));
  }

  /** Saves the state in the store (compare-and-set), with what else must change in the same transaction. */
  async #save(s: RotationState, extra: Parameters<RotationStateStore['save']>[1] = {}): Promise<RotationState> {
    const out = { ...s, updatedAt: this.#d.clock().toISOString() };
    await this.#rot.save(out, extra);
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
        { key: TAGS.caFingerprint, value: sha256Fingerprint(next.root) },
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

  /**
   * What the first CRL slot carries: the CA's own CRL, the new CA's once it was handed over, and
   * nothing between the old CA's CRL stopping and the handover (the old ARN may belong to a kept
   * CRL by then, and the new CA's CRL still goes to the second slot).
   */
  async #firstSlotCrl(): Promise<PublishedCrl | undefined> {
    if (this.#promoted) return this.#d.crl.next?.current();
    if (this.#d.crl.primaryRetired) return undefined;
    return this.#d.crl.current();
  }

  /** The old CA's CRL is no longer built or pushed by the first slot (finish, emergency cut). */
  async #stopOldCrl(): Promise<void> {
    this.#d.crl.retirePrimary();
    this.#bind.primarySync?.forgetCurrent();
    await this.#bind.primarySync?.whenIdle();
  }

  /** The new CA's CRL moves to the first slot: its slot rows became the CA's own (handover), the second slot is emptied. */
  async #promote(): Promise<void> {
    this.#promoted = true;
    this.#slotSync?.close();
    this.#slotSync = undefined;
    await this.#d.registry.dropSlot(CRL_SLOTS.next);
  }

  /** The CRL ARNs of the old CA's slot, noted once before any is moved or deleted (re-runs use the same). */
  async #noteOldCrls(s: RotationState): Promise<RotationState> {
    if (s.oldCrls) return s;
    const oldCrls: Record<string, string> = {};
    for (const t of this.#targets.list()) if (t.crlArn) oldCrls[t.id] = t.crlArn;
    return this.#save({ ...s, oldCrls });
  }

  async #start(o: { keyType?: CaKeyType | undefined; emergency?: boolean | undefined; actor: string }): Promise<RotationStatus> {
    const d = this.#d;
    let s = await this.#rot.read();
    // Re-running start after it completed (e.g. the CLI was killed and the server went on) is not an error.
    // An anchor registered during the overlap gets both certificates and the second CRL the same way.
    // `--emergency` on an active rotation cuts the old CA off and revokes its leaves now (compromise found mid-way).
    if (s?.phase === 'active') {
      const next = d.switch.next;
      if (!next) throw rotationError('rotation_state_invalid', 'The new CA is not loaded.');
      if (o.emergency && !s.emergency) s = await this.#save({ ...s, emergency: true });
      if (o.emergency) s = await this.#cutOld(s, next, o.actor);
      const added = await this.#publishAll(s, next, o.actor);
      s = added.state;
      if (added.count > 0) await this.#awaitNextCrl();
      const warnings = ['the rotation is already active', ...(added.count > 0 ? [`published to ${added.count} trust anchor(s) registered since`] : [])];
      if (o.emergency) warnings.push(...(await this.#emergencyRevoke(s, o.actor)).warnings);
      return this.status(warnings);
    }
    if (s && s.phase !== 'preparing') {
      throw rotationError('rotation_in_progress', `A rotation is already ${s.phase}; use finish or abort.`, { details: { phase: s.phase } });
    }
    const now = d.clock();
    if (!s) {
      await this.#requireFreeCrlSlot(!!o.emergency, o.actor);
      s = await this.#save({
        version: 1,
        id: newRotationId(),
        phase: 'preparing',
        startedAt: now.toISOString(),
        updatedAt: now.toISOString(),
        emergency: !!o.emergency,
        keyType: o.keyType ?? this.#config.keyType,
        old: { issuerId: d.switch.primary.id, rootFingerprint: sha256Fingerprint(d.switch.primary.root) },
        done: [],
      });
      await this.#audit(o.actor, 'rotation.start', s, { emergency: s.emergency, keyType: s.keyType, oldIssuerId: s.old.issuerId });
    } else if (o.emergency && !s.emergency) {
      s = await this.#save({ ...s, emergency: true });
    }
    // 1-2. The new CA, made and stored (certificate `next`, key encrypted with the passphrase) in
    //      the same transaction as the step: a crash leaves either both or neither.
    if (!s.done.includes('register') || !s.next) {
      const gen = await makeNextGeneration({
        store: d.store,
        state: await d.store.getCaState(),
        config: this.#config,
        passphrase: d.passphrase,
        keyType: s.keyType as CaKeyType,
        clock: d.clock,
        random: d.random,
        keyEncryption: d.keyEncryption,
      });
      const after = withDone(withDone({ ...s, next: gen.info }, 'generate', d.clock()), 'register', d.clock());
      s = await this.#save(after, {
        addCertificates: [gen.certificate],
        putKeys: [gen.key],
        audit: [
          this.#draft(o.actor, 'rotation.generate', after, { ...gen.info }),
          this.#draft(o.actor, 'ca.rotation_certificate', after, { issuerId: gen.info.issuerId }),
        ],
      });
    }
    const next = await loadNextGeneration(d.store, await d.store.getCaState(), s.next!.issuerId, d.passphrase);
    await this.#attach(next);
    await this.#trustChanged();
    // Emergency: the old CA is cut off before anything else reaches Roles Anywhere.
    if (s.emergency) s = await this.#cutOld(s, next, o.actor);
    // 3. Both certificates in every trust-anchor bundle (after a cut: only the new one).
    s = (await this.#publishAll(s, next, o.actor)).state;
    s = await this.#save(withDone(s, 'publish', d.clock()));
    // 4. The new CA's CRL in every anchor (second slot, or the first after a cut), confirmed by read-back.
    if (!s.done.includes('crl')) {
      await this.#awaitNextCrl();
      s = await this.#save(withDone(s, 'crl', d.clock()));
      await this.#audit(o.actor, 'rotation.crl', s, {
        slots: (this.#promoted ? this.#targets.list() : this.#slotStore.list()).map((t) => ({ trustAnchorArn: t.trustAnchorArn, crlArn: t.crlArn, crlNumber: t.lastPushedNumber })),
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

  /**
   * Roles Anywhere takes two CRLs per trust anchor (ca-landscape §1.2). A rotation needs both
   * slots (old and new CA), so it cannot start while a kept CRL (a retired intermediate's whose
   * certificates are not all expired, or the root's) holds one. An emergency rotation can: it
   * revokes the old intermediate and every retired one in the root's CRL, which takes their slots.
   */
  async #requireFreeCrlSlot(emergency: boolean, actor: string): Promise<void> {
    const d = this.#d;
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

  /**
   * Emergency: ends trust in the old CA's key in every trust anchor, whatever was signed with it.
   * An old intermediate is revoked (with every retired intermediate, to free their CRL slots) in
   * the root's CRL, which is imported into the old CA's CRL slot of every anchor (updated in place,
   * so no anchor ever needs a third CRL) and read back. The old certificate leaves every bundle:
   * an anchor that holds the old intermediate (or, for a CA whose root issues, the old root) gets
   * the new one. From then on the first slot carries the new CA's CRL.
   */
  async #cutOld(s0: RotationState, next: IssuerContext, actor: string): Promise<RotationState> {
    const d = this.#d;
    let s = s0;
    if (s.done.includes(STEP.cutDone)) return s;
    const old = d.switch.primary;
    const newRoot = !!s.next?.newRoot;
    s = await this.#noteOldCrls(s);
    await this.#stopOldCrl();
    if (!s.done.includes(STEP.cutBegin)) s = await this.#save(withDone(s, STEP.cutBegin, d.clock()));
    // 1. The old certificate out of every bundle first: an anchor that holds the old intermediate
    //    (or the old root) refuses everything under it from now on, whatever the CRLs say.
    for (const t of this.#targets.list()) await setBundle(d.controlPlaneFor(t), t.trustAnchorArn, [next], [old, next]);
    const retired = d.retained.list().filter((r) => r.entry.kind === 'retired');
    let root: RetainedCrl | undefined;
    if (!newRoot) {
      // 2. The old intermediate, and every retired one, revoked; the root's CRL lists them and
      //    takes over the old CA's CRL ARN in every anchor (updated in place), read back.
      await this.#revokeCa(old.id, EMERGENCY_REASON, actor, s);
      for (const r of retired) await this.#revokeCa(r.entry.issuerId, SUPERSEDED_REASON, actor, s);
      root = await d.retained.add({ issuerId: sha256Fingerprint(old.root), kind: 'root', since: d.clock().toISOString(), rotationId: s.id }, s.oldCrls ?? {});
      const crl = await root.crl.rebuild('emergency rotation: intermediate revoked');
      root.sync.notify(crl);
      await this.#awaitSync(root.sync, root.slots, "The root's CRL (it revokes the old intermediate) is not yet in");
    }
    // 3. Per anchor: the old CA's CRL deleted unless the root's CRL took its ARN, retired CRLs
    //    deleted (the root's CRL revokes their CAs), and the new CA's CRL moves to the first slot.
    for (const t of this.#targets.list()) {
      const step = `cut:${t.id}`;
      if (s.done.includes(step)) continue;
      const cp = d.controlPlaneFor(t);
      const oldArn = s.oldCrls?.[t.id];
      if (oldArn && root?.slots.get(t.id)?.crlArn !== oldArn) await deleteCrlQuietly(cp, oldArn);
      for (const r of retired) {
        const arn = r.slots.get(t.id)?.crlArn;
        if (arn) await deleteCrlQuietly(cp, arn);
      }
      const slot = this.#slotStore.get(t.id);
      await this.#targets.reset({ ...t, crlArn: slot?.crlArn, lastPushedNumber: slot?.lastPushedNumber, lastPushedSha256: slot?.lastPushedSha256, lastSuccessAt: slot?.lastSuccessAt });
      s = await this.#save(withDone(s, step, d.clock()));
    }
    for (const r of retired) await d.retained.release(r.entry.issuerId, actor, 'revoked in the root CRL by an emergency rotation');
    if (!s.done.includes(STEP.handover)) s = await this.#save(withDone(s, STEP.handover, d.clock()));
    await this.#promote();
    s = await this.#save(withDone(s, STEP.cutDone, d.clock()));
    await this.#audit(actor, 'rotation.emergency_cut', s, {
      revokedIssuerId: newRoot ? null : old.id,
      releasedRetired: retired.map((r) => r.entry.issuerId),
      rootCrlNumber: root ? ((await root.crl.current())?.number ?? null) : null,
    });
    const cur = await d.crl.next?.current();
    if (cur) this.#bind.primarySync?.notify(cur);
    return s;
  }

  async #revokeCa(id: string, reason: string, actor: string, s: RotationState): Promise<void> {
    const now = this.#d.clock();
    try {
      await this.#d.store.revokeCaCertificate({ id, revokedAt: now, reason, audit: { time: now, actor, action: 'ca.revoke_certificate', details: { rotationId: s.id, issuerId: id, reason } } });
    } catch (err) {
      if (!(isRapkiError(err) && err.code === 'already_revoked')) throw err;
    }
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

  /** The new certificate into the bundle of every anchor not yet done (idempotent per anchor); after a cut, only it. */
  async #publishAll(s0: RotationState, next: IssuerContext, actor: string): Promise<{ state: RotationState; count: number }> {
    const d = this.#d;
    let s = s0;
    let count = 0;
    const both = [d.switch.primary, next];
    const want = s.done.includes(STEP.cutDone) ? [next] : both;
    for (const t of this.#targets.list()) {
      const step = `publish:${t.id}`;
      if (s.done.includes(step)) continue;
      const changed = await setBundle(d.controlPlaneFor(t), t.trustAnchorArn, want, both);
      s = await this.#save(withDone(s, step, d.clock()));
      await this.#audit(actor, 'rotation.publish', s, { trustAnchorArn: t.trustAnchorArn, changed });
      count++;
    }
    return { state: s, count };
  }

  /** The new CA's CRL in every anchor: its own slot, or the first one once handed over. */
  async #awaitNextCrl(): Promise<void> {
    const nextCrl = this.#d.crl.next;
    if (!nextCrl) throw rotationError('rotation_pending', 'The new CA is not loaded.');
    // Its first CRL (the server's timers build it at attach; a CA opened without them does not).
    const cur = (await nextCrl.current()) ?? (await nextCrl.rebuild('first CRL of the new CA'));
    if (this.#promoted) {
      if (this.#targets.list().length === 0) return;
      const sync = this.#bind.primarySync;
      if (!sync) throw rotationError('rotation_pending', 'The CA server has no CRL sync.');
      sync.notify(cur);
      await this.#awaitSync(sync, this.#targets, "The new CA's CRL is not yet in");
      return;
    }
    const sync = this.#slotSync;
    if (!sync) throw rotationError('rotation_pending', 'The new CA is not loaded.');
    sync.notify(cur);
    await this.#awaitSync(sync, this.#slotStore, "The new CA's CRL is not yet in");
  }

  /** Pushes the sync's CRL to every target and waits (bounded) until each holds it, read back. */
  async #awaitSync(sync: CrlSync, targets: SyncTargetStore, what: string): Promise<void> {
    for (const t of targets.list()) sync.ensure(t.id);
    const wait = this.#d.publishWaitMs ?? CRL_PUBLISH_WAIT_MS;
    await Promise.race([sync.whenIdle(), new Promise((r) => setTimeout(r, wait).unref())]);
    const st = sync.state();
    const behind = st.targets.filter((t) => t.status !== 'in_sync');
    if (behind.length > 0) {
      const e = behind[0]!.lastError;
      throw rotationError(
        'rotation_pending',
        `${what} ${behind.length} trust anchor(s)${e ? ` (${e.code}: ${e.message})` : ''}; the push keeps retrying. Run the same \`rapki ca rotate\` command again to resume.`,
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
    let s = await this.#rot.read();
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
      s = await this.#save({ ...s, phase: 'finishing', forced: pending.length > 0 });
      await this.#audit(o.actor, 'rotation.finish_start', s, { pending: pending.length, forced: pending.length > 0 });
    }
    // From here the old CA's CRL is no longer built by the first slot.
    await this.#stopOldCrl();
    if (!s.done.includes(STEP.handover)) {
      s = await this.#noteOldCrls(s);
      // The old intermediate still chains to the root the anchors hold: its CRL stays (a kept CRL).
      const keep = !s.next?.newRoot && !!(await lastExpiryOf(d.store, old.id, d.clock()));
      if (keep && !s.done.includes(STEP.retainOld)) {
        await d.retained.add({ issuerId: old.id, kind: 'retired', since: d.clock().toISOString(), rotationId: s.id }, s.oldCrls ?? {});
        s = await this.#save(withDone(s, STEP.retainOld, d.clock()));
        await this.#audit(o.actor, 'rotation.crl_retained', s, { issuerId: old.id, until: (await lastExpiryOf(d.store, old.id, d.clock()))?.toISOString() ?? null });
      }
      for (const t of this.#targets.list()) {
        const step = `handover:${t.id}`;
        if (s.done.includes(step)) continue;
        const oldArn = s.oldCrls?.[t.id];
        const kept = d.retained.get(old.id)?.slots.get(t.id)?.crlArn;
        if (oldArn && oldArn !== kept) await deleteCrlQuietly(d.controlPlaneFor(t), oldArn);
        const slot = this.#slotStore.get(t.id);
        await this.#targets.reset({ ...t, crlArn: slot?.crlArn, lastPushedNumber: slot?.lastPushedNumber, lastPushedSha256: slot?.lastPushedSha256, lastSuccessAt: slot?.lastSuccessAt });
        s = await this.#save(withDone(s, step, d.clock()));
      }
      s = await this.#save(withDone(s, STEP.handover, d.clock()));
    }
    await this.#promote();
    for (const t of this.#targets.list()) {
      const step = `retire:${t.id}`;
      if (s.done.includes(step)) continue;
      const cp = d.controlPlaneFor(t);
      await setBundle(cp, t.trustAnchorArn, [next], [old, next]);
      if (Buffer.compare(Buffer.from(next.root), Buffer.from(old.root)) !== 0) {
        await retagForNewRoot(cp, t.trustAnchorArn, sha256Fingerprint(old.root), sha256Fingerprint(next.root));
      }
      s = await this.#save(withDone(s, step, d.clock()));
      await this.#audit(o.actor, 'rotation.retire', s, {
        trustAnchorArn: t.trustAnchorArn,
        oldCrlArn: s.oldCrls?.[t.id] ?? null,
        oldCrlKept: !!d.retained.get(old.id),
        crlArn: this.#targets.get(t.id)?.crlArn ?? null,
      });
    }
    const cur = await d.crl.next?.current();
    if (cur && this.#bind.primarySync) {
      this.#bind.primarySync.notify(cur);
      this.#bind.primarySync.pushNow();
    }
    // The new CA becomes the CA, in one transaction with the end of the rotation: the configuration
    // names it, the old certificate is retired and its key deleted (unless its kept CRL still signs).
    const cfg = (await d.store.getCaState()).config!;
    const now = d.clock();
    const newRootId = sha256Fingerprint(next.root);
    const retiring = [...new Set([old.id, ...(newRootId !== cfg.rootId ? [cfg.rootId] : [])])];
    await this.#rot.close({ ...s, updatedAt: now.toISOString() }, 'finished', now, {
      config: { ...cfg, rootId: newRootId, issuerId: next.id, keyType: s.next?.keyType ?? cfg.keyType, rotatedAt: now },
      certificateStates: Object.fromEntries([...retiring.map((id) => [id, 'retired'] as const), [next.id, 'active'] as const]),
      deleteKeys: retiring.filter((id) => !d.retained.get(id)),
      audit: [this.#draft(o.actor, 'rotation.finish', s, { newIssuerId: next.id, newRootFingerprint: newRootId, forced: !!s.forced })],
    });
    d.switch.promoteNext();
    this.#config = await caConfigFrom(d.store, await d.store.getCaState());
    await this.#trustChanged();
    const st = await this.status(warnings);
    return { ...st, state: s };
  }

  async #abort(o: { force?: boolean | undefined; actor: string }): Promise<RotationStatus> {
    const d = this.#d;
    let s = await this.#rot.read();
    if (!s) throw rotationError('rotation_not_started');
    if (s.phase === 'finishing') throw rotationError('rotation_wrong_phase', 'finish is under way; run `rapki ca rotate finish` again to complete it.');
    if (s.done.includes(STEP.cutBegin)) {
      throw rotationError('rotation_wrong_phase', 'An emergency rotation cannot be aborted: the old CA is cut off (revoked, out of the trust anchors). Run `rapki ca rotate finish`.');
    }
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
      // A new intermediate chains to the root the anchors hold: its CRL stays while a certificate it
      // signed is unexpired (revoked ones must stay refused), exactly like the old one's after finish.
      const keep = !s.next?.newRoot && !!(await lastExpiryOf(d.store, next.id, d.clock()));
      if (keep && !s.done.includes(STEP.retainNext)) {
        this.#slotSync?.close();
        this.#slotSync = undefined;
        d.crl.detachNext();
        const slots: Record<string, string> = {};
        for (const t of this.#slotStore.list()) if (t.crlArn) slots[t.id] = t.crlArn;
        await d.retained.add({ issuerId: next.id, kind: 'retired', since: d.clock().toISOString(), rotationId: s.id }, slots);
        s = await this.#save(withDone(s, STEP.retainNext, d.clock()));
        await this.#audit(o.actor, 'rotation.crl_retained', s, { issuerId: next.id, until: (await lastExpiryOf(d.store, next.id, d.clock()))?.toISOString() ?? null });
      }
      for (const t of this.#targets.list()) {
        const step = `unpublish:${t.id}`;
        if (s.done.includes(step)) continue;
        const cp = d.controlPlaneFor(t);
        await setBundle(cp, t.trustAnchorArn, [d.switch.primary], [d.switch.primary, next]);
        const slot = this.#slotStore.get(t.id);
        const kept = d.retained.get(next.id)?.slots.get(t.id)?.crlArn;
        if (slot?.crlArn && slot.crlArn !== kept) await deleteCrlQuietly(cp, slot.crlArn);
        await this.#slotStore.remove(t.id);
        s = await this.#save(withDone(s, step, d.clock()));
        await this.#audit(o.actor, 'rotation.unpublish', s, { trustAnchorArn: t.trustAnchorArn, crlKept: !!kept });
      }
    }
    this.#slotSync?.close();
    this.#slotSync = undefined;
    d.crl.detachNext();
    d.switch.detachNext();
    // One transaction: the new certificate retired, its key deleted (unless its kept CRL still
    // signs), the second CRL slot emptied, the rotation closed.
    const nextId = s.next?.issuerId;
    const now = d.clock();
    await this.#rot.close({ ...s, updatedAt: now.toISOString() }, 'aborted', now, {
      certificateStates: nextId && s.done.includes('register') ? { [nextId]: 'retired' } : {},
      deleteKeys: nextId && !d.retained.get(nextId) ? [nextId] : [],
      deleteCrlSlots: [CRL_SLOTS.next],
      audit: [this.#draft(o.actor, 'rotation.abort', s, { forced: !!o.force })],
    });
    await d.registry.refresh();
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
