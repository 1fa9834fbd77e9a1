/**
 * Error codes of rapki's Roles Anywhere control-plane use (CLI `rapki aws …` and the CA's CRL
 * sync). One table so that docs/aws.md, messages and tests agree.
 */
import { RapkiError } from '../../../common/src/errors.js';

export const AWS_ERRORS = {
  /** The control plane refused or failed a call; the service's own error type is in `details.awsError`. */
  aws_request_failed: 'the Roles Anywhere control plane refused the request',
  /** Network failure or timeout talking to the control plane. */
  aws_unreachable: 'could not reach the Roles Anywhere control plane',
  /** Throttled (HTTP 429 / ThrottlingException). */
  aws_throttled: 'the Roles Anywhere control plane throttled the request',
  /** A response that does not have the documented shape. */
  aws_response_invalid: 'the Roles Anywhere control plane answered something unexpected',
  /** No AWS credentials in the standard chain. */
  aws_credentials_missing: 'no AWS credentials found (environment, shared config/credentials files, SSO, IMDS)',
  /** PEM CRL over the 300,000 bytes ImportCrl/UpdateCrl accept. */
  crl_too_large: 'the CRL is larger than the 300,000 bytes Roles Anywhere accepts',
  /** GetCrl after a push returned bytes other than the ones pushed. */
  crl_readback_mismatch: 'the CRL Roles Anywhere holds differs from the one pushed',
  crl_invalid: 'not a PEM or DER X.509 CRL',
  /** Bad flag values of `rapki aws …`. */
  aws_usage: 'invalid arguments',
  /** Nothing registered for this CA in that region. */
  not_registered: 'this CA is not registered with Roles Anywhere in that region',
  sync_target_not_found: 'no such CRL sync target',
  sync_target_invalid: 'invalid CRL sync target',
  sync_store_invalid: 'the CRL sync target store cannot be read',
} as const;

export type AwsErrorCode = keyof typeof AWS_ERRORS;

export function awsError(
  code: AwsErrorCode,
  message?: string,
  options?: { cause?: unknown; details?: Record<string, unknown> },
): RapkiError {
  return new RapkiError(code, message ?? AWS_ERRORS[code], options);
}
