/**
 * CRLs that stay in Roles Anywhere after their CA stopped issuing (docs/rotation.md "After finish"
 * and "Emergency rotation"):
 *
 * - a RETIRED intermediate (the old one after `finish`, the new one after `abort`) still chains to
 *   the root that trust anchors hold, so every certificate it signed stays usable with Roles
 *   Anywhere until it expires. Its CRL therefore stays imported, enabled and re-published on its
 *   schedule (signed with its kept key) until the last certificate it signed has expired; a
 *   revocation of one of them rebuilds it at once. Then the CRL is deleted from every trust
 *   anchor and the key copy is removed;
 * - the ROOT's CRL, once an emergency rotation revoked an intermediate (RFC 5280 §6.1.3 (a)(3):
 *   every certificate of the path is checked, so a revoked intermediate ends every chain through
 *   it, including leaves minted with a stolen key that the CA never saw). It stays until the last
 *   revoked intermediate has expired.
 *
 * Each such CRL is pushed by its own {@link CrlSync} into its own slot of every registered trust
 * anchor (the store's CRL slot `retained:<issuer id>`); the list itself and the keys are in the
 * store too (`retained_crls`, `ca_keys`), so every replica keeps the same CRLs. Roles Anywhere
 * takes two CRLs per trust anchor, so at most one such CRL exists next to the issuing CA's (the
 * manager refuses a rotation that would need a third, `rotation_crl_slots_full`).
 */
import type { AuthorityConfig } from '../authority/authority-config.js';
import { CrlManager, type CrlEvents, type PublishedCrl } from '../authority/crl-manager.js';
import type { Clock } from '../../../common/src/clock-and-random.js';
import type { IssuerContext } from '../authority/issuer.js';
import type { X509Port } from '../authority/x509-port.js';
import type { RolesAnywhereControlPlane, Tag } from '../../../common/src/aws/types.js';
import { openIssuingKey } from '../keys/issuing-key.js';
import type { CaStore } from '../store/ca-store.js';
import { CRL_SLOTS, type CaState } from '../store/types.js';
import { CrlSync, type CrlControlPlane, type SyncLogger, type SyncState } from '../sync/crl-sync.js';
import type { SyncTargetRegistry } from '../sync/store-sync-targets.js';
import type { SyncTarget, SyncTargetStore } from '../sync/target-store.js';
import { deleteCrlQuietly } from './delete-crl.js';
import { rotationError } from './errors.js';
import { lastExpiryOf, type ActiveLeaves } from './leaves.js';

export type RetainedKind = 'retired' | 'root';

/** A kept CRL (the store's `retained_crls` row; certificate and key are the store's too). */
export interface RetainedEntry {
  /** SHA-256 hex of the CA certificate whose CRL is kept. */
  readonly issuerId: string;
  readonly kind: RetainedKind;
  /** When it was added (ISO). */
  readonly since: string;
  /** The rotation that added it. */
  readonly rotationId: string;
}

/** A kept CRL at run time: its issuer, CRL manager (builds and schedules) and sync (pushes). */
export interface RetainedCrl {
  readonly entry: RetainedEntry;
  readonly issuer: IssuerContext;
  readonly crl: CrlManager;
  readonly sync: CrlSync;
  readonly slots: SyncTargetStore;
}

export interface RetainedStatus {
  readonly issuerId: string;
  readonly kind: RetainedKind;
  readonly since: string;
  /** When the last certificate that keeps this CRL alive expires (ISO); undefined once none is left. */
  readonly until: string | undefined;
  readonly crlNumber: number | undefined;
  readonly slotSync: SyncState;
}

export type RetainedControlPlane = CrlControlPlane & Pick<RolesAnywhereControlPlane, 'deleteCrl'>;

export interface RetainedCrlsDeps {
  readonly passphrase: string;
  readonly store: CaStore;
  readonly x509: X509Port;
  readonly authorityConfig: AuthorityConfig;
  readonly clock: Clock;
  /** The registered trust anchors (every one gets every kept CRL) and the CRL slots. */
  readonly registry: SyncTargetRegistry;
  readonly controlPlaneFor: (t: SyncTarget) => RetainedControlPlane;
  readonly crlTags: readonly Tag[];
  readonly log: SyncLogger;
  readonly crlEvents?: CrlEvents | undefined;
  readonly syncOptions?: { minCallIntervalMs?: number; backoffInitialMs?: number } | undefined;
  /** Whether this replica leads (only the leader rebuilds on the timer; docs/ha.md). */
  readonly leader?: (() => boolean) | undefined;
}

export class RetainedCrls {
  readonly #d: RetainedCrlsDeps;
  readonly #items = new Map<string, RetainedCrl>();
  #started = false;

  constructor(d: RetainedCrlsDeps) {
    this.#d = d;
  }

  /**
   * Brings the kept CRLs in line with the store's list (at open, and when another replica added or
   * released one): new ones are loaded (their key decrypted for CRL signing) and started, released
   * ones stopped. Returns the ids added.
   */
  async load(state: CaState): Promise<string[]> {
    const added: string[] = [];
    const want = new Set(state.retained.map((r) => r.issuerId));
    for (const [id, rt] of [...this.#items]) {
      if (want.has(id)) continue;
      rt.crl.stop();
      rt.sync.close();
      this.#items.delete(id);
    }
    for (const r of state.retained) {
      if (this.#items.has(r.issuerId)) continue;
      const rt = await this.#runtime({ issuerId: r.issuerId, kind: r.kind, since: r.since.toISOString(), rotationId: r.rotationId }, state);
      this.#items.set(r.issuerId, rt);
      if (this.#started) {
        await rt.crl.start();
        await this.#catchUp(rt);
      }
      added.push(r.issuerId);
    }
    return added;
  }

  list(): readonly RetainedCrl[] {
    return [...this.#items.values()];
  }

  get(issuerId: string): RetainedCrl | undefined {
    return this.#items.get(issuerId);
  }

  /**
   * Keeps the CRL of `entry`'s issuer (idempotent). `slots` are CRLs of that issuer already in
   * Roles Anywhere (target id → CRL ARN), taken over instead of imported again.
   */
  async add(entry: RetainedEntry, slots: Readonly<Record<string, string>> = {}): Promise<RetainedCrl> {
    let rt = this.#items.get(entry.issuerId);
    if (!rt) {
      await this.#d.store.updateCaState({
        addRetained: [{ issuerId: entry.issuerId, kind: entry.kind, since: new Date(entry.since), rotationId: entry.rotationId }],
      });
      rt = await this.#runtime(entry, await this.#d.store.getCaState());
      this.#items.set(entry.issuerId, rt);
    }
    for (const [targetId, crlArn] of Object.entries(slots)) {
      const t = rt.slots.get(targetId);
      if (t && !t.crlArn) await rt.slots.reset({ ...t, crlArn, lastPushedNumber: undefined, lastPushedSha256: undefined, lastSuccessAt: undefined });
    }
    if (this.#started) await rt.crl.start();
    await this.#catchUp(rt);
    return rt;
  }

  /** Starts every CRL manager (a CRL whose entries are not the store's is rebuilt now) and its timer. */
  async start(): Promise<void> {
    this.#started = true;
    for (const rt of this.#items.values()) await rt.crl.start();
  }

  stop(): void {
    for (const rt of this.#items.values()) rt.crl.stop();
  }

  close(): void {
    this.stop();
    for (const rt of this.#items.values()) rt.sync.close();
  }

  /** Each kept CRL takes a newer one from the store (built by the leader); true when any did. */
  async adoptStored(): Promise<boolean> {
    const r = await Promise.all([...this.#items.values()].map((rt) => rt.crl.adoptStored()));
    return r.some(Boolean);
  }

  /** A new leader: every kept CRL gets a fresh number (`RotatingCrlManager.rebuildEverything`). */
  async rebuildAll(why: string): Promise<void> {
    await Promise.all([...this.#items.values()].map((rt) => rt.crl.rebuild(why)));
  }

  /** A certificate was revoked: rebuild each kept CRL whose entries no longer match the store. */
  async rebuildIfChanged(why: string): Promise<void> {
    await Promise.all([...this.#items.values()].map((rt) => rt.crl.rebuildIfChanged(why)));
  }

  /** Hands each kept CRL to its sync (pushed where a trust anchor does not hold it yet). */
  async catchUp(): Promise<void> {
    for (const rt of this.#items.values()) await this.#catchUp(rt);
  }

  /** A trust anchor was registered: it gets every kept CRL now. */
  ensure(targetId: string): void {
    for (const rt of this.#items.values()) rt.sync.ensure(targetId);
  }

  /**
   * Until when `rt`'s CRL must stay: the last expiry of a certificate its issuer signed (retired),
   * or of a revoked intermediate the root's CRL lists (root). Undefined when nothing is left.
   */
  async liveUntil(rt: RetainedCrl, now: Date, leaves?: ActiveLeaves): Promise<Date | undefined> {
    if (rt.entry.kind === 'retired') return lastExpiryOf(this.#d.store, rt.entry.issuerId, now, leaves);
    let last = 0;
    for (const c of await this.#d.store.getCaCertificates()) {
      if (c.revokedAt && c.id !== rt.entry.issuerId) last = Math.max(last, c.notAfter.getTime());
    }
    return last > now.getTime() ? new Date(last) : undefined;
  }

  /**
   * Stops keeping a CRL: deleted from every trust anchor (read failures keep it for the next
   * try), then in one store transaction its entry and slots removed, the key of a retired CA
   * deleted (nothing is signed with it any more), and the release audited.
   */
  async release(issuerId: string, actor: string, why: string): Promise<void> {
    const rt = this.#items.get(issuerId);
    if (!rt) return;
    rt.crl.stop();
    rt.sync.close();
    for (const t of rt.slots.list()) {
      if (t.crlArn) await deleteCrlQuietly(this.#d.controlPlaneFor(t), t.crlArn);
    }
    await this.#d.store.updateCaState({
      removeRetained: [issuerId],
      deleteKeys: rt.entry.kind === 'retired' ? [issuerId] : [],
      audit: [{ time: this.#d.clock(), actor, action: 'rotation.crl_released', details: { issuerId, kind: rt.entry.kind, why } }],
    });
    await this.#d.registry.refresh();
    this.#items.delete(issuerId);
  }

  /** Releases every kept CRL that nothing needs any more (its last certificate expired). */
  async prune(actor: string, leaves?: ActiveLeaves): Promise<number> {
    let n = 0;
    const now = this.#d.clock();
    for (const rt of [...this.#items.values()]) {
      if (await this.liveUntil(rt, now, leaves)) continue;
      await this.release(rt.entry.issuerId, actor, 'every certificate it covers has expired');
      n++;
    }
    return n;
  }

  async status(leaves?: ActiveLeaves): Promise<RetainedStatus[]> {
    const now = this.#d.clock();
    const out: RetainedStatus[] = [];
    for (const rt of this.#items.values()) {
      const until = await this.liveUntil(rt, now, leaves);
      const cur = await rt.crl.current();
      out.push({
        issuerId: rt.entry.issuerId,
        kind: rt.entry.kind,
        since: rt.entry.since,
        until: until?.toISOString(),
        crlNumber: cur?.number,
        slotSync: rt.sync.state(),
      });
    }
    return out;
  }

  async #catchUp(rt: RetainedCrl): Promise<void> {
    const cur = await rt.crl.current();
    if (cur) rt.sync.notify(cur);
  }

  async #runtime(entry: RetainedEntry, state: CaState): Promise<RetainedCrl> {
    const d = this.#d;
    let issuer: IssuerContext;
    try {
      issuer = (await openIssuingKey({ store: d.store, state, passphrase: d.passphrase, which: { id: entry.issuerId } })).issuer;
    } catch (cause) {
      throw rotationError(
        'rotation_state_invalid',
        `The CRL of ${entry.kind === 'root' ? 'the root' : `the retired CA ${entry.issuerId.slice(0, 16)}…`} must stay published (docs/rotation.md), but its key cannot be opened: ${(cause as Error).message}. Without it the CRL goes stale in Roles Anywhere.`,
        { cause },
      );
    }
    const slots = d.registry.slot(CRL_SLOTS.retained(entry.issuerId));
    const sync = new CrlSync({
      store: slots,
      controlPlaneFor: (t: SyncTarget) => d.controlPlaneFor(t),
      logger: d.log,
      crlTags: d.crlTags,
      ...(d.syncOptions ?? {}),
    });
    const crl = new CrlManager({
      store: d.store,
      x509: d.x509,
      issuer,
      config: d.authorityConfig,
      clock: d.clock,
      leader: d.leader,
      events: {
        published: (c: PublishedCrl) => sync.notify(c),
        nearLimit: (b) => d.crlEvents?.nearLimit?.(b),
        rebuildFailed: (err) => d.crlEvents?.rebuildFailed?.(err),
      },
    });
    return { entry, issuer, crl, sync, slots };
  }
}
