/**
 * Table rows to records, shared by the SQLite and PostgreSQL stores (same tables, same columns).
 * Numbers may arrive as numbers (SQLite) or as strings (PostgreSQL `bigint`), binary as Buffer.
 */
import { caError } from '../errors.js';
import type { AuditSpec } from './ca-store.js';
import type {
  AdminTokenRecord,
  AuditDraft,
  AuditRecord,
  CaCertificateRecord,
  CaCertificateState,
  CaConfigRecord,
  CaKeyRecord,
  CertificateRecord,
  CertificateSearch,
  CrlRecord,
  CrlSlotRecord,
  RetainedCrlRecord,
  RotationHistoryRecord,
  RotationRecord,
  StateDocument,
  SyncTargetRecord,
  TokenRecord,
  UiSessionRecord,
} from './types.js';

export type Row = Record<string, unknown>;

function date(v: unknown): Date | null {
  return v === null || v === undefined ? null : new Date(Number(v));
}

export function adminTokenFromRow(r: Row): AdminTokenRecord {
  return {
    hash: String(r.hash),
    id: String(r.id),
    role: r.role as AdminTokenRecord['role'],
    name: String(r.name),
    createdAt: new Date(Number(r.created_at)),
    expiresAt: date(r.expires_at),
    lastUsedAt: date(r.last_used_at),
    revokedAt: date(r.revoked_at),
  };
}

export function tokenFromRow(r: Row): TokenRecord {
  return {
    hash: String(r.hash),
    subject: String(r.subject),
    sans: JSON.parse(String(r.sans)) as string[],
    certTtlSeconds: Number(r.cert_ttl_seconds),
    createdAt: new Date(Number(r.created_at)),
    expiresAt: new Date(Number(r.expires_at)),
    usedAt: date(r.used_at),
    createdBy: String(r.created_by),
  };
}

export function caCertificateFromRow(r: Row): CaCertificateRecord {
  return {
    id: String(r.id),
    role: r.role as 'root' | 'intermediate',
    der: new Uint8Array(r.der as Buffer),
    notAfter: new Date(Number(r.not_after)),
    issuing: Number(r.issuing) === 1 || r.issuing === true,
    revokedAt: date(r.revoked_at),
    reason: r.reason === null || r.reason === undefined ? null : String(r.reason),
    state: (r.state ?? 'active') as CaCertificateState,
  };
}

const bool = (v: unknown): boolean => v === true || Number(v) === 1;
const textOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function caConfigFromRow(r: Row): CaConfigRecord {
  return {
    keyType: String(r.key_type),
    subject: String(r.subject),
    intermediate: bool(r.intermediate),
    createdAt: new Date(Number(r.created_at)),
    rootId: String(r.root_id),
    issuerId: String(r.issuer_id),
    pkcs11Module: textOrNull(r.pkcs11_module),
    rotatedAt: date(r.rotated_at),
  };
}

export function caKeyFromRow(r: Row): CaKeyRecord {
  return { caId: String(r.ca_id), kind: r.kind as CaKeyRecord['kind'], value: String(r.value) };
}

export function rotationFromRow(r: Row): RotationRecord {
  return { version: Number(r.version), id: String(r.rotation_id), state: JSON.parse(String(r.state)) as StateDocument };
}

export function rotationHistoryFromRow(r: Row): RotationHistoryRecord {
  return {
    id: String(r.rotation_id),
    outcome: r.outcome as RotationHistoryRecord['outcome'],
    endedAt: new Date(Number(r.ended_at)),
    state: JSON.parse(String(r.state)) as StateDocument,
  };
}

export function retainedFromRow(r: Row): RetainedCrlRecord {
  return { issuerId: String(r.issuer_id), kind: r.kind as RetainedCrlRecord['kind'], since: new Date(Number(r.since)), rotationId: String(r.rotation_id) };
}

export function syncTargetFromRow(r: Row): SyncTargetRecord {
  return {
    id: String(r.id),
    trustAnchorArn: String(r.trust_anchor_arn),
    region: String(r.region),
    endpoint: textOrNull(r.endpoint),
    createdAt: new Date(Number(r.created_at)),
  };
}

export function crlSlotFromRow(r: Row): CrlSlotRecord {
  return {
    slot: String(r.slot),
    targetId: String(r.target_id),
    crlArn: textOrNull(r.crl_arn),
    pushedNumber: textOrNull(r.pushed_number),
    pushedSha256: textOrNull(r.pushed_sha256),
    lastSuccessAt: date(r.last_success_at),
  };
}

export function crlFromRow(r: Row): CrlRecord {
  return {
    issuerId: String(r.issuer_id),
    number: Number(r.number),
    thisUpdate: new Date(Number(r.this_update)),
    nextUpdate: new Date(Number(r.next_update)),
    der: new Uint8Array(r.der as Buffer),
  };
}

/**
 * Whether a push of CRL number `next` may replace what a slot records (`stored`): never a smaller
 * number (a replica that pushed an older CRL late must not move the record backwards). Numbers are
 * decimal strings of up to 20 octets, so compared as BigInt.
 */
export function slotMovesForward(stored: string | null, next: string | null): boolean {
  if (stored === null || next === null) return true;
  try {
    return BigInt(next) >= BigInt(stored);
  } catch {
    return true;
  }
}

export function certFromRow(r: Row): CertificateRecord {
  return {
    serial: String(r.serial),
    host: String(r.host),
    subject: String(r.subject),
    sans: JSON.parse(String(r.sans)) as string[],
    notBefore: new Date(Number(r.not_before)),
    notAfter: new Date(Number(r.not_after)),
    status: r.status as CertificateRecord['status'],
    revokedAt: date(r.revoked_at),
    reason: r.reason === null ? null : String(r.reason),
    fingerprint: String(r.fingerprint),
    der: new Uint8Array(r.der as Buffer),
    issuerId: String(r.issuer_id),
    renewedFrom: r.renewed_from === null ? null : String(r.renewed_from),
    issuedAt: new Date(Number(r.issued_at)),
    certTtlSeconds: Number(r.cert_ttl_seconds),
  };
}

/** One `audit_log` row as an AuditRecord (also used by the backup, which reads a copied database). */
export function auditRecordFromRow(r: Row): AuditRecord {
  return {
    seq: Number(r.seq),
    time: String(r.time),
    actor: String(r.actor),
    action: String(r.action),
    details: JSON.parse(String(r.details)) as Record<string, unknown>,
    prevHash: String(r.prev_hash),
    hash: String(r.hash),
  };
}

export function resolveAudit<R>(spec: AuditSpec<R>, result: R): AuditDraft {
  return typeof spec === 'function' ? spec(result) : spec;
}

/** Inventory page cursor: the `seq` of the last certificate shown (opaque to clients). */
export function encodeCursor(seq: number): string {
  return Buffer.from(`c${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const s = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^c(\d{1,15})$/.exec(s);
  if (!m) throw caError('invalid_request', 'The cursor is not valid.');
  return Number(m[1]);
}

/** Upper bound of the strings that start with `prefix` (binary order: the largest code point appended). */
export function prefixEnd(prefix: string): string {
  return `${prefix}\u{10FFFF}`;
}

const SORT_CODE: Record<CertificateSearch['sort'], string> = { newest: 'n', expiry_asc: 'a', expiry_desc: 'd' };

/** Cursor of a search page: the sort it belongs to and the sort key of the last row shown. */
export function encodeSearchCursor(sort: CertificateSearch['sort'], notAfter: number, seq: number): string {
  return Buffer.from(`s${SORT_CODE[sort]}.${notAfter}.${seq}`).toString('base64url');
}

export function decodeSearchCursor(cursor: string, sort: CertificateSearch['sort']): { notAfter: number; seq: number } {
  const m = /^s([nad])\.(\d{1,15})\.(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m || m[1] !== SORT_CODE[sort]) throw caError('invalid_request', 'The cursor is not valid for this search; start again from the first page.');
  return { notAfter: Number(m[2]), seq: Number(m[3]) };
}

/** A `ui_sessions` row whose columns carry the `s_` prefix (joined with `admin_tokens`). */
export function uiSessionFromRow(r: Row): UiSessionRecord {
  return {
    idHash: String(r.s_id_hash),
    adminTokenId: String(r.s_admin_token_id),
    createdAt: new Date(Number(r.s_created_at)),
    lastSeenAt: new Date(Number(r.s_last_seen_at)),
    idleExpiresAt: new Date(Number(r.s_idle_expires_at)),
    expiresAt: new Date(Number(r.s_expires_at)),
  };
}
