/**
 * The CA-state part of the PostgreSQL store (`pg-store.ts`, migration 3): configuration, keys,
 * rotation document, kept CRLs, sync targets and CRL slots. Each write runs as one group-commit
 * operation (`pg-group-commit.ts`), checks before writes.
 *
 * With several replicas writing at once:
 * - every change of the CA's state locks the one `ca_state` row first, so changes are applied one
 *   after another across replicas, and the rotation compare-and-set reads a version no other
 *   transaction can move before the commit;
 * - a CRL slot only moves forward: the condition is part of the upsert itself (a concurrent insert
 *   of the same slot turns into the conditional update), so no interleaving stores a smaller CRL
 *   number over a greater one.
 */
import { caError } from '../errors.js';
import type { OpCtx } from './pg-group-commit.js';
import { crlSlotFromRow, type Row } from './rows.js';
import { adminTokenId, CRL_SLOTS, type AuditDraft, type CaStateChange, type CaStateVersions, type CrlSlotRecord, type SyncTargetRecord } from './types.js';

const ms = (d: Date | null | undefined): number | null => (d ? d.getTime() : null);

/** Locks the CA state row (every CA-state change of every replica passes here, in turn). */
async function lockState(c: OpCtx): Promise<void> {
  await c.read('SELECT version FROM ca_state WHERE id = 1 FOR UPDATE');
}

async function bump(c: OpCtx): Promise<number> {
  const r = await c.write('UPDATE ca_state SET version = version + 1 WHERE id = 1 RETURNING version');
  return Number(r.rows[0]!.version);
}

export async function applyCaStateChange(c: OpCtx, ch: CaStateChange): Promise<CaStateVersions> {
  await lockState(c);
  if (ch.requireNoCa && (await c.read('SELECT 1 FROM ca_config WHERE id = 1')).rows.length > 0) throw caError('ca_exists', 'The database already holds a CA.');
  const rot = (await c.read('SELECT version FROM rotation_state WHERE id = 1')).rows[0];
  const haveRotation = rot ? Number(rot.version) : 0;
  if (ch.rotation && ch.rotation.expectVersion !== haveRotation) {
    throw caError(
      'store_state_conflict',
      `The rotation changed meanwhile (version ${haveRotation}, expected ${ch.rotation.expectVersion}); run the command again.`,
    );
  }
  for (const id of Object.keys(ch.certificateStates ?? {})) {
    const known = (ch.addCertificates ?? []).some((x) => x.id === id) || (await c.read('SELECT 1 FROM ca_certificates WHERE id = $1', [id])).rows.length > 0;
    if (!known) throw caError('certificate_not_found', `No CA certificate ${id.slice(0, 16)}….`);
  }
  const rotationId = ch.rotation ? String(ch.rotation.state.id ?? '') : '';
  if (ch.rotation && !/^[0-9a-f]{1,64}$/.test(rotationId)) throw new TypeError('a rotation document needs a hex id');
  for (const x of ch.addCertificates ?? []) {
    await c.write(
      'INSERT INTO ca_certificates (id, role, der, not_after, issuing, revoked_at, reason, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING',
      [x.id, x.role, Buffer.from(x.der), x.notAfter.getTime(), x.issuing, ms(x.revokedAt), x.reason ?? null, x.state ?? 'active'],
    );
  }
  for (const [id, state] of Object.entries(ch.certificateStates ?? {})) await c.write('UPDATE ca_certificates SET state = $2 WHERE id = $1', [id, state]);
  for (const k of ch.putKeys ?? []) {
    await c.write(
      'INSERT INTO ca_keys (ca_id, kind, value) VALUES ($1, $2, $3) ON CONFLICT (ca_id) DO UPDATE SET kind = excluded.kind, value = excluded.value',
      [k.caId, k.kind, k.value],
    );
  }
  for (const id of ch.deleteKeys ?? []) await c.write('DELETE FROM ca_keys WHERE ca_id = $1', [id]);
  if (ch.config) {
    const x = ch.config;
    await c.write(
      `INSERT INTO ca_config (id, key_type, subject, intermediate, created_at, root_id, issuer_id, pkcs11_module, rotated_at) VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE SET key_type = excluded.key_type, subject = excluded.subject, intermediate = excluded.intermediate, created_at = excluded.created_at,
         root_id = excluded.root_id, issuer_id = excluded.issuer_id, pkcs11_module = excluded.pkcs11_module, rotated_at = excluded.rotated_at`,
      [x.keyType, x.subject, x.intermediate, x.createdAt.getTime(), x.rootId, x.issuerId, x.pkcs11Module, ms(x.rotatedAt)],
    );
  }
  let rotationVersion = haveRotation;
  if (ch.rotation) {
    const text = JSON.stringify(ch.rotation.state);
    if (ch.rotation.close) {
      await c.write(
        `INSERT INTO rotation_history (rotation_id, outcome, ended_at, state) VALUES ($1, $2, $3, $4)
         ON CONFLICT (rotation_id) DO UPDATE SET outcome = excluded.outcome, ended_at = excluded.ended_at, state = excluded.state`,
        [rotationId, ch.rotation.close.outcome, ch.rotation.close.at.getTime(), text],
      );
      await c.write('DELETE FROM rotation_state WHERE id = 1');
      rotationVersion = 0;
    } else {
      rotationVersion = haveRotation + 1;
      await c.write(
        `INSERT INTO rotation_state (id, rotation_id, version, state) VALUES (1, $1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET rotation_id = excluded.rotation_id, version = excluded.version, state = excluded.state`,
        [rotationId, rotationVersion, text],
      );
    }
  }
  for (const r of ch.addRetained ?? []) {
    await c.write('INSERT INTO retained_crls (issuer_id, kind, since, rotation_id) VALUES ($1, $2, $3, $4) ON CONFLICT (issuer_id) DO NOTHING', [
      r.issuerId,
      r.kind,
      r.since.getTime(),
      r.rotationId,
    ]);
  }
  for (const id of ch.removeRetained ?? []) {
    await c.write('DELETE FROM retained_crls WHERE issuer_id = $1', [id]);
    await c.write('DELETE FROM crl_slots WHERE slot = $1', [CRL_SLOTS.retained(id)]);
  }
  for (const slot of ch.deleteCrlSlots ?? []) await c.write('DELETE FROM crl_slots WHERE slot = $1', [slot]);
  for (const t of ch.adminTokens ?? []) {
    await c.write('INSERT INTO admin_tokens (hash, id, role, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      t.hash,
      adminTokenId(t.hash),
      t.role,
      t.name,
      t.createdAt.getTime(),
      t.expiresAt ? t.expiresAt.getTime() : null,
    ]);
  }
  for (const t of ch.syncTargets ?? []) {
    await c.write('INSERT INTO sync_targets (id, trust_anchor_arn, region, endpoint, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING', [
      t.id,
      t.trustAnchorArn,
      t.region,
      t.endpoint,
      t.createdAt.getTime(),
    ]);
  }
  for (const r of ch.crlSlots ?? []) await saveCrlSlot(c, r, 'replace');
  for (const h of ch.rotationHistory ?? []) {
    await c.write('INSERT INTO rotation_history (rotation_id, outcome, ended_at, state) VALUES ($1, $2, $3, $4) ON CONFLICT (rotation_id) DO NOTHING', [
      h.id,
      h.outcome,
      h.endedAt.getTime(),
      JSON.stringify(h.state),
    ]);
  }
  const version = await bump(c);
  for (const a of ch.audit ?? []) c.audit(a);
  return { version, rotationVersion };
}

export async function putSyncTarget(c: OpCtx, t: SyncTargetRecord, audit: AuditDraft): Promise<boolean> {
  await lockState(c);
  const r = await c.write(
    'INSERT INTO sync_targets (id, trust_anchor_arn, region, endpoint, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING',
    [t.id, t.trustAnchorArn, t.region, t.endpoint, t.createdAt.getTime()],
  );
  if (r.rowCount === 0) return false;
  await bump(c);
  c.audit(audit);
  return true;
}

export async function removeSyncTarget(c: OpCtx, id: string, audit: AuditDraft): Promise<boolean> {
  await lockState(c);
  // crl_slots rows go with it (ON DELETE CASCADE).
  const r = await c.write('DELETE FROM sync_targets WHERE id = $1', [id]);
  if (r.rowCount === 0) return false;
  await bump(c);
  c.audit(audit);
  return true;
}

export async function saveCrlSlot(c: OpCtx, rec: CrlSlotRecord, mode: 'forward' | 'replace'): Promise<{ applied: boolean; slot: CrlSlotRecord } | undefined> {
  // The target cannot be removed before this commits.
  if ((await c.read('SELECT 1 FROM sync_targets WHERE id = $1 FOR SHARE', [rec.targetId])).rows.length === 0) return undefined;
  const up = await c.write(
    `INSERT INTO crl_slots (slot, target_id, crl_arn, pushed_number, pushed_sha256, last_success_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (slot, target_id) DO UPDATE SET crl_arn = excluded.crl_arn, pushed_number = excluded.pushed_number,
       pushed_sha256 = excluded.pushed_sha256, last_success_at = excluded.last_success_at
     WHERE $7 OR crl_slots.pushed_number IS NULL OR excluded.pushed_number IS NULL OR crl_slots.pushed_number::numeric <= excluded.pushed_number::numeric`,
    [rec.slot, rec.targetId, rec.crlArn, rec.pushedNumber, rec.pushedSha256, ms(rec.lastSuccessAt), mode === 'replace'],
  );
  if (up.rowCount === 1) return { applied: true, slot: rec };
  const [cur] = (await c.read('SELECT * FROM crl_slots WHERE slot = $1 AND target_id = $2', [rec.slot, rec.targetId])).rows as Row[];
  return { applied: false, slot: crlSlotFromRow(cur!) };
}

export async function deleteCrlSlots(c: OpCtx, slot: string, targetId?: string): Promise<void> {
  if (targetId === undefined) await c.write('DELETE FROM crl_slots WHERE slot = $1', [slot]);
  else await c.write('DELETE FROM crl_slots WHERE slot = $1 AND target_id = $2', [slot, targetId]);
}
