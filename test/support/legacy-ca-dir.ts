/**
 * Turns a CA made by this rapki (its state in the store) into the layout of the previous release,
 * where the store held only the inventory and the rest was loose files beside it (a version-1
 * `ca.json`, `root.pem` / `root.key.enc` / `intermediate.*`, `aws-sync-targets.json`, `rotation/`
 * with `state.json`, `next/`, `aws-sync-next.json`, `history/`, `retained.json`, `crl-slots-*.json`,
 * and a SQLite file at schema version 6). Used to test the upgrade of such a directory on first open
 * (`ca-server/src/ca-dir-upgrade.ts`).
 *
 * Why from a real CA and not hand-written files: the certificates, keys (encrypted with the
 * passphrase, as that release wrote them), CRLs, audit chain and the trust-anchor state in the
 * emulator are then real and consistent with each other; what this function writes is only the
 * previous release's file formats (its `ca-dir.ts`, `rotation/state.ts`, `rotation/generation.ts`,
 * `rotation/slot-target-store.ts`, `rotation/retained-crls.ts`, `sync/target-store.ts`) and its
 * schema (the SQLite migrations 1-6: version 7 is undone with `DROP` statements).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../ca-server/src/store/open-store.js';
import { CRL_SLOTS, type CrlSlotRecord } from '../../ca-server/src/store/types.js';
import { derToPem } from '../../common/src/x509/pem.js';

const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(path, text, { mode: 0o600 });
}

function slotFields(s: CrlSlotRecord | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (s?.crlArn) out.crlArn = s.crlArn;
  if (s?.pushedNumber) out.lastPushedNumber = s.pushedNumber;
  if (s?.pushedSha256) out.lastPushedSha256 = s.pushedSha256;
  if (s?.lastSuccessAt) out.lastSuccessAt = s.lastSuccessAt.toISOString();
  return out;
}

/** Rewrites `dir` (a CA of this release, default SQLite store, no server running) into the previous release's layout. */
export async function downgradeToLegacyLayout(dir: string): Promise<void> {
  const file = join(dir, 'ca.db');
  const o = await openStore({ location: { backend: 'sqlite', file, display: 'sqlite:fixture' }, mustExist: true });
  try {
    const s = o.store;
    const st = await s.getCaState();
    const cfg = st.config!;
    const cert = (id: string) => st.certificates.find((c) => c.id === id)!;
    const keyOf = async (id: string) => (await s.getCaKey(id))!.value;
    // The CA itself.
    write(join(dir, 'root.pem'), derToPem(cert(cfg.rootId).der, 'CERTIFICATE'));
    write(join(dir, 'root.key.enc'), await keyOf(cfg.rootId));
    if (cfg.intermediate) {
      write(join(dir, 'intermediate.pem'), derToPem(cert(cfg.issuerId).der, 'CERTIFICATE'));
      write(join(dir, 'intermediate.key.enc'), await keyOf(cfg.issuerId));
    }
    write(
      join(dir, 'ca.json'),
      json({
        version: 1,
        keyType: cfg.keyType,
        subject: cfg.subject,
        intermediate: cfg.intermediate,
        createdAt: cfg.createdAt.toISOString(),
        fingerprint: cfg.rootId,
      }),
    );
    // Sync targets with the CA's own CRL slot.
    const slots = await s.listCrlSlots();
    const slot = (name: string, id: string) => slots.find((x) => x.slot === name && x.targetId === id);
    const targets = await s.listSyncTargets();
    if (targets.length > 0) {
      write(
        join(dir, 'aws-sync-targets.json'),
        json({
          version: 1,
          targets: targets.map((t) => ({
            id: t.id,
            trustAnchorArn: t.trustAnchorArn,
            ...slotFields(slot(CRL_SLOTS.primary, t.id)),
            region: t.region,
            ...(t.endpoint ? { endpoint: t.endpoint } : {}),
            createdAt: t.createdAt.toISOString(),
          })),
        }),
      );
    }
    // The rotation in progress, its next CA and its second CRL slot.
    const rot = st.rotation?.state as { id: string; next?: { issuerId: string; newRoot: boolean } } | undefined;
    if (rot) {
      write(join(dir, 'rotation', 'state.json'), json(rot));
      if (rot.next) {
        const kind = rot.next.newRoot ? 'root' : 'intermediate';
        write(join(dir, 'rotation', 'next', `${kind}.pem`), derToPem(cert(rot.next.issuerId).der, 'CERTIFICATE'));
        write(join(dir, 'rotation', 'next', `${kind}.key.enc`), await keyOf(rot.next.issuerId));
        write(join(dir, 'rotation', 'next', 'meta.json'), json(rot.next));
      }
      const next = Object.fromEntries(targets.filter((t) => slot(CRL_SLOTS.next, t.id)).map((t) => [t.id, slotFields(slot(CRL_SLOTS.next, t.id))]));
      if (Object.keys(next).length > 0) write(join(dir, 'rotation', 'aws-sync-next.json'), json({ version: 1, slots: next }));
    }
    // Rotations that ended, and the kept CRLs with their certificate and key under retired-<id>/.
    for (const h of await s.listRotationHistory()) write(join(dir, 'rotation', 'history', `${h.id}.json`), json({ ...h.state, outcome: h.outcome }));
    const entries = [];
    for (const r of st.retained) {
      const rel =
        r.kind === 'root'
          ? { certificate: 'root.pem', key: 'root.key.enc' }
          : { certificate: `rotation/retired-${r.rotationId}/intermediate.pem`, key: `rotation/retired-${r.rotationId}/intermediate.key.enc` };
      if (r.kind === 'retired') {
        write(join(dir, rel.certificate), derToPem(cert(r.issuerId).der, 'CERTIFICATE'));
        write(join(dir, rel.key), await keyOf(r.issuerId));
      }
      entries.push({ issuerId: r.issuerId, kind: r.kind, ...rel, since: r.since.toISOString(), rotationId: r.rotationId });
      const rs = Object.fromEntries(
        targets.filter((t) => slot(CRL_SLOTS.retained(r.issuerId), t.id)).map((t) => [t.id, slotFields(slot(CRL_SLOTS.retained(r.issuerId), t.id))]),
      );
      if (Object.keys(rs).length > 0) write(join(dir, 'rotation', `crl-slots-${r.issuerId.slice(0, 16)}.json`), json({ version: 1, slots: rs }));
    }
    if (entries.length > 0) write(join(dir, 'rotation', 'retained.json'), json({ version: 1, entries }));
  } finally {
    await o.close();
  }
  // The schema of the previous release: migration 7 undone.
  const db = new Database(file);
  try {
    db.exec(`
      BEGIN;
      DROP TABLE crl_slots; DROP TABLE sync_targets; DROP TABLE retained_crls; DROP TABLE rotation_history; DROP TABLE rotation_state;
      DROP TABLE ca_keys; DROP TABLE ca_config; DROP TABLE ca_state; DROP TABLE crl_history;
      ALTER TABLE ca_certificates DROP COLUMN state;
      DELETE FROM schema_migrations WHERE version >= 7;
      COMMIT;
    `);
  } finally {
    db.close();
  }
}
