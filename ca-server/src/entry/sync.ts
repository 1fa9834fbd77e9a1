/**
 * Entry point for the CLI: what `rapki aws` shares with the CA's CRL sync, so that both name and
 * pace the same things (a sync target's id and checks, the CRL's name in Roles Anywhere, the
 * spacing of control-plane calls). Statically imported; none of it opens a store.
 */
export { crlResourceName } from '../sync/constants.js';
export { CallSpacer, waitingScheduler, type SyncScheduler } from '../sync/scheduler.js';
export { syncTargetId, validateTargetInput, type SyncTarget } from '../sync/target-store.js';
