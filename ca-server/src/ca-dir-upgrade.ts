/**
 * Upgrade of a CA directory made by rapki before its store held the whole CA (a version-1
 * `ca.json` beside loose files: root and intermediate certificates and encrypted keys,
 * `aws-sync-targets.json`, `rotation/`). Run by every command that opens a CA directory
 * (`open-ca-store.ts`), the first time it sees one.
 *
 * 1. A `finish` of the old release that a crash interrupted while it swapped files is completed
 *    first, exactly as the old release did at open (its steps are idempotent).
 * 2. Everything is read and checked (each key against its certificate's public key is left to the
 *    first open, which needs the passphrase), then imported in ONE store transaction: the
 *    configuration, every CA certificate with its state (active, next, retired), the keys still
 *    needed (as the encrypted text or PKCS#11 URI they were), the rotation in progress and the
 *    history, the kept CRLs, the sync targets and every CRL slot, and an audit record
 *    (`ca.upgrade`). A crash before the commit leaves the store as it was and the files in place:
 *    the next open starts again.
 * 3. The imported files are MOVED to `D/imported-v1/` (same relative paths), one rename each, then
 *    `ca.json` becomes version 2 (atomic replace), last. A crash in between: the next open finds
 *    the store already holding this CA (same root) and only finishes the moves.
 *
 * Why moved and not deleted or left in place: left in place, an operator (or an older rapki
 * started by mistake) would edit or serve files the CA no longer reads, and the two would drift
 * apart; deleted, the only copy of the keys outside the store would be gone before the operator
 * had a backup of the store. In `imported-v1/` they are plainly not the CA any more (an older
 * rapki finds no `ca.json` there... and refuses the version-2 one), still encrypted as they were,
 * and can be deleted once the store is backed up (docs/operations.md).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { isRapkiError } from '../../common/src/errors.js';
import { sha256Fingerprint } from '../../common/src/x509/fingerprint.js';
import { caPaths, readCaDirPointer, writeCaDirPointer, type CaDirConfig } from './ca-dir.js';
import { makePrivateDirSync } from '../../common/src/fs/private-dir.js';
import { writeFileAtomicSync } from '../../common/src/fs/atomic-write.js';
import { writeCaExports } from './ca-exports.js';
import { caError } from './errors.js';
import type { CaStore } from './store/ca-store.js';
import {
  CRL_SLOTS,
  type CaCertificateRecord,
  type CaKeyRecord,
  type CaStateChange,
  type CrlSlotRecord,
  type RetainedCrlRecord,
  type RotationHistoryRecord,
  type StateDocument,
  type SyncTargetRecord,
} from './store/types.js';
import { decodeCertificate } from '../../common/src/x509/certificate.js';
import { pemToDer } from '../../common/src/x509/pem.js';

/** The files of a version-1 directory, relative to it. */
const LEGACY = {
  rootCert: 'root.pem',
  rootKey: 'root.key.enc',
  intermediateCert: 'intermediate.pem',
  intermediateKey: 'intermediate.key.enc',
  syncTargets: 'aws-sync-targets.json',
  rotationDir: 'rotation',
  state: 'rotation/state.json',
  history: 'rotation/history',
  nextDir: 'rotation/next',
  nextMeta: 'rotation/next/meta.json',
  nextSlots: 'rotation/aws-sync-next.json',
  retained: 'rotation/retained.json',
} as const;

/** Moved to `imported-v1/` after the import (ca.json is copied there, then replaced). */
const MOVED = [LEGACY.rootKey, LEGACY.intermediateKey, LEGACY.syncTargets, LEGACY.rotationDir, LEGACY.rootCert, LEGACY.intermediateCert];

export interface UpgradeResult {
  /** False when an earlier, interrupted upgrade had imported it already (only the moves were left). */
  readonly imported: boolean;
  /** What went into the store (for the log line and the audit record). */
  readonly summary: Readonly<Record<string, unknown>>;
}

/** Upgrades `dir` when its `ca.json` is version 1; undefined otherwise. */
export async function upgradeCaDir(dir: string, store: CaStore, now: () => Date = () => new Date()): Promise<UpgradeResult | undefined> {
  const ptr = readCaDirPointer(dir);
  if (ptr.kind !== 'legacy') return undefined;
  const p = caPaths(dir);
  let imported = false;
  let summary: Record<string, unknown> = {};
  const existing = (await store.getCaState()).config;
  if (!existing) {
    completeLegacyFinish(p.dir);
    const stored = (await store.getCaState()).certificates.map((c) => c.id);
    const legacy = readLegacy(p.dir, readCaDirPointerConfig(p.dir), stored);
    summary = legacy.summary;
    try {
      await store.updateCaState({
        ...legacy.change,
        audit: [{ time: now(), actor: 'system', action: 'ca.upgrade', details: { from: 'ca.json version 1', ...legacy.summary } }],
      });
      imported = true;
    } catch (err) {
      // Another command upgraded the same directory at the same moment: check it is this CA below.
      if (!(isRapkiError(err) && err.code === 'ca_exists')) throw err;
    }
  }
  const cfg = (await store.getCaState()).config;
  const fp = ptr.config.fingerprint;
  if (!cfg || (cfg.rootId !== fp && !(await store.getCaState()).certificates.some((c) => c.id === fp))) {
    throw caError(
      'ca_config_invalid',
      `${p.config} (root ${fp.slice(0, 16)}…) does not describe the CA in its store (root ${cfg?.rootId.slice(0, 16) ?? 'none'}…); refusing to import it.`,
    );
  }
  moveImported(p.dir);
  // ca.json last: from now on the directory is version 2 and this upgrade is done.
  const keep = join(p.importedDir, 'ca.json');
  if (!existsSync(keep)) {
    makePrivateDirSync(p.importedDir);
    copyFileSync(p.config, `${keep}.tmp`);
    writeFileAtomicSync(keep, readFileSync(`${keep}.tmp`));
    rmSync(`${keep}.tmp`, { force: true });
  }
  writeCaDirPointer(p.dir, ptr.config.store);
  writeCaExports(p.dir, await store.getCaState());
  return { imported, summary };
}

function readCaDirPointerConfig(dir: string): CaDirConfig {
  const ptr = readCaDirPointer(dir);
  if (ptr.kind !== 'legacy') throw caError('ca_config_invalid');
  return ptr.config;
}

/** Each imported file or directory into `imported-v1/` (one rename each; done ones are skipped). */
function moveImported(dir: string): void {
  const to = join(dir, 'imported-v1');
  for (const rel of MOVED) {
    const src = join(dir, rel);
    const dst = join(to, rel);
    if (!existsSync(src) || existsSync(dst)) continue;
    makePrivateDirSync(dirname(dst));
    renameSync(src, dst);
  }
}

const readText = (dir: string, rel: string): string | undefined => {
  const f = join(dir, rel);
  return existsSync(f) ? readFileSync(f, 'utf8') : undefined;
};

function readJson<T>(dir: string, rel: string): T | undefined {
  const text = readText(dir, rel);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw caError('ca_config_invalid', `${join(dir, rel)} is not valid JSON; fix or remove it, then open the CA again.`, { cause });
  }
}

const isoDate = (v: unknown, fallback: Date): Date => {
  const d = typeof v === 'string' ? new Date(v) : new Date(NaN);
  return Number.isNaN(d.getTime()) ? fallback : d;
};

function certRecord(der: Uint8Array, role: 'root' | 'intermediate', state: CaCertificateRecord['state'], issuing: boolean): CaCertificateRecord {
  return { id: sha256Fingerprint(der), role, der, notAfter: decodeCertificate(der).notAfter, issuing, state };
}

interface LegacySlot {
  readonly crlArn?: string;
  readonly lastPushedNumber?: string;
  readonly lastPushedSha256?: string;
  readonly lastSuccessAt?: string;
}

function slotRow(slot: string, targetId: string, s: LegacySlot): CrlSlotRecord {
  return {
    slot,
    targetId,
    crlArn: s.crlArn ?? null,
    pushedNumber: s.lastPushedNumber ?? null,
    pushedSha256: s.lastPushedSha256 ?? null,
    lastSuccessAt: s.lastSuccessAt ? isoDate(s.lastSuccessAt, new Date(0)) : null,
  };
}

/** Reads the legacy files into one store change (nothing is written here). */
function readLegacy(dir: string, config: CaDirConfig, stored: readonly string[]): { change: CaStateChange; summary: Record<string, unknown> } {
  const must = (rel: string): string => {
    const t = readText(dir, rel);
    if (t === undefined) throw caError('ca_config_invalid', `${join(dir, rel)} is missing; the CA directory is incomplete.`);
    return t;
  };
  const rootDer = pemToDer(must(LEGACY.rootCert), 'CERTIFICATE');
  if (sha256Fingerprint(rootDer) !== config.fingerprint) throw caError('ca_config_invalid', 'root.pem does not match the fingerprint in ca.json.');
  const interDer = config.intermediate ? pemToDer(must(LEGACY.intermediateCert), 'CERTIFICATE') : undefined;
  const root = certRecord(rootDer, 'root', 'active', !interDer);
  const inter = interDer ? certRecord(interDer, 'intermediate', 'active', true) : undefined;
  const certs: CaCertificateRecord[] = [root, ...(inter ? [inter] : [])];
  const keys: CaKeyRecord[] = [];
  if (config.pkcs11) {
    keys.push({ caId: root.id, kind: 'pkcs11', value: config.pkcs11.rootKey });
    if (inter && config.pkcs11.intermediateKey) keys.push({ caId: inter.id, kind: 'pkcs11', value: config.pkcs11.intermediateKey });
  } else {
    keys.push({ caId: root.id, kind: 'encrypted', value: must(LEGACY.rootKey) });
    if (inter) keys.push({ caId: inter.id, kind: 'encrypted', value: must(LEGACY.intermediateKey) });
  }
  const states: Record<string, 'active' | 'next' | 'retired'> = { [root.id]: 'active', ...(inter ? { [inter.id]: 'active' } : {}) };

  // The rotation in progress, and its next CA (made, maybe not yet registered in the database).
  const rotation = readJson<StateDocument & { id?: unknown; phase?: unknown; done?: unknown; next?: { newRoot?: unknown } }>(dir, LEGACY.state);
  if (rotation && (typeof rotation.id !== 'string' || !/^[0-9a-f]{1,64}$/.test(rotation.id) || !Array.isArray(rotation.done))) {
    throw caError('ca_config_invalid', `${join(dir, LEGACY.state)} does not have the expected fields.`);
  }
  const meta = readJson<{ issuerId?: string; newRoot?: boolean }>(dir, LEGACY.nextMeta);
  let rotationDoc: StateDocument | undefined = rotation ? stripLegacy(rotation) : undefined;
  if (rotation && meta) {
    // Made (meta.json is written last) and now in the store: `register` is done whatever the file said.
    const done = (rotation.done as string[]).filter((x) => x !== 'generate' && x !== 'register');
    rotationDoc = { ...rotationDoc, done: ['generate', 'register', ...done] };
    const rel = meta.newRoot ? 'rotation/next/root' : 'rotation/next/intermediate';
    const der = pemToDer(must(`${rel}.pem`), 'CERTIFICATE');
    const next = certRecord(der, meta.newRoot ? 'root' : 'intermediate', 'next', true);
    certs.push(next);
    states[next.id] = 'next';
    keys.push({ caId: next.id, kind: 'encrypted', value: must(`${rel}.key.enc`) });
  }

  // Kept CRLs: the certificate is a retired CA's (in the database already, or from its file), the key from its file.
  const retainedFile = readJson<{
    version?: number;
    entries?: { issuerId?: string; kind?: string; certificate?: string; key?: string; since?: string; rotationId?: string }[];
  }>(dir, LEGACY.retained);
  const retained: RetainedCrlRecord[] = [];
  for (const e of retainedFile?.entries ?? []) {
    if (typeof e.issuerId !== 'string' || (e.kind !== 'retired' && e.kind !== 'root') || typeof e.certificate !== 'string' || typeof e.key !== 'string')
      continue;
    retained.push({
      issuerId: e.issuerId,
      kind: e.kind,
      since: isoDate(e.since, new Date(0)),
      rotationId: typeof e.rotationId === 'string' ? e.rotationId : 'unknown',
    });
    if (e.kind === 'retired') {
      const der = pemToDer(must(e.certificate), 'CERTIFICATE');
      if (sha256Fingerprint(der) !== e.issuerId) throw caError('ca_config_invalid', `${e.certificate} is not the certificate ${e.issuerId}.`);
      if (!certs.some((c) => c.id === e.issuerId)) certs.push(certRecord(der, 'intermediate', 'retired', false));
      states[e.issuerId] ??= 'retired';
      keys.push({ caId: e.issuerId, kind: 'encrypted', value: must(e.key) });
    }
  }

  // Sync targets, and what was pushed into each CRL slot.
  const targetsFile = readJson<{
    version?: number;
    targets?: (LegacySlot & { id?: string; trustAnchorArn?: string; region?: string; endpoint?: string; createdAt?: string })[];
  }>(dir, LEGACY.syncTargets);
  const targets: SyncTargetRecord[] = [];
  const slots: CrlSlotRecord[] = [];
  for (const t of targetsFile?.targets ?? []) {
    if (typeof t.id !== 'string' || typeof t.trustAnchorArn !== 'string' || typeof t.region !== 'string') continue;
    targets.push({ id: t.id, trustAnchorArn: t.trustAnchorArn, region: t.region, endpoint: t.endpoint ?? null, createdAt: isoDate(t.createdAt, new Date(0)) });
    slots.push(slotRow(CRL_SLOTS.primary, t.id, t));
  }
  const known = new Set(targets.map((t) => t.id));
  const slotFile = (rel: string, slot: string): void => {
    const f = readJson<{ version?: number; slots?: Record<string, LegacySlot> }>(dir, rel);
    for (const [id, s] of Object.entries(f?.slots ?? {})) if (known.has(id)) slots.push(slotRow(slot, id, s));
  };
  slotFile(LEGACY.nextSlots, CRL_SLOTS.next);
  for (const r of retained) slotFile(`rotation/crl-slots-${r.issuerId.slice(0, 16)}.json`, CRL_SLOTS.retained(r.issuerId));

  // Rotations that ended.
  const histDir = join(dir, LEGACY.history);
  const history: RotationHistoryRecord[] = [];
  if (existsSync(histDir)) {
    for (const f of readdirSync(histDir)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      const h = readJson<StateDocument & { id?: string; outcome?: string; updatedAt?: string }>(dir, relative(dir, join(histDir, f)));
      if (h && typeof h.id === 'string' && /^[0-9a-f]{1,64}$/.test(h.id)) {
        const { outcome, ...state } = h;
        history.push({ id: h.id, outcome: outcome === 'aborted' ? 'aborted' : 'finished', endedAt: isoDate(h.updatedAt, new Date(0)), state });
      }
    }
  }
  const createdAt = isoDate(config.createdAt, new Date(0));
  const rotatedAt = (config as { rotatedAt?: unknown }).rotatedAt;
  // Every other CA certificate of the database was rotated away by an earlier rotation.
  for (const id of stored) states[id] ??= 'retired';
  const change: CaStateChange = {
    requireNoCa: true,
    addCertificates: certs,
    // Every other CA certificate of the database (rotated away by earlier rotations) is retired.
    certificateStates: states,
    putKeys: keys,
    config: {
      keyType: config.keyType,
      subject: config.subject,
      intermediate: config.intermediate,
      createdAt,
      rootId: root.id,
      issuerId: inter?.id ?? root.id,
      pkcs11Module: config.pkcs11?.module ?? null,
      rotatedAt: typeof rotatedAt === 'string' ? isoDate(rotatedAt, createdAt) : null,
    },
    addRetained: retained,
    syncTargets: targets,
    crlSlots: slots,
    rotationHistory: history,
    ...(rotationDoc ? { rotation: { expectVersion: 0, state: rotationDoc } } : {}),
  };
  return {
    change,
    summary: {
      fingerprint: config.fingerprint,
      keyStore: config.pkcs11 ? 'pkcs11' : 'file',
      rotation: rotation ? { id: rotation.id, phase: rotation.phase } : null,
      rotationsEnded: history.length,
      retainedCrls: retained.length,
      syncTargets: targets.length,
      crlSlots: slots.length,
    },
  };
}

/** Fields that only made sense with files (`filesPending`: a finish swapping files). */
function stripLegacy(s: StateDocument): StateDocument {
  const { filesPending: _drop, ...rest } = s as Record<string, unknown>;
  return rest;
}

// ---- the old release's own crash recovery of `finish` (its file swap), run once before the import

function retiredDirOf(dir: string, id: string): string {
  return join(dir, 'rotation', `retired-${id}`);
}

function keepOnce(src: string, keep: string): void {
  if (existsSync(keep) || !existsSync(src)) return;
  mkdirSync(dirname(keep), { recursive: true, mode: 0o700 });
  copyFileSync(src, `${keep}.tmp`);
  writeFileAtomicSync(keep, readFileSync(`${keep}.tmp`));
  rmSync(`${keep}.tmp`, { force: true });
}

/**
 * Completes a `finish` of the old release that stopped while swapping files (its state says
 * `filesPending`): the next CA's files over the current ones (the old ones kept in
 * `rotation/retired-<id>/`), `ca.json` with the new fingerprint, the state closed into the history.
 */
function completeLegacyFinish(dir: string): void {
  const s = readJson<{ id?: string; phase?: string; filesPending?: boolean; next?: { newRoot?: boolean; keyType?: string; rootFingerprint?: string } }>(
    dir,
    LEGACY.state,
  );
  if (!s || s.phase !== 'finishing' || !s.filesPending || typeof s.id !== 'string' || !s.next) return;
  const retired = retiredDirOf(dir, s.id);
  const kind = s.next.newRoot ? 'root' : 'intermediate';
  const moves: [string, string][] = [
    [join(dir, LEGACY.nextDir, `${kind}.pem`), join(dir, `${kind}.pem`)],
    [join(dir, LEGACY.nextDir, `${kind}.key.enc`), join(dir, `${kind}.key.enc`)],
  ];
  for (const [, dst] of [...moves, ['', join(dir, 'ca.json')] as [string, string]]) keepOnce(dst, join(retired, relative(dir, dst)));
  for (const [src, dst] of moves) if (existsSync(src)) writeFileAtomicSync(dst, readFileSync(src));
  const old = JSON.parse(readFileSync(join(retired, 'ca.json'), 'utf8')) as CaDirConfig;
  writeFileAtomicSync(
    join(dir, 'ca.json'),
    `${JSON.stringify({ ...old, keyType: s.next.keyType ?? old.keyType, fingerprint: s.next.rootFingerprint ?? old.fingerprint, rotatedAt: new Date().toISOString() }, null, 2)}\n`,
  );
  rmSync(join(dir, 'tls', 'server.json'), { force: true });
  rmSync(join(dir, LEGACY.nextDir), { recursive: true, force: true });
  mkdirSync(join(dir, LEGACY.history), { recursive: true, mode: 0o700 });
  writeFileAtomicSync(join(dir, LEGACY.history, `${s.id}.json`), `${JSON.stringify({ ...s, outcome: 'finished' }, null, 2)}\n`);
  rmSync(join(dir, LEGACY.state), { force: true });
}
