/**
 * The store through the real CLI (built bundle, child processes) on a throw-away PostgreSQL:
 * `ca init --store-url`, `ca serve` finding the store through ca.json, `audit verify --dir`,
 * `aws` reading the CA directory's CRL through the store, a password on the command line refused,
 * a second CA in one database refused, and `ca migrate-store` from a populated SQLite CA followed by
 * serving from PostgreSQL.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirCaSide } from '../../../cli/src/aws/ca-source.js';
import { runRapki, startCaServerProcess, TEST_CA_PASSPHRASE, type CaServerProcess } from '../../support/ca-server.js';
import { crlSerialsFromOpensslText, listAllCertificates, mintTokens, normHex, prepareCsrs, trafficClient } from '../../support/ca-traffic.js';
import { startPostgres, type PostgresCluster } from '../../support/postgres.js';

let pg: PostgresCluster;
const tmp = mkdtempSync(join(tmpdir(), 'rapki-store-cli-'));
const servers: CaServerProcess[] = [];
const env = { RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE, RAPKI_LOG_LEVEL: 'warn' };

beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  for (const s of servers) await s.stop();
  await pg?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Enrolls `hosts` through the server; returns the serials. */
async function enroll(s: CaServerProcess, hosts: string[]): Promise<string[]> {
  const c = trafficClient(readFileSync(s.rootPem));
  try {
    const tokens = await mintTokens(c, s.url, s.adminToken, hosts);
    const mats = prepareCsrs(hosts);
    const serials: string[] = [];
    for (let i = 0; i < hosts.length; i++) {
      const r = await c.call(s.url, 'POST', '/v1/enroll', { body: { token: tokens[i], csr: mats[i]!.csr } });
      expect(r.status, r.body.toString()).toBe(201);
      serials.push(r.json.serial as string);
    }
    return serials;
  } finally {
    c.close();
  }
}

describe('store CLI on PostgreSQL', () => {
  it('ca init --store-url puts the CA in the database and records it; serve, audit verify and aws --ca-dir find it', async () => {
    const url = `${await pg.createDatabase()}?sslmode=disable`;
    const dir = join(tmp, 'ca-pg');
    const init = runRapki(['ca', 'init', '--dir', dir, '--json', '--store-url', url], env);
    expect(init.status, init.stderr).toBe(0);
    const { adminToken } = JSON.parse(init.stdout) as { adminToken: string };
    const cfg = JSON.parse(readFileSync(join(dir, 'ca.json'), 'utf8')) as { store?: string };
    expect(cfg.store).toBe(url);
    expect(existsSync(join(dir, 'ca.db'))).toBe(false);

    // A second CA into the same database is refused before any key is made.
    const dir2 = join(tmp, 'ca-pg-2');
    const again = runRapki(['ca', 'init', '--dir', dir2, '--store-url', url], env);
    expect([again.status, again.stderr]).toEqual([1, expect.stringMatching(/^rapki: ca_exists: .*already holds a CA/m)]);
    expect(existsSync(join(dir2, 'root.key.enc'))).toBe(false);

    const s = await startCaServerProcess({ dir, adminToken, env });
    servers.push(s);
    const serials = await enroll(s, ['pg-a', 'pg-b']);
    const c = trafficClient(readFileSync(s.rootPem));
    try {
      const rv = await c.call(s.url, 'POST', `/v1/admin/certificates/${serials[0]}/revoke`, { token: adminToken, body: { reason: 'keyCompromise' } });
      expect(rv.status).toBe(200);
      const metrics = (await c.call(s.url, 'GET', '/metrics')).body.toString();
      expect(metrics).toContain('rapki_ca_store_info{backend="postgres"} 1');
      expect(metrics).toMatch(/^rapki_ca_store_operation_seconds_count\{op="issueWithToken"\} 2$/m);
      expect((await c.call(s.url, 'GET', '/readyz')).status).toBe(200);
    } finally {
      c.close();
    }
    const v = runRapki(['audit', 'verify', '--dir', dir, '--json'], env);
    expect(v.status, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true });
    expect(JSON.parse(v.stdout).count).toBeGreaterThanOrEqual(6);
    // The aws commands' --ca-dir side reads the CRL through the store too.
    const material = await (await dirCaSide(dir)).material();
    expect(material.crl).toBeDefined();
    await s.stop();
  });

  it('refuses a password in --store-url (it would show in ps), accepts it from --store-url-file', async () => {
    const db = await pg.createDatabase();
    const withPw = db.replace('postgres://postgres@', 'postgres://postgres:hunter2@');
    const dir = join(tmp, 'ca-pw');
    const r = runRapki(['ca', 'init', '--dir', dir, '--store-url', withPw], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/store_url_has_password/);
    expect(r.stderr).not.toContain('hunter2');
    expect(existsSync(join(dir, 'ca.json'))).toBe(false);
    const f = join(tmp, 'url');
    // trust auth ignores the password; the point is that it is accepted from a file and never recorded.
    writeFileSync(f, `${withPw}?sslmode=disable\n`, { mode: 0o600 });
    const ok = runRapki(['ca', 'init', '--dir', dir, '--store-url-file', f], env);
    expect(ok.status, ok.stderr).toBe(0);
    expect(readFileSync(join(dir, 'ca.json'), 'utf8')).not.toContain('hunter2');
  });

  it('ca migrate-store copies a populated SQLite CA into PostgreSQL, verifies it, and the CA then serves from there', async () => {
    const s = await startCaServerProcess({ env });
    servers.push(s);
    const serials = await enroll(s, ['m-a', 'm-b', 'm-c', 'm-d']);
    const c = trafficClient(readFileSync(s.rootPem));
    try {
      expect((await c.call(s.url, 'POST', `/v1/admin/certificates/${serials[0]}/revoke`, { token: s.adminToken, body: {} })).status).toBe(200);
      expect((await c.call(s.url, 'POST', '/v1/admin/hosts/m-b/revoke', { token: s.adminToken, body: {} })).status).toBe(200);
    } finally {
      c.close();
    }
    await s.stop();
    const before = runRapki(['audit', 'verify', '--dir', s.dir, '--json'], env);
    expect(before.status, before.stderr).toBe(0);
    const head = JSON.parse(before.stdout).head as string;

    const target = `${await pg.createDatabase()}?sslmode=disable`;
    const m = runRapki(['ca', 'migrate-store', '--dir', s.dir, '--to', target, '--json'], env);
    expect(m.status, m.stderr).toBe(0);
    const out = JSON.parse(m.stdout) as { rows: Record<string, number>; auditHead: string };
    expect(out.auditHead).toBe(head);
    expect(out.rows).toMatchObject({ certificates: 4, admin_tokens: 1, blocked_hosts: 1, ca_certificates: 1, crl_state: 1 });
    expect(JSON.parse(readFileSync(join(s.dir, 'ca.json'), 'utf8')).store).toMatch(/^postgres:\/\//);

    // A non-empty target is refused, and nothing is changed there.
    const again = runRapki(['ca', 'migrate-store', '--dir', s.dir, '--to', target], env);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/This CA already keeps its store in postgres/);
    const dirB = join(tmp, 'sqlite-b');
    expect(runRapki(['ca', 'init', '--dir', dirB], env).status).toBe(0);
    const busy = runRapki(['ca', 'migrate-store', '--dir', dirB, '--to', target], env);
    expect([busy.status, busy.stderr]).toEqual([1, expect.stringMatching(/store_not_empty/)]);

    // Serving from PostgreSQL now (ca.json names it): the same inventory, CRL and audit chain.
    const p = await startCaServerProcess({ dir: s.dir, adminToken: s.adminToken, env });
    servers.push(p);
    const pc = trafficClient(readFileSync(p.rootPem));
    try {
      const inv = await listAllCertificates(pc, p.url, p.adminToken);
      expect(inv.map((x) => x.serial).sort()).toEqual([...serials].sort());
      expect(
        inv
          .filter((x) => x.status === 'revoked')
          .map((x) => x.serial)
          .sort(),
      ).toEqual([serials[0], serials[1]].sort());
      const crl = await pc.call(p.url, 'GET', '/v1/crl');
      const listed = crlSerialsFromOpensslText(execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-text'], { input: crl.body }).toString());
      expect(listed).toEqual(new Set([normHex(serials[0]!), normHex(serials[1]!)]));
      const more = await enroll(p, ['m-e']);
      expect(more).toHaveLength(1);
      expect((await pc.call(p.url, 'GET', '/metrics')).body.toString()).toContain('backend="postgres"');
    } finally {
      pc.close();
    }
    await p.stop();
    const after = runRapki(['audit', 'verify', '--dir', s.dir, '--expect-head', head, '--json'], env);
    expect(after.status, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout).count).toBeGreaterThan(Number(head.split(':')[0]));
  });
});
