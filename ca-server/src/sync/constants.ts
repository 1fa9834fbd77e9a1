/**
 * Constants of the CA's CRL sync to Roles Anywhere, in one place (User Guide, "Quotas": CRL calls
 * 1 per second, 2 CRLs per trust anchor; docs/aws.md "The CRL sync" documents each value).
 */
import { CRL_PEM_MAX_BYTES } from '../../../common/src/x509/crl.js';

/** Admin routes, mounted by the CA server under `/v1/admin/aws`. */
export const SYNC_ROUTE_PREFIX = '/v1/admin/aws';

export const SYNC_DEFAULTS = {
  /** CRL API calls combined: 1 per second per account and region (Roles Anywhere quota). */
  minCallIntervalMs: 1000,
  /** First retry after a failed push; doubles each time up to `backoffMaxMs`. */
  backoffInitialMs: 1000,
  backoffFactor: 2,
  /** Cap of the retry delay while the control plane is down: a revocation lands at most this long after it comes back. */
  backoffMaxMs: 30_000,
  /** Random share added to each retry delay (0–20 %) so that several CAs do not retry in step. */
  backoffJitter: 0.2,
  /** ImportCrl/UpdateCrl `crlData` limit (PEM bytes). */
  maxCrlBytes: CRL_PEM_MAX_BYTES,
} as const;

export const SYNC_LIMITS = {
  maxTargets: 50,
  endpointMaxChars: 2048,
} as const;

/** Name given to a CRL rapki imports (ResourceName: 1–255, `[ a-zA-Z0-9-_]`). */
export function crlResourceName(trustAnchorArn: string): string {
  const id = trustAnchorArn.slice(trustAnchorArn.lastIndexOf('/') + 1).replace(/[^a-zA-Z0-9-]/g, '');
  return `rapki-crl-${id}`.slice(0, 255);
}
