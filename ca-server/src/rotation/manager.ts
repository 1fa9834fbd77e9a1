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
 *
 * This module keeps the orchestration: one step at a time, the state and its audit, the CRL slots'
 * wiring, and following the store (`watch`, `reconcile`). The steps are in `start.ts`,
 * `emergency-cut.ts`, `finish.ts` and `abort.ts` (`step-context.ts` is what they work with); the
 * AWS updates in `bundle.ts`, `delete-crl.ts` and `anchor-tags.ts`.
 */
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
import { type BundleControlPlane } from './bundle.js';
import { CRL_PUBLISH_WAIT_MS, STATE_POLL_MS } from './constants.js';
import { rotationError } from './errors.js';
import { loadNextGeneration } from './generation.js';
import type { IssuerSwitch } from './issuer-switch.js';
import { activeLeaves } from './leaves.js';
import { computePlan, type RotationPlan } from './plan.js';
import type { RetainedCrls, RetainedStatus } from './retained-crls.js';
import type { RotatingCrlManager } from './rotating-crl.js';
import { parseRotationState, RotationStateStore, type RotationState } from './state.js';
import { abortRotation } from './abort.js';
import { finishRotation } from './finish.js';
import { startRotation } from './start.js';
import { STEP, type RotationStepContext } from './step-context.js';

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
  /** Whether this replica leads: only the leader does the timed work (kept CRLs released; docs/ha.md). */
  readonly leader?: (() => boolean) | undefined;
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
  /** What the step modules work with (`step-context.ts`). */
  readonly #ctx: RotationStepContext;

  constructor(d: RotationManagerDeps) {
    this.#d = d;
    this.#config = d.config;
    this.#rot = new RotationStateStore(d.store);
    this.#targets = d.registry.primary;
    this.#slotStore = d.registry.slot(CRL_SLOTS.next);
    d.crl.attachRetained(d.retained);
    this.#ctx = {
      d,
      rot: this.#rot,
      targets: this.#targets,
      slotStore: this.#slotStore,
      config: () => this.#config,
      setConfig: (c) => {
        this.#config = c;
      },
      promoted: () => this.#promoted,
      primarySync: () => this.#bind.primarySync,
      closeSlotSync: () => {
        this.#slotSync?.close();
        this.#slotSync = undefined;
      },
      draft: (actor, action, s, details) => this.#draft(actor, action, s, details),
      audit: (actor, action, s, details) => this.#audit(actor, action, s, details),
      save: (s, extra) => this.#save(s, extra),
      trustChanged: () => this.#trustChanged(),
      attach: (next) => this.#attach(next),
      stopOldCrl: () => this.#stopOldCrl(),
      promote: () => this.#promote(),
      noteOldCrls: (s) => this.#noteOldCrls(s),
      awaitNextCrl: () => this.#awaitNextCrl(),
      awaitSync: (sync, targets, what) => this.#awaitSync(sync, targets, what),
      status: (warnings) => this.status(warnings),
    };
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
    await this.#catchUp();
    b.primarySync?.onEnsure((id) => {
      if (!this.#promoted) this.#slotSync?.ensure(id);
      this.#d.retained.ensure(id);
    });
    const prune = (): void => {
      if (!(this.#d.leader?.() ?? true)) return;
      this.#serial(() => this.#d.retained.prune('system')).catch((err: unknown) =>
        (this.#d.log ?? quietLog).error({ err }, 'rotation: releasing kept CRLs failed'),
      );
    };
    prune();
    this.#pruneTimer = setInterval(prune, this.#d.authorityConfig.crlRefreshSeconds * 1000);
    this.#pruneTimer.unref();
  }

  /**
   * Hands each sync the CRL its slot carries (at bind; and on the leader at every poll of
   * `ca serve`, docs/ha.md "Work done once": a CRL built or a rotation step made on another replica
   * reaches Roles Anywhere through the leader). A sync skips what a target already holds.
   */
  catchUpSyncs(): Promise<void> {
    // In turn with the rotation steps and `reconcile`: a step is never seen half-applied.
    return this.#serial(() => this.#catchUp());
  }

  async #catchUp(): Promise<void> {
    const first = await this.#firstSlotCrl();
    if (first) this.#bind.primarySync?.notify(first);
    if (!this.#promoted) {
      const c = await this.#d.crl.next?.current();
      if (c) this.#slotSync?.notify(c);
    }
    await this.#d.retained.catchUp();
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
    return this.#serial(() => startRotation(this.#ctx, o));
  }

  finish(o: { force?: boolean | undefined; actor: string }): Promise<RotationStatus> {
    return this.#serial(() => finishRotation(this.#ctx, o));
  }

  abort(o: { force?: boolean | undefined; actor: string }): Promise<RotationStatus> {
    return this.#serial(() => abortRotation(this.#ctx, o));
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
      leader: this.#d.leader,
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

  /** Revokes every valid leaf of the old CA (reason cACompromise) once per rotation; CRL pushed at once. */

  /** The new certificate into the bundle of every anchor not yet done (idempotent per anchor); after a cut, only it. */

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
    const deadline = Date.now() + wait;
    await Promise.race([sync.whenIdle(), new Promise((r) => setTimeout(r, wait).unref())]);
    let st = sync.state();
    // Another replica leads and pushes (docs/ha.md "Work done once"): wait, bounded, until the
    // store records that it pushed this CRL (its push state is read from the store).
    const pushedElsewhere = (t: { id: string; status: string }): boolean =>
      t.status === 'standby' && st.crl !== undefined && targets.get(t.id)?.lastPushedSha256 === st.crl.sha256;
    while (st.targets.some((t) => t.status === 'standby' && !pushedElsewhere(t)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250).unref());
      await this.#d.registry.refresh();
      st = sync.state();
    }
    const behind = st.targets.filter((t) => t.status !== 'in_sync' && !pushedElsewhere(t));
    if (behind.length > 0) {
      const e = behind[0]!.lastError;
      throw rotationError(
        'rotation_pending',
        `${what} ${behind.length} trust anchor(s)${e ? ` (${e.code}: ${e.message})` : ''}; the push keeps retrying. Run the same \`rapki ca rotate\` command again to resume.`,
      );
    }
  }
}
