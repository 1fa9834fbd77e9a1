/**
 * The words of the certificate inventory (docs/ca-api.md "Admin routes"): the statuses
 * `GET /v1/admin/certificates?status=` filters on, and the CRL reason names a revocation may give
 * (RFC 5280 §5.3.1, without `removeFromCRL`, which only has a meaning in delta CRLs).
 */

export const CERT_STATUSES = ['active', 'superseded', 'revoked', 'expired'] as const;
export type CertStatusName = (typeof CERT_STATUSES)[number];

export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
  'aACompromise',
] as const;
export type RevocationReasonName = (typeof REVOCATION_REASONS)[number];
