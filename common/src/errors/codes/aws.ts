/**
 * Codes of rapki's Roles Anywhere control-plane use (`rapki aws …`, the CA's CRL sync; docs/aws.md).
 * The sync target codes are also answered by the CA's admin API (`/v1/admin/aws`).
 */
import type { ErrorTable } from '../spec.js';

export const AWS_CODES = {
  /** The control plane refused or failed a call; the service's own error type is in `details.awsError`. */
  aws_request_failed: { message: 'the Roles Anywhere control plane refused the request' },
  /** Network failure or timeout talking to the control plane. */
  aws_unreachable: { message: 'could not reach the Roles Anywhere control plane' },
  /** Throttled (HTTP 429 / ThrottlingException). */
  aws_throttled: { message: 'the Roles Anywhere control plane throttled the request' },
  /** A response that does not have the documented shape. */
  aws_response_invalid: { message: 'the Roles Anywhere control plane answered something unexpected' },
  /** No AWS credentials in the standard chain. */
  aws_credentials_missing: { message: 'no AWS credentials found (environment, shared config/credentials files, SSO, IMDS)' },
  /** PEM CRL over the 300,000 bytes ImportCrl/UpdateCrl accept. */
  crl_too_large: { message: 'the CRL is larger than the 300,000 bytes Roles Anywhere accepts' },
  /** GetCrl after a push returned bytes other than the ones pushed. */
  crl_readback_mismatch: { message: 'the CRL Roles Anywhere holds differs from the one pushed' },
  crl_invalid: { message: 'not a PEM or DER X.509 CRL' },
  /** Nothing registered for this CA in that region. */
  not_registered: { message: 'this CA is not registered with Roles Anywhere in that region' },
  sync_target_not_found: { http: 404, message: 'no such CRL sync target' },
  sync_target_invalid: { http: 400, message: 'invalid CRL sync target' },
} as const satisfies ErrorTable;
