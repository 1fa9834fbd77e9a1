/**
 * `rapki ca backup` / `ca restore` of a CA whose store is PostgreSQL (real processes): the backup
 * is taken while the server serves; restored into a new, empty PostgreSQL database (its directory's
 * `ca.json` names it) the CA serves the same inventory, revokes with a higher CRL number, and its
 * audit chain verifies; the same backup restores into SQLite too, row for row; a non-empty target
 * database is refused and left as it was.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaStore } from '../../../ca-server/src/store/ca-store.js';
import type { SnapshotChunk } from '../../../ca-server/src/store/snapshot.js';
import { runCli, type CliResult } from '../../support/cli.js';
import { startCaServerProcess, TEST_CA_PASSPHRASE, type CaServerProcess } from '../../support/ca-server.js';
import { withCaStore } from '../../support/ca-store.js';
import { listAllCertificates, trafficClient } from '../../support/ca-traffic.js';
import { makeTempDir, removeTempDir } from '../../support/openssl.js';
import { POSTGRES_MISSING, startPostgres, type PostgresCluster } from '../../support/postgres.js';

const fail = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.stderr}`;

async function dump(store: CaStore): Promise<Record<string, unknown[][]>> {
  const out: Record<string, unknown[][]> = {};
  await store.exportSnapshot(async (c: SnapshotChunk) => {
    out[c.table] = [...(out[c.table] ?? []), ...c.rows.map((r) => [...r])];
  });
  return out;
}

describe.skipIf(POSTGRES_MISSING !== undefined)('backup and restore of a CA on PostgreSQL', { timeout: 240_000 }, () => {
  let pg: PostgresCluster;
  let tmp: string;
  const servers: CaServerProcess[] = [];
  const env = { RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE };

  beforeAll(async () => {
    pg = await startPostgres();
    tmp = await makeTempDir('rapki-backup-pg-');
  }, 120_000);

  afterAll(async () => {
    for (const s of servers) await s.stop().catch(() => {});
    await pg?.close();
    if (tmp) await removeTempDir(tmp);
  });

  it('round-trips through a signed logical backup into PostgreSQL and into SQLite', async () => {
    const source = `${await pg.createDatabase()}?sslmode=disable`;
    const dir = join(tmp, 'ca');
    const init = await runCli(['ca', 'init', '--dir', dir, '--store-url', source, '--json'], { env, timeoutMs: 60_000 });
    expect(init.code, fail(init)).toBe(0);
    const { adminToken, fingerprint } = JSON.parse(init.out) as { adminToken: string; fingerprint: string };
    const s = await startCaServerProcess({ dir, adminToken, env });
    servers.push(s);
    const admin = { RAPKI_CA_URL: s.url, RAPKI_CA_FINGERPRINT: fingerprint, RAPKI_ADMIN_TOKEN: adminToken };
    for (const h of ['pg-1', 'pg-2', 'pg-3']) {
      const t = await runCli(['token', 'create', '--subject', h, '--json'], { env: admin });
      const e = await runCli(['enroll', '--ca-url', s.url, '--ca-fingerprint', fingerprint, '--out', join(tmp, h)], {
        env: { RAPKI_ENROLL_TOKEN: (JSON.parse(t.out) as { token: string }).token },
      });
      expect(e.code, fail(e)).toBe(0);
    }
    expect((await runCli(['cert', 'revoke', '--host', 'pg-2'], { env: admin })).code).toBe(0);

    // While the server runs: the store named by the directory's ca.json.
    const out = join(tmp, 'backup');
    const b = await runCli(['ca', 'backup', '--dir', dir, '--out', out, '--json'], { env, timeoutMs: 60_000 });
    expect(b.code, fail(b)).toBe(0);
    const bj = JSON.parse(b.out) as { database: { certificates: number; crlNumber: number; auditRecords: number; auditHead: string; auditVerified: boolean } };
    expect(bj.database).toMatchObject({ certificates: 3, auditVerified: true });
    expect(bj.database.crlNumber).toBeGreaterThan(0);
    expect(await s.stop()).toBe(0);
    const original = await withCaStore(dir, dump);

    // Into a new PostgreSQL database.
    const target = `${await pg.createDatabase()}?sslmode=disable`;
    const rdir = join(tmp, 'restored-pg');
    const r = await runCli(['ca', 'restore', '--from', out, '--dir', rdir, '--store-url', target, '--expect-fingerprint', fingerprint, '--json'], {
      env,
      timeoutMs: 60_000,
    });
    expect(r.code, fail(r)).toBe(0);
    expect(JSON.parse(readFileSync(join(rdir, 'ca.json'), 'utf8'))).toEqual({ version: 2, store: target });
    expect(await withCaStore(rdir, dump)).toEqual(original);
    const p = await startCaServerProcess({ dir: rdir, adminToken, env });
    servers.push(p);
    const c = trafficClient(readFileSync(p.rootPem));
    try {
      const inv = await listAllCertificates(c, p.url, adminToken);
      expect(inv).toHaveLength(3);
      expect(inv.filter((x) => x.status === 'revoked')).toHaveLength(1);
      const victim = inv.find((x) => x.status !== 'revoked')!;
      const rv = await c.call(p.url, 'POST', `/v1/admin/certificates/${victim.serial}/revoke`, { token: adminToken, body: {} });
      expect(rv.status, rv.body.toString()).toBe(200);
      expect(rv.json.crlNumber as number).toBeGreaterThan(bj.database.crlNumber);
    } finally {
      c.close();
    }
    expect(await p.stop()).toBe(0);
    const av = await runCli(['audit', 'verify', '--dir', rdir, '--expect-head', `${bj.database.auditRecords}:${bj.database.auditHead}`, '--json'], { env });
    expect(av.code, fail(av)).toBe(0);

    // The same backup into SQLite: the same rows.
    const sdir = join(tmp, 'restored-sqlite');
    const rs = await runCli(['ca', 'restore', '--from', out, '--dir', sdir, '--expect-fingerprint', fingerprint], { env, timeoutMs: 60_000 });
    expect(rs.code, fail(rs)).toBe(0);
    expect(await withCaStore(sdir, dump)).toEqual(original);

    // A target database that is not empty is refused, and keeps what it had.
    const busy = await runCli(['ca', 'restore', '--from', out, '--dir', join(tmp, 'restored-busy'), '--store-url', target, '--yes'], {
      env,
      timeoutMs: 60_000,
    });
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('rapki: store_not_empty: ');
    const n = await pg.query('SELECT count(*)::int AS n FROM certificates', [], new URL(target).pathname.slice(1));
    expect(n.rows[0].n).toBe(3);
  });
});
