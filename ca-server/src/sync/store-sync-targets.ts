/**
 * The CRL sync targets and their CRL slots kept in the CA's store (docs/ha.md), seen through the
 * synchronous {@link SyncTargetStore} the CRL sync reads on every notify: a cache in memory, loaded
 * from the store at start and whenever the CA state version moves (another replica, or `rapki aws
 * register --ca-dir`, registered or removed a trust anchor), written through to the store.
 *
 * One {@link SyncTargetRegistry} per process holds the targets; each CRL slot is a view of it
 * (`slot(name)`): the CA's own CRL (`primary`), the next CA's during a rotation (`next`), one per
 * kept CRL (`retained:<issuer id>`, docs/rotation.md). A write of a push goes through the store's
 * forward-only update (`CaStore.saveCrlSlot`), so what a slot records never goes backwards, even
 * when two replicas pushed; the cache takes what the store kept.
 */
import type { CaStore } from '../store/ca-store.js';
import { CRL_SLOTS, type CrlSlotRecord, type SyncTargetRecord } from '../store/types.js';
import { awsError } from '../../../common/src/aws/errors.js';
import { SYNC_LIMITS } from './constants.js';
import type { SyncTarget, SyncTargetStore } from './target-store.js';
import type { PushClaim } from '../leader/lease.js';

const iso = (d: Date | null): string | undefined => (d ? d.toISOString() : undefined);

function toTarget(t: SyncTargetRecord, s: CrlSlotRecord | undefined): SyncTarget {
  return {
    id: t.id,
    trustAnchorArn: t.trustAnchorArn,
    region: t.region,
    endpoint: t.endpoint ?? undefined,
    createdAt: t.createdAt.toISOString(),
    crlArn: s?.crlArn ?? undefined,
    lastPushedNumber: s?.pushedNumber ?? undefined,
    lastPushedSha256: s?.pushedSha256 ?? undefined,
    lastSuccessAt: iso(s?.lastSuccessAt ?? null),
  };
}

function slotRecord(slot: string, t: SyncTarget): CrlSlotRecord {
  return {
    slot,
    targetId: t.id,
    crlArn: t.crlArn ?? null,
    pushedNumber: t.lastPushedNumber ?? null,
    pushedSha256: t.lastPushedSha256 ?? null,
    lastSuccessAt: t.lastSuccessAt ? new Date(t.lastSuccessAt) : null,
  };
}

function targetRecord(t: SyncTarget): SyncTargetRecord {
  const created = new Date(t.createdAt);
  return {
    id: t.id,
    trustAnchorArn: t.trustAnchorArn,
    region: t.region,
    endpoint: t.endpoint ?? null,
    createdAt: Number.isNaN(created.getTime()) ? new Date() : created,
  };
}

export class SyncTargetRegistry {
  readonly #store: CaStore;
  readonly #clock: () => Date;
  #targets: SyncTargetRecord[] = [];
  /** slot name → target id → row */
  #slots = new Map<string, Map<string, CrlSlotRecord>>();
  readonly #views = new Map<string, SlotView>();
  #fence: ((claim: PushClaim) => Promise<boolean>) | undefined;

  constructor(store: CaStore, clock: () => Date = () => new Date()) {
    this.#store = store;
    this.#clock = clock;
  }

  /**
   * Replicas: every push of every slot first claims its CRL number under the leader lease
   * (`Leadership.claimPush`); undefined (one process) lets every push go.
   */
  setFence(fence: ((claim: PushClaim) => Promise<boolean>) | undefined): void {
    this.#fence = fence;
  }

  /** The fence of a push (true when there is none). */
  claimPush(claim: PushClaim): Promise<boolean> {
    return this.#fence ? this.#fence(claim) : Promise.resolve(true);
  }

  /** Reloads targets and every slot from the store. */
  async refresh(): Promise<void> {
    const [targets, slots] = await Promise.all([this.#store.listSyncTargets(), this.#store.listCrlSlots()]);
    const bySlot = new Map<string, Map<string, CrlSlotRecord>>();
    for (const s of slots) {
      let m = bySlot.get(s.slot);
      if (!m) bySlot.set(s.slot, (m = new Map()));
      m.set(s.targetId, s);
    }
    this.#targets = [...targets];
    this.#slots = bySlot;
  }

  /** The registered trust anchors (from the cache). */
  targets(): readonly SyncTargetRecord[] {
    return this.#targets;
  }

  /** The view of one CRL slot (one object per name). */
  slot(name: string): SyncTargetStore {
    let v = this.#views.get(name);
    if (!v) this.#views.set(name, (v = new SlotView(this, name)));
    return v;
  }

  /** The CA's own CRL slot. */
  get primary(): SyncTargetStore {
    return this.slot(CRL_SLOTS.primary);
  }

  /** Rows of a slot (from the cache). */
  rows(slot: string): ReadonlyMap<string, CrlSlotRecord> {
    return this.#slots.get(slot) ?? new Map();
  }

  /** Drops a slot's rows from the store (and the cache). */
  async dropSlot(slot: string): Promise<void> {
    await this.#store.deleteCrlSlots(slot);
    this.#slots.delete(slot);
  }

  // ---- used by the slot views

  hasTarget(id: string): boolean {
    return this.#targets.some((t) => t.id === id);
  }

  async registerTarget(t: SyncTarget, actor: string): Promise<boolean> {
    if (!this.hasTarget(t.id) && this.#targets.length >= SYNC_LIMITS.maxTargets)
      throw awsError('sync_target_invalid', `at most ${SYNC_LIMITS.maxTargets} sync targets`);
    const rec = targetRecord(t);
    const created = await this.#store.putSyncTarget(rec, {
      time: this.#clock(),
      actor,
      action: 'sync_target.add',
      details: { id: t.id, trustAnchorArn: t.trustAnchorArn, region: t.region, endpoint: t.endpoint ?? null },
    });
    if (!this.hasTarget(t.id)) this.#targets = [...this.#targets, rec];
    return created;
  }

  async removeTarget(id: string, actor: string): Promise<boolean> {
    const t = this.#targets.find((x) => x.id === id);
    const removed = await this.#store.removeSyncTarget(id, {
      time: this.#clock(),
      actor,
      action: 'sync_target.remove',
      details: { id, trustAnchorArn: t?.trustAnchorArn ?? null },
    });
    this.#targets = this.#targets.filter((x) => x.id !== id);
    for (const m of this.#slots.values()) m.delete(id);
    return removed;
  }

  async saveSlot(rec: CrlSlotRecord, mode: 'forward' | 'replace'): Promise<void> {
    const r = await this.#store.saveCrlSlot(rec, mode);
    if (!r) {
      // Removed meanwhile (by another replica): forget it here too.
      this.#targets = this.#targets.filter((x) => x.id !== rec.targetId);
      for (const m of this.#slots.values()) m.delete(rec.targetId);
      return;
    }
    let m = this.#slots.get(rec.slot);
    if (!m) this.#slots.set(rec.slot, (m = new Map()));
    m.set(rec.targetId, r.slot);
  }

  async deleteSlotRow(slot: string, targetId: string): Promise<boolean> {
    const had = this.#slots.get(slot)?.has(targetId) ?? false;
    await this.#store.deleteCrlSlots(slot, targetId);
    this.#slots.get(slot)?.delete(targetId);
    return had;
  }
}

/** One CRL slot of every registered trust anchor, as the CRL sync sees it. */
class SlotView implements SyncTargetStore {
  readonly #reg: SyncTargetRegistry;
  readonly #slot: string;

  constructor(reg: SyncTargetRegistry, slot: string) {
    this.#reg = reg;
    this.#slot = slot;
  }

  list(): SyncTarget[] {
    const rows = this.#reg.rows(this.#slot);
    return this.#reg.targets().map((t) => toTarget(t, rows.get(t.id)));
  }

  get(id: string): SyncTarget | undefined {
    const t = this.#reg.targets().find((x) => x.id === id);
    return t ? toTarget(t, this.#reg.rows(this.#slot).get(id)) : undefined;
  }

  async put(target: SyncTarget): Promise<void> {
    if (!this.#reg.hasTarget(target.id)) {
      if (this.#slot !== CRL_SLOTS.primary) return;
      await this.#reg.registerTarget(target, 'system');
    }
    await this.#reg.saveSlot(slotRecord(this.#slot, target), 'forward');
  }

  claimPush(targetId: string, issuer: string, number: bigint): Promise<boolean> {
    return this.#reg.claimPush({ slot: this.#slot, targetId, issuer, number });
  }

  async reset(target: SyncTarget): Promise<void> {
    if (!this.#reg.hasTarget(target.id)) return;
    await this.#reg.saveSlot(slotRecord(this.#slot, target), 'replace');
  }

  async register(target: SyncTarget, actor: string): Promise<boolean> {
    const created = await this.#reg.registerTarget(target, actor);
    await this.#reg.saveSlot(slotRecord(this.#slot, target), 'forward');
    return created;
  }

  /** The CA's own slot: removes the trust anchor (every slot with it); another slot: only its row. */
  async remove(id: string, actor = 'system'): Promise<boolean> {
    if (this.#slot === CRL_SLOTS.primary) return this.#reg.removeTarget(id, actor);
    return this.#reg.deleteSlotRow(this.#slot, id);
  }
}
