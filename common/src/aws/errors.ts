/**
 * Coded errors of rapki's Roles Anywhere control-plane use (CLI `rapki aws …` and the CA's CRL
 * sync). The codes are the `aws` area of the one registry (common/src/errors/codes/aws.ts), listed
 * in docs/errors.md and docs/aws.md.
 */
import type { RapkiError } from '../errors.js';
import type { AWS_CODES } from '../errors/codes/aws.js';
import { rapkiError } from '../errors/registry.js';

/** This area's codes, and `flag_value_invalid` for bad flag values of `rapki aws …`. */
export type AwsErrorCode = keyof typeof AWS_CODES | 'flag_value_invalid';

export function awsError(code: AwsErrorCode, message?: string, options?: { cause?: unknown; details?: Record<string, unknown> }): RapkiError {
  return rapkiError(code, message, options);
}
