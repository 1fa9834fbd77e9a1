/**
 * Table rows to records, shared by the SQLite and PostgreSQL stores (same tables, same columns).
 * Numbers may arrive as numbers (SQLite) or as strings (PostgreSQL `bigint`), binary as Buffer.
 */
import { caError } from '../errors.js';
import type { AuditSpec } from './ca-store.js';
import type { AdminTokenRecord, AuditDraft, AuditRecord, CaCertificateRecord, CertificateRecord, TokenRecord } from './types.js';

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
  };
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
