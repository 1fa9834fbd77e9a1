/**
 * One call that gives the CA server its CRL sync, so that wiring it in stays a few lines:
 *
 * ```ts
 * const aws = createCaCrlSync({ targets: registry.primary, caFingerprint, logger });
 * authority.onCrlChange((crl) => aws.sync.notify(crl));          // after every CRL rebuild
 * app.use('/v1/admin/aws', requireAdmin, aws.router);            // admin routes
 * metricsText += aws.metrics();                                   // /metrics
 * aws.sync.notify(currentCrl);                                    // at start: catch up
 * ```
 *
 * Control-plane clients are created per (region, endpoint) on first use, with the SDK's own retries
 * off (the sync does its own backoff), and credentials from the standard AWS chain of the CA
 * server's environment. Clients are built on the first push, so a CA with no sync target never
 * resolves AWS credentials.
 */
import type { Response, Router } from 'express';
import { TAGS } from '../../../common/src/aws/constants.js';
import { createControlPlane } from '../../../common/src/aws/control-plane.js';
import type { RolesAnywhereControlPlane } from '../../../common/src/aws/types.js';
import { CrlSync } from './crl-sync.js';
import type { CrlControlPlane, CrlSyncOptions, SyncLogger } from './crl-sync.js';
import { crlSyncMetrics } from './metrics.js';
import { createSyncRouter } from '../http/sync-routes.js';
import type { SyncTarget, SyncTargetStore } from './target-store.js';

export interface CaCrlSync {
  readonly sync: CrlSync;
  readonly store: SyncTargetStore;
  readonly router: Router;
  metrics(): string;
  close(): void;
}

export interface CaCrlSyncOptions extends Partial<Omit<CrlSyncOptions, 'store' | 'controlPlaneFor'>> {
  /** The CA's own CRL slot of every registered trust anchor (`store-sync-targets.ts`). */
  readonly targets: SyncTargetStore;
  /** Who registers or removes a target through the admin routes (audit actor). */
  readonly actorOf?: (res: Response) => string;
  /** SHA-256 hex of the root, tagged on CRLs the sync imports. */
  readonly caFingerprint?: string;
  readonly logger?: SyncLogger;
  /** Override (tests). */
  readonly controlPlaneFor?: (target: SyncTarget) => CrlControlPlane;
}

export function createCaCrlSync(options: CaCrlSyncOptions): CaCrlSync {
  const store = options.targets;
  const clients = new Map<string, RolesAnywhereControlPlane>();
  const lazyFor = (target: SyncTarget): CrlControlPlane => {
    const key = `${target.region}|${target.endpoint ?? ''}`;
    const load = (): RolesAnywhereControlPlane => {
      let c = clients.get(key);
      if (!c) {
        c = createControlPlane({ region: target.region, endpoint: target.endpoint, maxAttempts: 1, timeoutMs: 10_000 });
        clients.set(key, c);
      }
      return c;
    };
    return {
      importCrl: (i) => load().importCrl(i),
      updateCrl: (id, pem) => load().updateCrl(id, pem),
      enableCrl: (id) => load().enableCrl(id),
      getCrl: (id) => load().getCrl(id),
    };
  };
  const crlTags = [
    { key: TAGS.managedBy, value: TAGS.managedByValue },
    ...(options.caFingerprint ? [{ key: TAGS.caFingerprint, value: options.caFingerprint }] : []),
  ];
  const sync = new CrlSync({
    ...options,
    store,
    crlTags,
    controlPlaneFor: options.controlPlaneFor ?? lazyFor,
  });
  return {
    sync,
    store,
    router: createSyncRouter(sync, store, undefined, options.actorOf),
    metrics: () => crlSyncMetrics(sync),
    close() {
      sync.close();
      for (const c of clients.values()) c.close();
      clients.clear();
    },
  };
}
