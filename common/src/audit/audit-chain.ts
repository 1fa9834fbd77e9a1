/**
 * Hash chain of the audit log.
 *
 * Why: the audit log must be append-only and tamper-evident. Each record's hash covers the previous
 * record's hash and a canonical JSON encoding of its own fields, so changing, inserting or deleting
 * any record breaks every later link. It lives in common/ because three parties compute the same
 * function: the CA's store when it appends a record (in the same transaction), the store's checks
 * (file check, migration, restore), and `rapki audit verify` on the client (`docs/ca-api.md` spells
 * it out).
 */
import { createHash } from 'node:crypto';

/** `prevHash` of the first record. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** The fields of a record before it is chained. `time` is an ISO 8601 UTC string. */
export interface AuditFields {
  readonly seq: number;
  readonly time: string;
  readonly actor: string;
  readonly action: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface AuditRecord extends AuditFields {
  readonly prevHash: string;
  readonly hash: string;
}

/**
 * Deterministic JSON: object keys sorted (JS default order), no whitespace, `undefined` members
 * dropped as `JSON.stringify` does. Non-finite numbers are refused because they cannot round-trip.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const k of Object.keys(obj).sort()) {
      if (obj[k] === undefined) continue;
      parts.push(`${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
    }
    return `{${parts.join(',')}}`;
  }
  throw new TypeError(`canonicalJson: unsupported type ${typeof value}`);
}

/** `hash = SHA-256(prevHash + canonicalJson({seq, time, actor, action, details}))`, lower-case hex. */
export function auditRecordHash(prevHash: string, f: AuditFields): string {
  const body = canonicalJson({ seq: f.seq, time: f.time, actor: f.actor, action: f.action, details: f.details });
  return createHash('sha256').update(prevHash, 'utf8').update(body, 'utf8').digest('hex');
}

export type AuditChainResult =
  | { readonly ok: true; readonly count: number; readonly lastHash: string }
  | { readonly ok: false; readonly count: number; readonly badSeq: number; readonly reason: string };

/**
 * Verifies a run of records in `seq` order. `startPrevHash` is the hash before the first record
 * (the genesis hash when starting at seq 1), so long logs can be verified page by page.
 */
export function verifyAuditChain(records: Iterable<AuditRecord>, startPrevHash: string = AUDIT_GENESIS_HASH, startSeq = 1): AuditChainResult {
  let prev = startPrevHash;
  let expectSeq = startSeq;
  let count = 0;
  for (const r of records) {
    if (r.seq !== expectSeq) return { ok: false, count, badSeq: r.seq, reason: `expected seq ${expectSeq}` };
    if (r.prevHash !== prev) return { ok: false, count, badSeq: r.seq, reason: 'prevHash does not link to the previous record' };
    if (auditRecordHash(prev, r) !== r.hash) return { ok: false, count, badSeq: r.seq, reason: 'hash does not match the record' };
    prev = r.hash;
    expectSeq += 1;
    count += 1;
  }
  return { ok: true, count, lastHash: prev };
}
