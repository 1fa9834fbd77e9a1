/**
 * CA backup and restore (docs/operations.md "Backup and restore").
 *
 * The online case runs against a real `rapki ca serve` child process: enrollments keep arriving
 * while {@link backupCa} exports the store, the backup is restored into a new directory, and a
 * second real server is started from it. It must know exactly the certificates the manifest counts
 * (all of them ones a client received), answer a revocation with a CRL number above the backed-up
 * one (openssl reads it), and the restored audit chain must verify (`rapki audit verify --dir`).
 * The offline cases check what goes into a backup (the store's tables, not the node's files), that
 * the restored store equals the backed-up one row for row, modes, and every refusal with its code.
 */
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupCa } from '../../../ca-server/src/backup/backup.js';
import { restoreCa } from '../../../ca-server/src/backup/restore.js';
import { hashFile, listFiles } from '../../../ca-server/src/backup/files.js';
import { openStore } from '../../../ca-server/src/store/open-store.js';
import { SNAPSHOT_TABLES, type SnapshotChunk } from '../../../ca-server/src/store/snapshot.js';
import type { CaStore } from '../../../ca-server/src/store/ca-store.js';
import { runRapki, startCaServerProcess, TEST_CA_PASSPHRASE, type CaServerProcess } from '../../support/ca-server.js';
import { listAllCertificates, mintTokens, normHex, prepareCsrs, trafficClient, type TrafficClient } from '../../support/ca-traffic.js';

const PRE = 8;
const DURING = 40;
/** Enrollments of the concurrent phase completed before the backup starts. */
const MID = 8;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return String((err as { code?: unknown }).code);
  }
  return 'no error';
}

/** Mode bits of every directory and file under `root` (root included). */
function modes(root: string): { dirs: number[]; files: number[] } {
  const dirs = [statSync(root).mode & 0o777];
  const files: number[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        dirs.push(statSync(p).mode & 0o777);
        walk(p);
      } else files.push(statSync(p).mode & 0o777);
    }
  };
  walk(root);
  return { dirs, files };
}

/** Every row of a store, by table (what a backup must carry). */
async function dump(store: CaStore): Promise<Record<string, unknown[][]>> {
  const out: Record<string, unknown[][]> = {};
  await store.exportSnapshot(async (c: SnapshotChunk) => {
    out[c.table] = [...(out[c.table] ?? []), ...c.rows.map((r) => [...r])];
  });
  return out;
}

async function withSqlite<T>(file: string, fn: (s: CaStore) => Promise<T>): Promise<T> {
  const o = await openStore({ location: { backend: 'sqlite', file, display: 'sqlite:test' }, mustExist: true });
  try {
    return await fn(o.store);
  } finally {
    await o.close();
  }
}

/** Rewrites one table file of a backup (a line-level edit of its rows). */
function editTable(backup: string, table: string, edit: (rows: unknown[][]) => unknown[][]): void {
  const f = join(backup, 'store', `${table}.ndjson`);
  const [header, ...lines] = readFileSync(f, 'utf8').trimEnd().split('\n');
  const rows = edit(lines.map((l) => JSON.parse(l) as unknown[]));
  writeFileSync(f, [header, ...rows.map((r) => JSON.stringify(r))].join('\n') + '\n');
}

function crlNumber(der: Buffer): number {
  const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-crlnumber'], { input: der }).toString();
  return parseInt(/crlNumber=(?:0x)?([0-9A-Fa-f]+)/.exec(text)![1]!, 16);
}

describe('rapki ca backup while the server serves enrollments, then restore and serve', { timeout: 120_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'rapki-backup-'));
  let srv: CaServerProcess | undefined;
  let restored: CaServerProcess | undefined;
  const clients: TrafficClient[] = [];

  beforeAll(async () => {
    srv = await startCaServerProcess({ extraArgs: ['--enroll-rate', '100000', '--admin-rate', '100000'] });
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await restored?.stop();
    await srv?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('takes a consistent snapshot under load; the restored CA serves it, revokes with a higher CRL number, and its audit chain verifies', async () => {
    const s = srv!;
    const admin = trafficClient(readFileSync(s.rootPem));
    clients.push(admin);
    const hosts = Array.from({ length: PRE + DURING }, (_, i) => `bk-${i}.example.com`);
    const material = prepareCsrs(hosts);
    const tokens = await mintTokens(admin, s.url, s.adminToken, hosts);
    const received = new Map<string, string>();
    const enroll = async (c: TrafficClient, i: number) => {
      const r = await c.call(s.url, 'POST', '/v1/enroll', { body: { token: tokens[i], csr: material[i]!.csr } });
      expect(r.status, r.body.toString()).toBe(201);
      received.set(normHex(r.json.serial as string), material[i]!.host);
    };
    for (let i = 0; i < PRE; i++) await enroll(admin, i);
    // One revocation before the backup, so the backed-up CRL number is above zero.
    const first = [...received.keys()][0]!;
    const rv = await admin.call(s.url, 'POST', `/v1/admin/certificates/${first}/revoke`, { token: s.adminToken, body: { reason: 'keyCompromise' } });
    expect(rv.status).toBe(200);

    // Enrollments from four clients while the backup runs.
    const workers = Array.from({ length: 4 }, () => trafficClient(readFileSync(s.rootPem), { maxSockets: 1 }));
    clients.push(...workers);
    let next = PRE;
    const during = Promise.all(
      workers.map(async (c) => {
        for (;;) {
          const i = next++;
          if (i >= hosts.length) return;
          await enroll(c, i);
        }
      }),
    );
    const out = join(work, 'backup');
    const lines: string[] = [];
    // Start the backup once the concurrent enrollments are well under way; they go on during it.
    while (received.size < PRE + MID) await new Promise((r) => setTimeout(r, 5));
    const [bk] = await Promise.all([backupCa({ dir: s.dir, out, passphrase: TEST_CA_PASSPHRASE, progress: (l) => lines.push(l) }), during]);
    const m = bk.manifest;
    console.log(`backup under load: ${m.database.certificates} of ${PRE + DURING} certificates in the snapshot, CRL number ${m.database.crlNumber}`);
    expect(lines.some((l) => l.includes('one consistent snapshot'))).toBe(true);
    expect(m.database.certificates).toBeGreaterThanOrEqual(PRE + MID);
    // Enrollments went on after the snapshot: the backup did not stop the server.
    expect(m.database.certificates).toBeLessThan(received.size);
    expect(m.database.crlNumber).toBeGreaterThan(0);
    expect(m.database.auditVerified).toBe(true);
    expect(m.passphraseIncluded).toBe(false);
    // The store's tables and the root; not the node's own files (TLS, the SQLite file itself).
    const listed = m.files.map((f) => f.path);
    expect(listed).toEqual(['root.pem', ...SNAPSHOT_TABLES.map((t) => `store/${t.name}.ndjson`)].sort());
    for (const f of m.files) expect(hashFile(join(out, f.path)).sha256).toBe(f.sha256);
    expect(modes(out).dirs.every((x) => x === 0o700)).toBe(true);
    expect(modes(out).files.every((x) => x === 0o600)).toBe(true);

    // Restore = stop the server, restore, start it.
    await s.stop();
    const dir = join(work, 'restored', 'ca');
    const rs = await restoreCa({ from: out, dir, expectFingerprint: s.fingerprint });
    expect(rs.database.certificates).toBe(m.database.certificates);
    expect(rs.database.auditHead).toBe(m.database.auditHead);
    const md = modes(dir);
    expect(
      md.dirs.every((x) => x === 0o700),
      JSON.stringify(md),
    ).toBe(true);
    expect(
      md.files.every((x) => x === 0o600),
      JSON.stringify(md),
    ).toBe(true);
    expect(readdirSync(dirname(dir))).toEqual(['ca']); // no staging directory left behind

    restored = await startCaServerProcess({ dir, adminToken: s.adminToken });
    const r2 = trafficClient(readFileSync(restored.rootPem));
    clients.push(r2);
    const inventory = await listAllCertificates(r2, restored.url, restored.adminToken);
    expect(inventory.length).toBe(m.database.certificates);
    // Every certificate the restored CA knows is one a client received, and everything enrolled before the backup started is there.
    for (const c of inventory) expect(received.has(normHex(c.serial))).toBe(true);
    const serials = new Set(inventory.map((c) => normHex(c.serial)));
    for (const [serial] of [...received].slice(0, PRE + MID)) expect(serials.has(serial)).toBe(true);
    expect(inventory.find((c) => normHex(c.serial) === first)?.status).toBe('revoked');

    const victim = inventory.find((c) => c.status !== 'revoked')!;
    const rv2 = await r2.call(restored.url, 'POST', `/v1/admin/certificates/${victim.serial}/revoke`, {
      token: restored.adminToken,
      body: { reason: 'superseded' },
    });
    expect(rv2.status, rv2.body.toString()).toBe(200);
    expect(rv2.json.crlNumber as number).toBeGreaterThan(m.database.crlNumber);
    const crl = await r2.call(restored.url, 'GET', '/v1/crl');
    expect(crl.status).toBe(200);
    expect(crlNumber(crl.body)).toBeGreaterThan(m.database.crlNumber);

    expect(await restored.stop()).toBe(0);
    const audit = runRapki(['audit', 'verify', '--dir', dir, '--json'], { RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE });
    expect(audit.status, audit.stderr).toBe(0);
    const av = JSON.parse(audit.stdout) as { ok: boolean; count: number };
    expect(av.ok).toBe(true);
    expect(av.count).toBeGreaterThan(m.database.auditRecords);

    // ---- refusals, on the same real backup
    const fp = s.fingerprint;
    expect(await codeOf(backupCa({ dir: s.dir, out, passphrase: TEST_CA_PASSPHRASE }))).toBe('backup_target_not_empty');
    expect(await codeOf(backupCa({ dir: s.dir, out: join(s.dir, 'inside'), passphrase: TEST_CA_PASSPHRASE }))).toBe('backup_target_inside_ca');
    expect(await codeOf(backupCa({ dir: s.dir, out: join(work, 'wrong-pass'), passphrase: 'not-the-passphrase' }))).toBe('passphrase_invalid');
    expect(existsSync(join(work, 'wrong-pass'))).toBe(false);
    expect(await codeOf(restoreCa({ from: out, dir, expectFingerprint: fp }))).toBe('restore_target_not_empty');
    expect(await codeOf(restoreCa({ from: work, dir: join(work, 'x'), expectFingerprint: fp }))).toBe('backup_manifest_missing');
    // The root must be the expected one, or confirmed.
    expect(await codeOf(restoreCa({ from: out, dir: join(work, 'unconfirmed') }))).toBe('restore_fingerprint_unconfirmed');
    expect(await codeOf(restoreCa({ from: out, dir: join(work, 'other-root'), expectFingerprint: 'ab'.repeat(32) }))).toBe('restore_fingerprint_mismatch');

    // A changed byte in the inventory: refused, and nothing is left under the target name.
    const bad1 = join(work, 'tampered-file');
    cpSync(out, bad1, { recursive: true });
    const inv = readFileSync(join(bad1, 'store', 'certificates.ndjson'));
    inv[300] = inv[300] === 0x41 ? 0x42 : 0x41;
    writeFileSync(join(bad1, 'store', 'certificates.ndjson'), inv);
    const t1 = join(work, 't1', 'ca');
    expect(await codeOf(restoreCa({ from: bad1, dir: t1, expectFingerprint: fp }))).toBe('backup_file_corrupt');
    expect(existsSync(t1)).toBe(false);
    expect(readdirSync(dirname(t1))).toEqual([]);
    // The root itself changed: it is not the expected root any more.
    const bad1r = join(work, 'tampered-root');
    cpSync(out, bad1r, { recursive: true });
    const rootPem = readFileSync(join(bad1r, 'root.pem'));
    rootPem[100] = rootPem[100] === 0x41 ? 0x42 : 0x41;
    writeFileSync(join(bad1r, 'root.pem'), rootPem);
    expect(await codeOf(restoreCa({ from: bad1r, dir: join(work, 't1r'), expectFingerprint: fp }))).toBe('restore_fingerprint_mismatch');

    // An audit record rewritten in the export, the manifest left alone: the hash does not match.
    const bad2 = join(work, 'tampered-audit');
    cpSync(out, bad2, { recursive: true });
    editTable(bad2, 'audit_log', (rows) => rows.map((r) => (r[0] === 2 ? [r[0], r[1], 'mallory', ...r.slice(3)] : r)));
    expect(await codeOf(restoreCa({ from: bad2, dir: join(work, 't2'), expectFingerprint: fp }))).toBe('backup_file_corrupt');

    // A manifest pointing outside the backup is refused before anything is read.
    const man = JSON.parse(readFileSync(join(out, 'backup.json'), 'utf8')) as { files: Array<{ path: string; sha256: string; size: number }> };
    const bad3 = join(work, 'tampered-manifest');
    cpSync(out, bad3, { recursive: true });
    man.files.push({ path: '../../etc/passwd', sha256: 'a'.repeat(64), size: 1 });
    writeFileSync(join(bad3, 'backup.json'), JSON.stringify(man));
    expect(await codeOf(restoreCa({ from: bad3, dir: join(work, 't3'), expectFingerprint: fp }))).toBe('backup_manifest_invalid');

    // A forged backup: an admin token planted and a revoked certificate made valid again in the
    // export, the audit chain untouched (so it still verifies), and the hashes in backup.json recomputed.
    const forged = join(work, 'forged');
    cpSync(out, forged, { recursive: true });
    editTable(forged, 'admin_tokens', (rows) => [...rows, ['f'.repeat(64), 'f'.repeat(16), 'admin', 'planted', 0, null, null, null, null]]);
    editTable(forged, 'certificates', (rows) =>
      rows.map((r) => (normHex(String(r[0])) === first ? [...r.slice(0, 7), 'valid', null, null, ...r.slice(10)] : r)),
    );
    const fman = JSON.parse(readFileSync(join(forged, 'backup.json'), 'utf8')) as { files: Array<{ path: string; sha256: string; size: number }> };
    for (const t of ['admin_tokens', 'certificates'])
      Object.assign(
        fman.files.find((f) => f.path === `store/${t}.ndjson`)!,
        hashFile(join(forged, 'store', `${t}.ndjson`)),
      );
    writeFileSync(join(forged, 'backup.json'), `${JSON.stringify(fman, null, 2)}\n`);
    const ft = join(work, 'forged-restored');
    expect(await codeOf(restoreCa({ from: forged, dir: ft, expectFingerprint: fp }))).toBe('backup_signature_invalid');
    expect(await codeOf(restoreCa({ from: forged, dir: ft, confirmed: true }))).toBe('backup_signature_invalid');
    expect(existsSync(ft)).toBe(false);
    // Signed again with a key of the forger's own: not the root's signature.
    const forgerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const sig = JSON.parse(readFileSync(join(forged, 'backup.sig'), 'utf8')) as Record<string, string>;
    const fbytes = readFileSync(join(forged, 'backup.json'));
    sig.manifestSha256 = createHash('sha256').update(fbytes).digest('hex');
    sig.signature = cryptoSign('sha256', fbytes, forgerKey).toString('base64');
    writeFileSync(join(forged, 'backup.sig'), JSON.stringify(sig));
    expect(await codeOf(restoreCa({ from: forged, dir: ft, expectFingerprint: fp }))).toBe('backup_signature_invalid');
    // No signature at all.
    rmSync(join(forged, 'backup.sig'));
    expect(await codeOf(restoreCa({ from: forged, dir: ft, expectFingerprint: fp }))).toBe('backup_signature_missing');
    expect(existsSync(ft)).toBe(false);
  });
});

describe('what a backup holds', { timeout: 60_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'rapki-backup-files-'));
  const ca = join(work, 'ca');
  let fp = '';
  const fingerprint = (): string => fp;

  beforeAll(async () => {
    const r = runRapki(['ca', 'init', '--dir', ca, '--json'], { RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE });
    expect(r.status, r.stderr).toBe(0);
    fp = (JSON.parse(r.stdout) as { fingerprint: string }).fingerprint;
    // What sync registration and a rotation leave in the store, and a development server's passphrase file.
    await withSqlite(join(ca, 'ca.db'), async (s) => {
      const now = new Date('2026-01-01T00:00:00Z');
      await s.putSyncTarget(
        {
          id: '0123456789abcdef',
          trustAnchorArn: 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0b6c1f9e-5f55-4a0e-9d36-2b1b7f1c0a11',
          region: 'us-east-1',
          endpoint: null,
          createdAt: now,
        },
        { time: now, actor: 'test', action: 'sync_target.add', details: {} },
      );
      await s.saveCrlSlot(
        {
          slot: 'primary',
          targetId: '0123456789abcdef',
          crlArn: 'arn:aws:rolesanywhere:us-east-1:123456789012:crl/1',
          pushedNumber: '7',
          pushedSha256: 'a'.repeat(64),
          lastSuccessAt: now,
        },
        'forward',
      );
      await s.updateCaState({ rotation: { expectVersion: 0, state: { version: 1, id: 'abcd', phase: 'preparing', done: [], old: { issuerId: fp } } } });
    });
    writeFileSync(join(ca, 'passphrase'), `${TEST_CA_PASSPHRASE}\n`, { mode: 0o600 });
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("exports every table of the store (rotation and sync state included), not the node's files nor the passphrase; restores them row for row", async () => {
    const out = join(work, 'b1');
    const r = await backupCa({ dir: ca, out, passphrase: TEST_CA_PASSPHRASE, now: () => new Date('2026-01-02T03:04:05Z') });
    const paths = r.manifest.files.map((f) => f.path);
    expect(paths).toEqual(['root.pem', ...SNAPSHOT_TABLES.map((t) => `store/${t.name}.ndjson`)].sort());
    expect(r.passphraseLeftOut).toBe(true);
    expect(r.manifest.createdAt).toBe('2026-01-02T03:04:05.000Z');
    expect(r.manifest.version).toBe(3);
    expect(r.manifest.database.auditRecords).toBeGreaterThan(0);
    expect(r.rows).toMatchObject({ sync_targets: 1, crl_slots: 1, rotation_state: 1, ca_keys: 1, ca_config: 1 });
    expect(statSync(join(out, 'store', 'ca_keys.ndjson')).mode & 0o777).toBe(0o600);
    // The key is in it only as the store holds it: encrypted.
    expect(readFileSync(join(out, 'store', 'ca_keys.ndjson'), 'utf8')).toContain('BEGIN RAPKI ENCRYPTED PRIVATE KEY');

    const dir = join(work, 'r1');
    mkdirSync(dir, { mode: 0o755 }); // an existing empty directory is accepted
    const rs = await restoreCa({ from: out, dir, expectFingerprint: fingerprint() });
    expect(rs.passphraseRestored).toBe(false);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(listFiles(dir).files).toEqual(['ca.db', 'ca.json', 'root.pem']);
    expect(readFileSync(join(dir, 'root.pem'))).toEqual(readFileSync(join(ca, 'root.pem')));
    const [before, after] = [await withSqlite(join(ca, 'ca.db'), dump), await withSqlite(join(dir, 'ca.db'), dump)];
    expect(after).toEqual(before);
  });

  it('copies the passphrase only when asked', async () => {
    const out = join(work, 'b2');
    const r = await backupCa({ dir: ca, out, includePassphrase: true, passphrase: TEST_CA_PASSPHRASE });
    expect(r.manifest.passphraseIncluded).toBe(true);
    expect(r.passphraseLeftOut).toBe(false);
    const dir = join(work, 'r2');
    const rs = await restoreCa({ from: out, dir, confirmed: true });
    expect(rs.passphraseRestored).toBe(true);
    expect(readFileSync(join(dir, 'passphrase'), 'utf8')).toBe(`${TEST_CA_PASSPHRASE}\n`);
    expect(statSync(join(dir, 'passphrase')).mode & 0o777).toBe(0o600);
  });

  it('refuses a directory that holds no CA, and a backup with a file missing', async () => {
    expect(await codeOf(backupCa({ dir: join(work, 'nothing'), out: join(work, 'b3'), passphrase: TEST_CA_PASSPHRASE }))).toBe('ca_not_found');
    const out = join(work, 'b4');
    await backupCa({ dir: ca, out, passphrase: TEST_CA_PASSPHRASE });
    rmSync(join(out, 'store', 'rotation_state.ndjson'));
    expect(await codeOf(restoreCa({ from: out, dir: join(work, 'r4'), expectFingerprint: fingerprint() }))).toBe('backup_file_missing');
  });

  it('does not write inside the CA directory through a symbolic link (real paths are compared)', async () => {
    const link = join(work, 'link-to-ca');
    symlinkSync(ca, link);
    const before = listFiles(ca).files;
    expect(await codeOf(backupCa({ dir: ca, out: join(link, 'bk'), passphrase: TEST_CA_PASSPHRASE }))).toBe('backup_target_inside_ca');
    expect(await codeOf(backupCa({ dir: link, out: join(ca, 'bk2'), passphrase: TEST_CA_PASSPHRASE }))).toBe('backup_target_inside_ca');
    expect(readdirSync(ca).filter((n) => n.startsWith('.bk') || n.startsWith('bk'))).toEqual([]);
    expect(listFiles(ca).files).toEqual(before);
    // Restoring into a directory reached through a link into the backup is refused the same way.
    const out = join(work, 'b5');
    await backupCa({ dir: ca, out, passphrase: TEST_CA_PASSPHRASE });
    symlinkSync(out, join(work, 'link-to-backup'));
    expect(await codeOf(restoreCa({ from: out, dir: join(work, 'link-to-backup', 'ca'), expectFingerprint: fingerprint() }))).toBe('backup_target_inside_ca');
    expect(existsSync(join(work, 'r4'))).toBe(false);
  });
});
