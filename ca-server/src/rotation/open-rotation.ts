/**
 * Wires rotation into an opened CA (`open-ca.ts`): the issuer switch the authority asks per
 * issuance, the CRL manager that covers both CAs, the sync targets and CRL slots (from the store),
 * and the manager; a rotation in progress is restored from the store.
 */
import type { AuthorityConfig } from '../authority/authority-config.js';
import type { CrlEvents } from '../authority/crl-manager.js';
import type { Clock, RandomSource } from '../../../common/src/clock-and-random.js';
import type { IssuerContext } from '../authority/issuer.js';
import type { X509Port } from '../authority/x509-port.js';
import { createControlPlane } from '../../../common/src/aws/control-plane.js';
import { TAGS } from '../../../common/src/aws/constants.js';
import type { RolesAnywhereControlPlane } from '../../../common/src/aws/types.js';
import type { CaConfig } from '../ca-dir.js';
import type { CaStore } from '../store/ca-store.js';
import type { SyncLogger } from '../sync/crl-sync.js';
import { SyncTargetRegistry } from '../sync/store-sync-targets.js';
import type { SyncTarget } from '../sync/target-store.js';
import { IssuerSwitch } from './issuer-switch.js';
import { RotationManager, type RotationControlPlane, type RotationManagerDeps } from './manager.js';
import { RetainedCrls } from './retained-crls.js';
import { RotatingCrlManager } from './rotating-crl.js';

export interface CaRotation {
  readonly switch: IssuerSwitch;
  readonly crl: RotatingCrlManager;
  readonly manager: RotationManager;
  /** CRLs kept after their CA stopped issuing (docs/rotation.md "After finish"). */
  readonly retained: RetainedCrls;
  /** The registered trust anchors and their CRL slots, cached from the store. */
  readonly registry: SyncTargetRegistry;
  close(): void;
}

export interface OpenRotationOptions {
  readonly passphrase: string;
  readonly config: CaConfig;
  readonly store: CaStore;
  readonly x509: X509Port;
  readonly authorityConfig: AuthorityConfig;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly primary: IssuerContext;
  readonly events?: CrlEvents | undefined;
  /** Overrides for tests (control plane, timings, key encryption cost). */
  readonly overrides?:
    | Partial<Pick<RotationManagerDeps, 'controlPlaneFor' | 'slotSyncOptions' | 'publishWaitMs' | 'keyEncryption' | 'log' | 'stepDelayMs' | 'pollMs'>>
    | undefined;
  /** Environment (`RAPKI_ROTATION_STEP_DELAY_MS`); default `process.env`. */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** Whether this replica leads (docs/ha.md "Work done once"); absent: always. */
  readonly leader?: (() => boolean) | undefined;
}

const quietLog: SyncLogger = { info() {}, warn() {}, error() {} };

/** `RAPKI_ROTATION_STEP_DELAY_MS`: 0..60000, else 0. */
function stepDelayFrom(env: NodeJS.ProcessEnv): number {
  const n = Number(env.RAPKI_ROTATION_STEP_DELAY_MS ?? 0);
  return Number.isInteger(n) && n > 0 && n <= 60_000 ? n : 0;
}

/** Control-plane clients per (region, endpoint), made on first use (credentials: the standard AWS chain). */
function lazyControlPlanes(): { forTarget: (t: SyncTarget) => RotationControlPlane; close(): void } {
  const clients = new Map<string, RolesAnywhereControlPlane>();
  const get = (t: SyncTarget): RolesAnywhereControlPlane => {
    const key = `${t.region}|${t.endpoint ?? ''}`;
    let c = clients.get(key);
    if (!c) {
      c = createControlPlane({ region: t.region, endpoint: t.endpoint, maxAttempts: 3, timeoutMs: 10_000 });
      clients.set(key, c);
    }
    return c;
  };
  return {
    forTarget: (t) => ({
      getTrustAnchor: (id) => get(t).getTrustAnchor(id),
      updateTrustAnchor: (id, i) => get(t).updateTrustAnchor(id, i),
      importCrl: (i) => get(t).importCrl(i),
      updateCrl: (id, pem) => get(t).updateCrl(id, pem),
      enableCrl: (id) => get(t).enableCrl(id),
      getCrl: (id) => get(t).getCrl(id),
      deleteCrl: (id) => get(t).deleteCrl(id),
      listProfiles: () => get(t).listProfiles(),
      listTags: (arn) => get(t).listTags(arn),
      tagResource: (arn, tags) => get(t).tagResource(arn, tags),
    }),
    close() {
      for (const c of clients.values()) c.close();
      clients.clear();
    },
  };
}

export async function openRotation(o: OpenRotationOptions): Promise<CaRotation> {
  const sw = new IssuerSwitch(o.primary);
  const crl = new RotatingCrlManager({
    store: o.store,
    x509: o.x509,
    issuer: o.primary,
    config: o.authorityConfig,
    clock: o.clock,
    events: o.events,
    leader: o.leader,
  });
  const cps = lazyControlPlanes();
  const registry = new SyncTargetRegistry(o.store, o.clock);
  const controlPlaneFor = o.overrides?.controlPlaneFor ?? cps.forTarget;
  const log = o.overrides?.log ?? quietLog;
  const retained = new RetainedCrls({
    passphrase: o.passphrase,
    store: o.store,
    x509: o.x509,
    authorityConfig: o.authorityConfig,
    clock: o.clock,
    registry,
    controlPlaneFor,
    crlTags: [
      { key: TAGS.managedBy, value: TAGS.managedByValue },
      { key: TAGS.caFingerprint, value: o.config.fingerprint },
    ],
    log,
    crlEvents: o.events,
    syncOptions: o.overrides?.slotSyncOptions,
    leader: o.leader,
  });
  const manager = new RotationManager({
    passphrase: o.passphrase,
    config: o.config,
    store: o.store,
    x509: o.x509,
    authorityConfig: o.authorityConfig,
    clock: o.clock,
    random: o.random,
    switch: sw,
    crl,
    retained,
    registry,
    controlPlaneFor: cps.forTarget,
    crlEvents: o.events,
    stepDelayMs: stepDelayFrom(o.env ?? process.env),
    leader: o.leader,
    ...o.overrides,
  });
  await manager.restore();
  return {
    switch: sw,
    crl,
    manager,
    retained,
    registry,
    close() {
      manager.close();
      cps.close();
    },
  };
}
