/**
 * The CA-state part of the SQLite store (`sqlite-store.ts`): configuration, keys, rotation
 * document, kept CRLs, sync targets and CRL slots (migration 7). Each function runs inside the
 * store's transaction (its caller's `tx`), so a change and its audit records commit together; the
 * file's single writer makes the rotation compare-and-set and the forward-only slot update atomic.
 */
import type Database from 'better-sqlite3';
import { caError } from '../errors.js';
import {
  caCertificateFromRow,
  caConfigFromRow,
  caKeyFromRow,
  crlSlotFromRow,
  retainedFromRow,
  rotationFromRow,
  rotationHistoryFromRow,
  slotMovesForward,
  syncTargetFromRow,
  type Row,
} from './rows.js';
import {
  adminTokenId,
  CRL_SLOTS,
  type AuditDraft,
  type CaKeyRecord,
  type CaState,
  type CaStateChange,
  type CaStateVersions,
  type CrlSlotRecord,
  type RotationHistoryRecord,
  type SyncTargetRecord,
} from './types.js';

/** What these functions need from the store: prepared statements and the audit append. */
export interface SqliteStateOps {
  stmt(sql: string): Database.Statement;
  audit(d: AuditDraft): void;
}

const ms = (d: Date | null | undefined): number | null => (d ? d.getTime() : null);

export function readCaState(o: SqliteStateOps): CaState {
  const version = Number((o.stmt('SELECT version FROM ca_state WHERE id = 1').get() as Row | undefined)?.version ?? 0);
  const cfg = o.stmt('SELECT * FROM ca_config WHERE id = 1').get() as Row | undefined;
  const rot = o.stmt('SELECT * FROM rotation_state WHERE id = 1').get() as Row | undefined;
  return {
    version,
    config: cfg ? caConfigFromRow(cfg) : undefined,
    certificates: (o.stmt('SELECT * FROM ca_certificates ORDER BY role DESC, id').all() as Row[]).map(caCertificateFromRow),
    rotation: rot ? rotationFromRow(rot) : undefined,
    retained: (o.stmt('SELECT * FROM retained_crls ORDER BY since, issuer_id').all() as Row[]).map(retainedFromRow),
  };
}

export function readCaStateVersion(o: SqliteStateOps): number {
  return Number((o.stmt('SELECT version FROM ca_state WHERE id = 1').get() as Row | undefined)?.version ?? 0);
}

export function readCaKey(o: SqliteStateOps, caId: string): CaKeyRecord | undefined {
  const r = o.stmt('SELECT * FROM ca_keys WHERE ca_id = ?').get(caId) as Row | undefined;
  return r ? caKeyFromRow(r) : undefined;
}

export function readRotationHistory(o: SqliteStateOps): RotationHistoryRecord[] {
  return (o.stmt('SELECT * FROM rotation_history ORDER BY ended_at, rotation_id').all() as Row[]).map(rotationHistoryFromRow);
}

/** Moves the CA state version (replicas notice the change); returns the new one. */
export function bumpVersion(o: SqliteStateOps): number {
  return Number((o.stmt('UPDATE ca_state SET version = version + 1 WHERE id = 1 RETURNING version').get() as Row).version);
}

/** Applies a {@link CaStateChange}: every check first, then the writes, then the audit records. */
export function applyCaStateChange(o: SqliteStateOps, ch: CaStateChange): CaStateVersions {
  if (ch.requireNoCa && o.stmt('SELECT 1 FROM ca_config WHERE id = 1').get()) throw caError('ca_exists', 'The store already holds a CA.');
  const rot = o.stmt('SELECT version FROM rotation_state WHERE id = 1').get() as Row | undefined;
  const haveRotation = rot ? Number(rot.version) : 0;
  if (ch.rotation && ch.rotation.expectVersion !== haveRotation) {
    throw caError(
      'store_state_conflict',
      `The rotation changed meanwhile (version ${haveRotation}, expected ${ch.rotation.expectVersion}); run the command again.`,
    );
  }
  for (const c of ch.addCertificates ?? []) {
    o.stmt(
      'INSERT INTO ca_certificates (id, role, der, not_after, issuing, revoked_at, reason, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING',
    ).run(c.id, c.role, Buffer.from(c.der), c.notAfter.getTime(), c.issuing ? 1 : 0, ms(c.revokedAt), c.reason ?? null, c.state ?? 'active');
  }
  for (const [id, state] of Object.entries(ch.certificateStates ?? {})) {
    if (o.stmt('UPDATE ca_certificates SET state = ? WHERE id = ?').run(state, id).changes !== 1)
      throw caError('certificate_not_found', `No CA certificate ${id.slice(0, 16)}….`);
  }
  for (const k of ch.putKeys ?? []) {
    o.stmt('INSERT INTO ca_keys (ca_id, kind, value) VALUES (?, ?, ?) ON CONFLICT(ca_id) DO UPDATE SET kind = excluded.kind, value = excluded.value').run(
      k.caId,
      k.kind,
      k.value,
    );
  }
  for (const id of ch.deleteKeys ?? []) o.stmt('DELETE FROM ca_keys WHERE ca_id = ?').run(id);
  if (ch.config) {
    const c = ch.config;
    o.stmt(
      `INSERT INTO ca_config (id, key_type, subject, intermediate, created_at, root_id, issuer_id, pkcs11_module, rotated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET key_type = excluded.key_type, subject = excluded.subject, intermediate = excluded.intermediate, created_at = excluded.created_at,
         root_id = excluded.root_id, issuer_id = excluded.issuer_id, pkcs11_module = excluded.pkcs11_module, rotated_at = excluded.rotated_at`,
    ).run(c.keyType, c.subject, c.intermediate ? 1 : 0, c.createdAt.getTime(), c.rootId, c.issuerId, c.pkcs11Module, ms(c.rotatedAt));
  }
  let rotationVersion = haveRotation;
  if (ch.rotation) {
    const id = String(ch.rotation.state.id ?? '');
    if (!/^[0-9a-f]{1,64}$/.test(id)) throw new TypeError('a rotation document needs a hex id');
    const text = JSON.stringify(ch.rotation.state);
    if (ch.rotation.close) {
      o.stmt(
        'INSERT INTO rotation_history (rotation_id, outcome, ended_at, state) VALUES (?, ?, ?, ?) ON CONFLICT(rotation_id) DO UPDATE SET outcome = excluded.outcome, ended_at = excluded.ended_at, state = excluded.state',
      ).run(id, ch.rotation.close.outcome, ch.rotation.close.at.getTime(), text);
      o.stmt('DELETE FROM rotation_state WHERE id = 1').run();
      rotationVersion = 0;
    } else {
      rotationVersion = haveRotation + 1;
      o.stmt(
        'INSERT INTO rotation_state (id, rotation_id, version, state) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET rotation_id = excluded.rotation_id, version = excluded.version, state = excluded.state',
      ).run(id, rotationVersion, text);
    }
  }
  for (const r of ch.addRetained ?? []) {
    o.stmt('INSERT INTO retained_crls (issuer_id, kind, since, rotation_id) VALUES (?, ?, ?, ?) ON CONFLICT(issuer_id) DO NOTHING').run(
      r.issuerId,
      r.kind,
      r.since.getTime(),
      r.rotationId,
    );
  }
  for (const id of ch.removeRetained ?? []) {
    o.stmt('DELETE FROM retained_crls WHERE issuer_id = ?').run(id);
    o.stmt('DELETE FROM crl_slots WHERE slot = ?').run(CRL_SLOTS.retained(id));
  }
  for (const slot of ch.deleteCrlSlots ?? []) o.stmt('DELETE FROM crl_slots WHERE slot = ?').run(slot);
  for (const t of ch.adminTokens ?? []) {
    o.stmt('INSERT INTO admin_tokens (hash, id, role, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').run(
      t.hash,
      adminTokenId(t.hash),
      t.role,
      t.name,
      t.createdAt.getTime(),
      t.expiresAt ? t.expiresAt.getTime() : null,
    );
  }
  for (const t of ch.syncTargets ?? []) {
    o.stmt('INSERT INTO sync_targets (id, trust_anchor_arn, region, endpoint, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING').run(
      t.id,
      t.trustAnchorArn,
      t.region,
      t.endpoint,
      t.createdAt.getTime(),
    );
  }
  for (const r of ch.crlSlots ?? []) saveCrlSlot(o, r, 'replace');
  for (const h of ch.rotationHistory ?? []) {
    o.stmt('INSERT INTO rotation_history (rotation_id, outcome, ended_at, state) VALUES (?, ?, ?, ?) ON CONFLICT(rotation_id) DO NOTHING').run(
      h.id,
      h.outcome,
      h.endedAt.getTime(),
      JSON.stringify(h.state),
    );
  }
  const version = bumpVersion(o);
  for (const a of ch.audit ?? []) o.audit(a);
  return { version, rotationVersion };
}

export function listSyncTargets(o: SqliteStateOps): SyncTargetRecord[] {
  return (o.stmt('SELECT * FROM sync_targets ORDER BY created_at, id').all() as Row[]).map(syncTargetFromRow);
}

export function putSyncTarget(o: SqliteStateOps, t: SyncTargetRecord, audit: AuditDraft): boolean {
  const r = o
    .stmt('INSERT INTO sync_targets (id, trust_anchor_arn, region, endpoint, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING')
    .run(t.id, t.trustAnchorArn, t.region, t.endpoint, t.createdAt.getTime());
  if (r.changes === 0) return false;
  bumpVersion(o);
  o.audit(audit);
  return true;
}

export function removeSyncTarget(o: SqliteStateOps, id: string, audit: AuditDraft): boolean {
  // crl_slots rows go with it (ON DELETE CASCADE).
  if (o.stmt('DELETE FROM sync_targets WHERE id = ?').run(id).changes === 0) return false;
  bumpVersion(o);
  o.audit(audit);
  return true;
}

export function listCrlSlots(o: SqliteStateOps, slot?: string): CrlSlotRecord[] {
  const rows =
    slot === undefined
      ? o.stmt('SELECT * FROM crl_slots ORDER BY slot, target_id').all()
      : o.stmt('SELECT * FROM crl_slots WHERE slot = ? ORDER BY target_id').all(slot);
  return (rows as Row[]).map(crlSlotFromRow);
}

export function saveCrlSlot(o: SqliteStateOps, rec: CrlSlotRecord, mode: 'forward' | 'replace'): { applied: boolean; slot: CrlSlotRecord } | undefined {
  if (!o.stmt('SELECT 1 FROM sync_targets WHERE id = ?').get(rec.targetId)) return undefined;
  const cur = o.stmt('SELECT * FROM crl_slots WHERE slot = ? AND target_id = ?').get(rec.slot, rec.targetId) as Row | undefined;
  if (cur && mode === 'forward' && !slotMovesForward(cur.pushed_number === null ? null : String(cur.pushed_number), rec.pushedNumber)) {
    return { applied: false, slot: crlSlotFromRow(cur) };
  }
  o.stmt(
    `INSERT INTO crl_slots (slot, target_id, crl_arn, pushed_number, pushed_sha256, last_success_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(slot, target_id) DO UPDATE SET crl_arn = excluded.crl_arn, pushed_number = excluded.pushed_number, pushed_sha256 = excluded.pushed_sha256, last_success_at = excluded.last_success_at`,
  ).run(rec.slot, rec.targetId, rec.crlArn, rec.pushedNumber, rec.pushedSha256, ms(rec.lastSuccessAt));
  return { applied: true, slot: rec };
}

export function deleteCrlSlots(o: SqliteStateOps, slot: string, targetId?: string): void {
  if (targetId === undefined) o.stmt('DELETE FROM crl_slots WHERE slot = ?').run(slot);
  else o.stmt('DELETE FROM crl_slots WHERE slot = ? AND target_id = ?').run(slot, targetId);
}
