/**
 * Coded errors of CA rotation, mapped to HTTP by the one mapper (ca-server/src/http/error-mapper.ts)
 * with their `details`. The codes are the `rotation` area of the one registry
 * (common/src/errors/codes/rotation.ts).
 */
import type { RapkiError } from '../../../common/src/errors.js';
import { ROTATION_CODES } from '../../../common/src/errors/codes/rotation.js';
import { rapkiError } from '../../../common/src/errors/registry.js';

/** The registry's entries of this area. */
export const ROTATION_ERRORS = ROTATION_CODES;

export type RotationErrorCode = keyof typeof ROTATION_CODES;

export function rotationError(code: RotationErrorCode, message?: string, opts: { cause?: unknown; details?: Record<string, unknown> } = {}): RapkiError {
  return rapkiError(code, message, opts);
}
