/**
 * A CA directory of the previous release (loose files beside a schema-6 SQLite file; made from a
 * real CA with registered trust anchors in the emulator, revoked leaves, an aborted rotation in the
 * history and a rotation in progress, then written in that release's layout by
 * `test/support/legacy-ca-dir.ts`) is upgraded the first time it is opened, and then served:
 * - a crash before the import commits leaves the files and the store as they were; a crash after
 *   it (during the moves) is finished by the next open without importing twice;
 * - a real `rapki ca serve` upgrades it and serves it with nothing lost: the inventory and its
 *   statuses, the audit chain (it extends the old head: `audit verify --expect-head`), the CRL
 *   numbers (a revocation gets a higher one, pushed to the registered trust anchor), the sync
 *   targets, and the rotation in progress (it issues from the new CA, and `finish` completes it).
 */
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upgradeCaDir } from '../../ca-server/src/ca-dir-upgrade.js';
import { openCaDirStore } from '../../ca-server/src/open-ca-store.js';
import type { CaStore } from '../../ca-server/src/store/ca-store.js';
import { CRL_SLOTS } from '../../ca-server/src/store/types.js';
import { runCli, type CliResult } from '../support/cli.js';
import { startCaServerProcess, TEST_CA_PASSPHRASE, type CaServerProcess } from '../support/ca-server.js';
import { withCaStore } from '../support/ca-store.js';
import { downgradeToLegacyLayout } from '../support/legacy-ca-dir.js';
import { makeTempDir, removeTempDir } from '../support/openssl.js';
import { startEmulatorProcess, TEST_AWS_ENV, type EmulatorProcess } from '../cli/aws/emulator-process.js';

const ROLE = 'arn:aws:iam::123456789012:role/rapki-upgrade';
const fail = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.stderr}`;
const LOOSE = ['root.key.enc', 'intermediate.key.enc', 'aws-sync-targets.json', 'rotation'];

interface Before {
  readonly inventory: { serial: string; status: string }[];
  readonly head: { seq: number; hash: string };
  readonly crlNumbers: Record<string, number>;
}

/** What the old database holds, read without opening it as a store (which would migrate it). */
function readOld(dir: string): Before {
  const db = new Database(join(dir, 'ca.db'), { readonly: true });
  try {
    const inventory = db.prepare('SELECT serial, status FROM certificates ORDER BY seq').all() as { serial: string; status: string }[];
    const h = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string };
    const crls = db.prepare('SELECT issuer_id, number FROM crl_state').all() as { issuer_id: string; number: number }[];
    expect((db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number }).v).toBe(6);
    return { inventory, head: { seq: h.seq, hash: h.hash }, crlNumbers: Object.fromEntries(crls.map((c) => [c.issuer_id, c.number])) };
  } finally {
    db.close();
  }
}

describe('a CA directory of the previous release, upgraded on first open', { timeout: 300_000 }, () => {
  let tmp: string;
  let emu: EmulatorProcess;
  let legacy: string;
  let adminToken: string;
  let fingerprint: string;
  let srv: CaServerProcess | undefined;
  const env = { ...TEST_AWS_ENV, RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE };

  beforeAll(async () => {
    tmp = await makeTempDir('rapki-upgrade-');
    emu = await startEmulatorProcess();
    // A real CA with state in every part: trust anchor and CRL sync, leaves, a revocation, an
    // aborted rotation, and a rotation in progress (active: issuing from the new intermediate).
    const made = await startCaServerProcess({ intermediate: true, env });
    adminToken = made.adminToken;
    fingerprint = made.fingerprint;
    const admin = { ...env, RAPKI_CA_URL: made.url, RAPKI_CA_FINGERPRINT: made.fingerprint, RAPKI_ADMIN_TOKEN: made.adminToken };
    const reg = await runCli(['aws', 'register', '--json', '--role-arn', ROLE, '--endpoint', emu.url, '--anchor', 'intermediate'], {
      env: admin,
      timeoutMs: 60_000,
    });
    expect(reg.code, fail(reg)).toBe(0);
    for (const h of ['up-1', 'up-2', 'up-3']) {
      const t = await runCli(['token', 'create', '--subject', h, '--json'], { env: admin });
      const e = await runCli(['enroll', '--ca-url', made.url, '--ca-fingerprint', made.fingerprint, '--out', join(tmp, h)], {
        env: { RAPKI_ENROLL_TOKEN: (JSON.parse(t.out) as { token: string }).token },
      });
      expect(e.code, fail(e)).toBe(0);
    }
    const rv = await runCli(['cert', 'revoke', '--host', 'up-3', '--reason', 'keyCompromise'], { env: admin });
    expect(rv.code, fail(rv)).toBe(0);
    for (const args of [['start'], ['abort', '--force'], ['start']]) {
      const r = await runCli(['ca', 'rotate', ...args, '--json'], { env: admin, timeoutMs: 120_000 });
      expect(r.code, fail(r)).toBe(0);
    }
    expect(await made.stop()).toBe(0);
    legacy = join(tmp, 'legacy');
    cpSync(made.dir, legacy, { recursive: true });
    await downgradeToLegacyLayout(legacy);
  }, 240_000);

  afterAll(async () => {
    await srv?.stop();
    await emu?.dispose();
    if (tmp) await removeTempDir(tmp);
  });

  it("the fixture is the previous release's layout", () => {
    const names = readdirSync(legacy).sort();
    expect(names).toEqual(
      expect.arrayContaining(['ca.db', 'ca.json', 'root.pem', 'root.key.enc', 'intermediate.pem', 'intermediate.key.enc', 'aws-sync-targets.json', 'rotation']),
    );
    expect(JSON.parse(readFileSync(join(legacy, 'ca.json'), 'utf8'))).toMatchObject({ version: 1, intermediate: true, fingerprint });
    expect(readdirSync(join(legacy, 'rotation')).sort()).toEqual(['aws-sync-next.json', 'history', 'next', 'state.json']);
    expect(readdirSync(join(legacy, 'rotation', 'next')).sort()).toEqual(['intermediate.key.enc', 'intermediate.pem', 'meta.json']);
    expect(JSON.parse(readFileSync(join(legacy, 'rotation', 'state.json'), 'utf8'))).toMatchObject({
      phase: 'active',
      done: expect.arrayContaining(['generate', 'register', 'switch']),
    });
    expect(readOld(legacy).inventory).toHaveLength(3);
  });

  it('a crash before the import commits changes nothing; one during the moves is finished by the next open, without importing twice', async () => {
    const dir = join(tmp, 'crash');
    cpSync(legacy, dir, { recursive: true });
    // SQLite's own side files (-wal, -shm) come and go with connections.
    const files = (): string[] =>
      readdirSync(dir)
        .filter((n) => !n.startsWith('ca.db-'))
        .sort();
    const before = files();
    // 1. The store's transaction fails (as if the process died before the commit).
    const o = await openCaDirStore({ dir: join(tmp, 'not-a-ca'), location: { backend: 'sqlite', file: join(dir, 'ca.db'), display: 'x' }, mustExist: true });
    try {
      const failing = new Proxy(o.store, {
        get(t, p) {
          if (p === 'updateCaState') return () => Promise.reject(new Error('injected: crash before the commit'));
          const v = Reflect.get(t, p, t) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
        },
      }) as CaStore;
      await expect(upgradeCaDir(dir, failing)).rejects.toThrow(/injected/);
      expect((await o.store.getCaState()).config).toBeUndefined();
    } finally {
      await o.close();
    }
    expect(files()).toEqual(before);
    expect(JSON.parse(readFileSync(join(dir, 'ca.json'), 'utf8')).version).toBe(1);
    // 2. A full upgrade, then the state of a crash in the middle of the moves: two files back in place, ca.json still version 1.
    const first = await openCaDirStore({ dir, mustExist: true });
    expect(first.upgraded?.imported).toBe(true);
    await first.close();
    renameSync(join(dir, 'imported-v1', 'root.key.enc'), join(dir, 'root.key.enc'));
    renameSync(join(dir, 'imported-v1', 'rotation'), join(dir, 'rotation'));
    writeFileSync(join(dir, 'ca.json'), readFileSync(join(dir, 'imported-v1', 'ca.json')));
    const again = await openCaDirStore({ dir, mustExist: true });
    try {
      expect(again.upgraded?.imported).toBe(false);
      const audit = await again.store.listAudit(0, 10_000);
      expect(audit.filter((r) => r.action === 'ca.upgrade')).toHaveLength(1);
    } finally {
      await again.close();
    }
    for (const f of LOOSE) {
      expect(existsSync(join(dir, f)), f).toBe(false);
      expect(existsSync(join(dir, 'imported-v1', f)), f).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(dir, 'ca.json'), 'utf8'))).toEqual({ version: 2 });
  });

  it('rapki ca serve upgrades it and serves it with nothing lost: inventory, audit chain, CRL numbers, sync targets, the rotation in progress', async () => {
    const dir = join(tmp, 'served');
    cpSync(legacy, dir, { recursive: true });
    const before = readOld(dir);
    srv = await startCaServerProcess({ dir, adminToken, env });
    expect(srv.fingerprint).toBe(fingerprint);
    const admin = { ...env, RAPKI_CA_URL: srv.url, RAPKI_CA_FINGERPRINT: fingerprint, RAPKI_ADMIN_TOKEN: adminToken };
    // The files were imported and moved aside; the directory now holds only node-local files and the store.
    for (const f of LOOSE) expect(existsSync(join(dir, f)), f).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'ca.json'), 'utf8'))).toEqual({ version: 2 });
    expect(readdirSync(join(dir, 'imported-v1')).sort()).toEqual([
      'aws-sync-targets.json',
      'ca.json',
      'intermediate.key.enc',
      'intermediate.pem',
      'root.key.enc',
      'root.pem',
      'rotation',
    ]);
    // The inventory, with its statuses.
    const list = await runCli(['cert', 'list', '--json'], { env: admin });
    expect(list.code, fail(list)).toBe(0);
    const inv = (JSON.parse(list.out) as { certificates: { serial: string; status: string }[] }).certificates;
    const norm = (s: string) => s.toLowerCase().replace(/^0+/, '');
    expect(inv.map((c) => [norm(c.serial), c.status === 'revoked' ? 'revoked' : 'valid']).sort()).toEqual(
      before.inventory.map((c) => [norm(c.serial), c.status]).sort(),
    );
    // The rotation in progress: both CAs, issuing from the new one.
    const st = await runCli(['ca', 'rotate', 'status', '--json'], { env: admin });
    expect(st.code, fail(st)).toBe(0);
    const status = JSON.parse(st.out) as { state: { phase: string }; issuing: string; next: { issuerId: string } };
    expect([status.state.phase, status.issuing]).toEqual(['active', 'new']);
    // The sync target and its two CRL slots, carried over.
    const stored = await withCaStore(dir, async (s) => ({
      targets: await s.listSyncTargets(),
      slots: await s.listCrlSlots(),
      history: await s.listRotationHistory(),
    }));
    expect(stored.targets).toHaveLength(1);
    expect(stored.slots.map((x) => x.slot).sort()).toEqual([CRL_SLOTS.next, CRL_SLOTS.primary]);
    expect(stored.slots.every((x) => x.crlArn !== null && x.pushedNumber !== null)).toBe(true);
    expect(stored.history.map((h) => h.outcome)).toEqual(['aborted']);
    // A revocation of an old-CA leaf: a CRL number above the old one, pushed to the trust anchor.
    const oldIssuer = Object.keys(before.crlNumbers).find((id) => id !== status.next.issuerId)!;
    const rv = await runCli(['cert', 'revoke', '--host', 'up-2', '--reason', 'keyCompromise'], { env: admin });
    expect(rv.code, fail(rv)).toBe(0);
    let synced: { pushedNumber: string | null } | undefined;
    for (let i = 0; i < 60 && !(synced && Number(synced.pushedNumber) > before.crlNumbers[oldIssuer]!); i++) {
      synced = await withCaStore(dir, async (s) => (await s.listCrlSlots(CRL_SLOTS.primary))[0]);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(Number(synced?.pushedNumber)).toBeGreaterThan(before.crlNumbers[oldIssuer]!);
    const aws = await runCli(['aws', 'status', '--json', '--endpoint', emu.url], { env: admin });
    expect(aws.code, fail(aws)).toBe(0);
    // The audit chain extends the old one.
    const av = await runCli(['audit', 'verify', '--dir', dir, '--json', '--expect-head', `${before.head.seq}:${before.head.hash}`], { env });
    expect(av.code, fail(av)).toBe(0);
    expect((JSON.parse(av.out) as { count: number }).count).toBeGreaterThan(before.head.seq);
    // The rotation resumes from the imported state and completes.
    const fin = await runCli(['ca', 'rotate', 'finish', '--force', '--json'], { env: admin, timeoutMs: 120_000 });
    expect(fin.code, fail(fin)).toBe(0);
    expect((await withCaStore(dir, async (s) => (await s.getCaState()).config))?.issuerId).toBe(status.next.issuerId);
  });
});
