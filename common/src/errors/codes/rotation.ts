/**
 * Codes of CA rotation (docs/rotation.md). Their `details` (the leaves still to drain, …) are
 * part of the HTTP answer.
 */
import type { ErrorTable } from '../spec.js';

export const ROTATION_CODES = {
  rotation_in_progress: { http: 409, message: 'A rotation is already in progress.', publicDetails: true },
  rotation_not_started: { http: 409, message: 'No rotation is in progress.', publicDetails: true },
  rotation_wrong_phase: { http: 409, message: 'That step is not allowed in the current rotation phase.', publicDetails: true },
  rotation_not_drained: { http: 409, message: 'Leaves of the old CA are still valid and not renewed; wait, or pass force.', publicDetails: true },
  rotation_pending: { http: 503, message: 'A step could not complete yet; run the same command again to resume.', publicDetails: true },
  rotation_target_foreign: { http: 409, message: 'A trust anchor holds a certificate that is not one of this CA.', publicDetails: true },
  rotation_state_invalid: { http: 500, message: 'The rotation state file is unreadable.', publicDetails: true },
  rotation_unsupported: { http: 400, message: 'This rotation is not supported.', publicDetails: true },
  rotation_crl_slots_full: {
    http: 409,
    message: 'Every trust anchor holds two CRLs already; a rotation needs a CRL slot for the new CA.',
    publicDetails: true,
  },
} as const satisfies ErrorTable;
