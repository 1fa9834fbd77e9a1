/**
 * The JSON bodies of the CA's HTTP API (docs/ca-api.md, docs/rotation.md, docs/aws.md): what the
 * server builds and what the client reads, one type for both. Times are ISO 8601 UTC strings;
 * serials canonical lower-case hex.
 */
import type { AdminTokenRole } from './admin-tokens.js';

/** Every error answer: status from docs/errors.md; `details` only where the code's docs say so (rotation). */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** `POST /v1/enroll` {token, csr} and `POST /v1/renew` {csr[, possession]}: 201. */
export interface IssuedCertificate {
  readonly certificate: string;
  /** Intermediates between leaf and root, PEM; empty when the root issues leaves. */
  readonly chain: string;
  /** Root PEM (both roots during a rotation, the issuing one first). */
  readonly ca?: string;
  readonly serial: string;
  readonly notBefore?: string;
  readonly notAfter: string;
}

/** `POST /v1/enroll/info` {token}: 200. */
export interface EnrollInfo {
  readonly subject: string;
  readonly sans: readonly string[];
  readonly certTtl?: number;
  readonly expiresAt?: string;
}

/** `GET /v1/ca`. `roots`, `bundle` and `rotation` name the next CA during a rotation. */
export interface CaBundle {
  readonly root: string;
  readonly intermediates: readonly string[];
  readonly issuer: string;
  readonly bundle: string;
  readonly fingerprint: string;
  readonly roots?: readonly string[];
  readonly rotation?: {
    readonly phase: string | null;
    readonly issuing: 'old' | 'new';
    readonly next: { readonly root: string; readonly intermediates: readonly string[]; readonly fingerprint: string };
  } | null;
}

/** `POST /v1/admin/tokens` body. Durations: common/src/contract/duration.ts. */
export interface CreateTokenRequest {
  readonly subject: string;
  readonly sans?: readonly string[];
  readonly ttl?: number | string;
  readonly certTtl?: number | string;
}

/** `POST /v1/admin/tokens`: 201. */
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
  readonly role: AdminTokenRole;
  readonly status: 'active' | 'expired' | 'revoked';
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

/** `POST /v1/admin/admin-tokens` body. */
export interface CreateAdminTokenRequest {
  readonly name: string;
  readonly role: AdminTokenRole;
  readonly ttl?: number | string;
}

/** `POST /v1/admin/admin-tokens`: 201, the entry plus the secret, shown once. */
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

/** `POST /v1/admin/certificates/{serial}/revoke` {reason?}. */
export interface RevokedCertificate {
  readonly serial: string;
  readonly status: 'revoked';
  readonly revokedAt: string;
  readonly reason: string;
  readonly crlNumber: string | number;
}

/** `POST /v1/admin/hosts/{name}/revoke` {reason?, blockUnknown?}. */
export interface RevokedHost {
  readonly host: string;
  readonly revoked: readonly string[];
  readonly blocked: true;
  readonly crlNumber: string | number | null;
}

/** `POST /v1/admin/hosts/{name}/unblock`. */
export interface UnblockedHost {
  readonly host: string;
  readonly blocked: false;
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

/** `GET /v1/admin/rotation/plan`, and `plan` of the rotation status. */
export interface RotationPlan {
  readonly phase: string;
  readonly overlapSeconds: number;
  readonly longestLeafLifetimeSeconds: number;
  readonly pendingLeaves: number;
  readonly drainedBy?: string;
  readonly earliestFinishAt: string;
  readonly expectedDrainAt: string;
  readonly steps: readonly { readonly name: string; readonly description: string; readonly at?: string; readonly done: boolean }[];
  readonly blocking: readonly { readonly serial: string; readonly host: string; readonly notAfter: string }[];
}

/** `GET /v1/admin/rotation` and the answer of `POST …/start|finish|abort`. */
export interface RotationStatus {
  readonly state?: { readonly id: string; readonly phase: string; readonly startedAt: string; readonly emergency: boolean; readonly done: readonly string[] };
  readonly plan: RotationPlan;
  readonly current: { readonly issuerId: string; readonly rootFingerprint: string };
  readonly next?: { readonly issuerId: string; readonly rootFingerprint: string };
  readonly issuing: 'old' | 'new';
  readonly retainedCrls?: readonly { readonly issuerId: string; readonly kind: 'retired' | 'root'; readonly until?: string }[];
  readonly warnings: readonly string[];
  readonly completed?: boolean;
}

/** `POST /v1/admin/aws/sync-targets` body. */
export interface SyncTargetRequest {
  readonly trustAnchorArn: string;
  readonly crlArn?: string | undefined;
  readonly region: string;
  readonly endpoint?: string | undefined;
  /** SHA-256 / number of the CRL the caller confirmed AWS holds, so the CA does not push it again. */
  readonly pushedCrlSha256?: string | undefined;
  readonly pushedCrlNumber?: string | undefined;
}

/** One target of the CRL sync, as `GET /v1/admin/aws/status` shows it. */
export interface SyncTargetStatus {
  readonly id: string;
  readonly trustAnchorArn: string;
  readonly crlArn: string | undefined;
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly status: string;
  /** CRL number last confirmed by read-back (decimal string). */
  readonly pushedNumber: string | undefined;
  readonly lastSuccessAt: string | undefined;
  readonly lastAttemptAt: string | undefined;
  readonly nextAttemptAt: string | undefined;
  readonly consecutiveFailures: number;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: string } | undefined;
}

/** `GET /v1/admin/aws/status`. */
export interface SyncStatus {
  readonly crl: { readonly number: string; readonly sizeBytes: number; readonly sha256: string; readonly receivedAt: string } | undefined;
  readonly alarm:
    | {
        readonly code: 'crl_too_large';
        readonly message: string;
        readonly crlNumber: string;
        readonly sizeBytes: number;
        readonly limitBytes: number;
        readonly at: string;
      }
    | undefined;
  readonly targets: readonly SyncTargetStatus[];
  readonly counters: { readonly pushes: number; readonly failures: number; readonly refused: number; readonly calls: number };
}
