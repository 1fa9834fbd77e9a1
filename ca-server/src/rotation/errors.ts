/** Coded errors of CA rotation (`RapkiError`, mapped to HTTP by `routes.ts`). */
import { RapkiError } from '../../../common/src/errors.js';

export const ROTATION_ERRORS = {
  rotation_in_progress: { status: 409, message: 'A rotation is already in progress.' },
  rotation_not_started: { status: 409, message: 'No rotation is in progress.' },
  rotation_wrong_phase: { status: 409, message: 'That step is not allowed in the current rotation phase.' },
  rotation_not_drained: { status: 409, message: 'Leaves of the old CA are still valid and not renewed; wait, or pass force.' },
  rotation_pending: { status: 503, message: 'A step could not complete yet; run the same command again to resume.' },
  rotation_target_foreign: { status: 409, message: 'A trust anchor holds a certificate that is not one of this CA.' },
  rotation_state_invalid: { status: 500, message: 'The rotation state file is unreadable.' },
  rotation_unsupported: { status: 400, message: 'This rotation is not supported.' },
  rotation_crl_slots_full: { status: 409, message: 'Every trust anchor holds two CRLs already; a rotation needs a CRL slot for the new CA.' },
} as const;

export type RotationErrorCode = keyof typeof ROTATION_ERRORS;

export function rotationError(code: RotationErrorCode, message?: string, opts: { cause?: unknown; details?: Record<string, unknown> } = {}): RapkiError {
  return new RapkiError(code, message ?? ROTATION_ERRORS[code].message, opts as never);
}
