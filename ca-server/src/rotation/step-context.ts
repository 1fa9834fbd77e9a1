/**
 * What the steps of a CA rotation (`start.ts`, `finish.ts`, `abort.ts`, `emergency-cut.ts`) work
 * with: the manager's dependencies and stores, and its helpers that persist a step, audit it, and
 * wire the CRL slots. The manager (`manager.ts`) owns this state and runs one step at a time.
 */
import type { CrlSync } from '../sync/crl-sync.js';
import type { SyncTarget, SyncTargetStore } from '../sync/target-store.js';
import type { IssuerContext } from '../authority/issuer.js';
import type { CaConfig } from '../ca-dir.js';
import type { AuditDraft } from '../store/types.js';
import type { RotationManagerDeps, RotationStatus } from './manager.js';
import type { RotationState, RotationStateStore } from './state.js';

/** Steps recorded in the state file (with `step:targetId` variants per trust anchor). */
export const STEP = {
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

export interface RotationStepContext {
  readonly d: RotationManagerDeps;
  readonly rot: RotationStateStore;
  /** The CA's own CRL slot of every trust anchor (the first). */
  readonly targets: SyncTargetStore;
  /** The second CRL slot (the new CA's CRL during a rotation). */
  readonly slotStore: SyncTargetStore;
  /** The CA's configuration now. */
  config(): CaConfig;
  setConfig(c: CaConfig): void;
  /** True once the first CRL slot carries the new CA's CRL (after the handover). */
  promoted(): boolean;
  /** The server's CRL sync of the first slot, once bound. */
  primarySync(): CrlSync | undefined;
  /** Stops the second slot's sync. */
  closeSlotSync(): void;
  draft(actor: string, action: string, s: RotationState, details?: Record<string, unknown>): AuditDraft;
  audit(actor: string, action: string, s: RotationState, details?: Record<string, unknown>): Promise<void>;
  /** Saves the state in the store (compare-and-set), with what else must change in the same transaction. */
  save(s: RotationState, extra?: Parameters<RotationStateStore['save']>[1]): Promise<RotationState>;
  trustChanged(): Promise<void>;
  attach(next: IssuerContext): Promise<void>;
  stopOldCrl(): Promise<void>;
  promote(): Promise<void>;
  noteOldCrls(s: RotationState): Promise<RotationState>;
  awaitNextCrl(): Promise<void>;
  awaitSync(sync: CrlSync, targets: SyncTargetStore, what: string): Promise<void>;
  status(warnings?: string[]): Promise<RotationStatus>;
}

/**
 * The new CA's CRL takes over the first slot of an anchor (at `finish`, or after an emergency
 * cut): the target's CRL ARN and push state become those of the second slot, so the first slot's
 * sync carries on from what is already in Roles Anywhere instead of importing the CRL again.
 */
export async function moveSecondSlotToFirst(c: RotationStepContext, t: SyncTarget): Promise<void> {
  const slot = c.slotStore.get(t.id);
  await c.targets.reset({
    ...t,
    crlArn: slot?.crlArn,
    lastPushedNumber: slot?.lastPushedNumber,
    lastPushedSha256: slot?.lastPushedSha256,
    lastSuccessAt: slot?.lastSuccessAt,
  });
}
