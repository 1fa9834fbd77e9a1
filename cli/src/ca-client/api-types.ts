/** JSON shapes of the CA server's answers (docs/ca-api.md), as the client reads them. */
import { caClientError } from './errors.js';

/** `POST /v1/enroll` and `POST /v1/renew`, 201. */
export interface IssuedCertificate {
  readonly certificate: string;
  /** Intermediates between leaf and root, PEM; empty when the root issues leaves. */
  readonly chain: string;
  /** Root PEM. */
  readonly ca?: string;
  readonly serial: string;
  readonly notBefore?: string;
  readonly notAfter: string;
}

/** `POST /v1/enroll/info`, 200. */
export interface EnrollInfo {
  readonly subject: string;
  readonly sans: readonly string[];
  readonly certTtl?: number;
  readonly expiresAt?: string;
}

/** `POST /v1/admin/tokens`, 201. */
export interface CreatedToken {
  readonly token: string;
  readonly expiresAt: string;
  readonly subject?: string;
  readonly sans?: readonly string[];
  readonly certTtl?: number;
}

/** One entry of `GET /v1/admin/admin-tokens` (never a hash or a secret). */
export interface AdminTokenInfo {
  /** Public id: the first 16 hex digits of the token's SHA-256. */
  readonly id: string;
  readonly name: string;
  readonly role: 'admin' | 'operator';
  readonly status: 'active' | 'expired' | 'revoked';
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

/** `POST /v1/admin/admin-tokens`, 201: the entry plus the secret, shown once. */
export interface CreatedAdminToken extends AdminTokenInfo {
  readonly token: string;
}

/** One row of `GET /v1/admin/certificates`. */
export interface CertificateRecord {
  readonly serial: string;
  readonly host: string;
  readonly subject: string;
  readonly sans: readonly string[];
  readonly notBefore: string;
  readonly notAfter: string;
  readonly status: string;
  readonly revokedAt: string | null;
  readonly reason: string | null;
  readonly fingerprint?: string;
  readonly renewedFrom?: string | null;
  /** The serial renewed from this one (status `superseded` while it has not expired). */
  readonly renewedBy?: string | null;
  readonly issuedAt?: string;
}

export interface CertificatePage {
  readonly certificates: CertificateRecord[];
  readonly nextCursor: string | null;
}

/** One record of `GET /v1/admin/audit`. */
export interface AuditRecord {
  readonly seq: number;
  readonly time: string;
  readonly actor: string;
  readonly action: string;
  readonly details: unknown;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditPage {
  readonly records: AuditRecord[];
  readonly nextCursor: string | null;
}

/** Check that a value has the fields of an issued certificate; the protocol is not trusted blindly. */
export function assertIssued(v: unknown): IssuedCertificate {
  const o = v as Partial<IssuedCertificate> | null;
  if (
    !o ||
    typeof o.certificate !== 'string' ||
    typeof o.serial !== 'string' ||
    typeof o.notAfter !== 'string' ||
    (o.chain !== undefined && typeof o.chain !== 'string') ||
    (o.ca !== undefined && typeof o.ca !== 'string')
  ) {
    throw caClientError('ca_response_invalid', 'the CA answered without certificate, serial or notAfter');
  }
  return { ...o, chain: o.chain ?? '' } as IssuedCertificate;
}
