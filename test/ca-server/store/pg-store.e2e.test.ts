/**
 * What only the PostgreSQL store has: migrations when several replicas start at once, a schema
 * newer than this build, password lookup against a cluster that demands scram authentication,
 * sslmode, the append-only audit table, and store_unavailable when the server is gone.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../ca-server/src/store/open-store.js';
import { pgPoolConfig } from '../../../ca-server/src/store/pg-connect.js';
import { PG_MIGRATIONS } from '../../../ca-server/src/store/pg-migrations.js';
import { PgCaStore } from '../../../ca-server/src/store/pg-store.js';
import { parseStoreUrl, type PgConnectionSpec, type StoreLocation } from '../../../ca-server/src/store/store-url.js';
import { startPostgres, type PostgresCluster } from '../../support/postgres.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const tmp = mkdtempSync(join(tmpdir(), 'rapki-pg-store-'));
let pg: PostgresCluster;
let scram: PostgresCluster;

beforeAll(async () => {
  [pg, scram] = await Promise.all([startPostgres({ maxConnections: 150 }), startPostgres({ auth: 'scram' })]);
});
afterAll(async () => {
  await Promise.all([pg?.close(), scram?.close()]);
  rmSync(tmp, { recursive: true, force: true });
});

const loc = (url: string): StoreLocation => parseStoreUrl(url, { origin: 'env', dir: tmp });
const spec = (url: string): PgConnectionSpec => {
  const l = loc(url);
  if (l.backend !== 'postgres') throw new Error('not postgres');
  return l.spec;
};
const codeOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: { code?: string; message?: string }) => e.code ?? String(e.message),
  );

describe('PgCaStore', () => {
  it('eight replicas starting at once on an empty database apply each migration once', async () => {
    const url = `${await pg.createDatabase()}?sslmode=disable`;
    const stores = await Promise.all(Array.from({ length: 8 }, () => openStore({ location: loc(url) })));
    try {
      const rows = await pg.query('SELECT version, name FROM schema_migrations ORDER BY version', [], new URL(url).pathname.slice(1));
      expect(rows.rows).toEqual(PG_MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('refuses a database migrated by a newer rapki, and a failing migration leaves no trace', async () => {
    const url = `${await pg.createDatabase()}?sslmode=disable`;
    const db = new URL(url).pathname.slice(1);
    const config = await pgPoolConfig(spec(url));
    const bad = [...PG_MIGRATIONS, { version: 99, name: 'bad', sql: 'CREATE TABLE t99 (x int); SELEC nonsense' }];
    expect(await codeOf(PgCaStore.open(config, { migrations: bad }))).toBe('42601'); // syntax_error
    expect((await pg.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 't99'", [], db)).rows[0].n).toBe(0);
    await (await PgCaStore.open(config)).close();
    await pg.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (1000, 'from the future', 0)", [], db);
    const err = await PgCaStore.open(config).then(
      () => undefined,
      (e: { code?: string; message?: string }) => e,
    );
    expect(err).toMatchObject({ code: 'store_schema_newer' });
    expect(err?.message).toMatch(/1000/);
  });

  it('the audit table is append-only in the database itself', async () => {
    const url = `${await pg.createDatabase()}?sslmode=disable`;
    const s = await openStore({ location: loc(url) });
    try {
      await s.store.appendAudit({ time: T0, actor: 't', action: 'x', details: {} });
      const db = new URL(url).pathname.slice(1);
      for (const sql of ["UPDATE audit_log SET actor = 'evil'", 'DELETE FROM audit_log', 'TRUNCATE audit_log']) {
        await expect(pg.query(sql, [], db), sql).rejects.toThrow(/append-only/);
      }
    } finally {
      await s.close();
    }
  });

  it('finds the password in PGPASSWORD or a 0600 PGPASSFILE; a wrong or missing one is refused', async () => {
    const url = `${(await scram.createDatabase()).replace(/\?.*$/, '')}?sslmode=disable`;
    const [host, port, db] = [scram.host, scram.port, new URL(url).pathname.slice(1)];
    const open = (env: NodeJS.ProcessEnv) => openStore({ location: loc(url), env });
    expect(await codeOf(open({ PGPASSFILE: join(tmp, 'none') }))).not.toBe('ok');
    expect(await codeOf(open({ PGPASSWORD: 'wrong', PGPASSFILE: join(tmp, 'none') }))).toBe('28P01'); // invalid_password
    const a = await open({ PGPASSWORD: scram.password });
    await a.store.ping();
    await a.close();
    const pass = join(tmp, 'pgpass');
    writeFileSync(pass, `${host}:${port}:${db}:postgres:${scram.password}\n`, { mode: 0o600 });
    const b = await open({ PGPASSFILE: pass });
    await b.store.ping();
    await b.close();
  });

  it('honours sslmode: require fails against a server without TLS, prefer falls back to plain', async () => {
    const base = await pg.createDatabase();
    expect(await codeOf(pgPoolConfig(spec(`${base}?sslmode=require`)).then((c) => PgCaStore.open(c)))).toMatch(/does not support SSL/);
    expect(await codeOf(pgPoolConfig(spec(`${base}?sslmode=verify-full`)))).toBe('store_url_invalid');
    const c = await pgPoolConfig(spec(`${base}?sslmode=prefer`));
    expect(c.ssl).toBe(false);
    expect(await pgPoolConfig(spec(`${base}?sslmode=require&sslrootcert=${join(tmp, 'absent.pem')}`)).catch((e: { code: string }) => e.code)).toBe(
      'store_url_invalid',
    );
  });

  it('verifies the server certificate as sslmode says, against a server with TLS', async () => {
    const d = mkdtempSync(join(tmp, 'tls-'));
    const ossl = (args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: ['ignore', 'pipe', 'pipe'] });
    ossl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-subj',
      '/CN=db test CA',
      '-days',
      '2',
    ]);
    ossl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'other.key',
      '-out',
      'other.pem',
      '-subj',
      '/CN=other CA',
      '-days',
      '2',
    ]);
    ossl([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=db.test',
    ]);
    writeFileSync(join(d, 'ext'), 'subjectAltName=DNS:db.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    ossl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '7', '-days', '2', '-extfile', 'ext', '-out', 'server.pem']);
    const tls = await startPostgres({ tls: { certFile: join(d, 'server.pem'), keyFile: join(d, 'server.key') } });
    try {
      const base = await tls.createDatabase();
      const tryOpen = async (q: string, url = base): Promise<string | undefined> => {
        const s = await openStore({ location: loc(`${url}?${q}`) }).catch((e: { code?: string; message?: string }) => e);
        if (!('store' in s)) return s.code ?? s.message;
        await s.close();
        return 'ok';
      };
      const untrusted = /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/;
      expect(await tryOpen(`sslmode=verify-full&sslrootcert=${join(d, 'ca.pem')}`)).toBe('ok');
      expect(await tryOpen(`sslmode=verify-ca&sslrootcert=${join(d, 'ca.pem')}`)).toBe('ok');
      expect(await tryOpen(`sslmode=verify-full&sslrootcert=${join(d, 'other.pem')}`)).toMatch(untrusted);
      expect(await tryOpen(`sslmode=require&sslrootcert=${join(d, 'other.pem')}`)).toMatch(untrusted);
      // verify-full checks the name too: the certificate is for db.test and 127.0.0.1, not localhost; verify-ca does not.
      const byName = (mode: string) => tryOpen(`sslmode=${mode}&sslrootcert=${join(d, 'ca.pem')}`, base.replace('@127.0.0.1:', '@localhost:'));
      expect(await byName('verify-full')).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
      expect(await byName('verify-ca')).toBe('ok');
      expect(await tryOpen('sslmode=require')).toBe('ok');
      // The connection really is encrypted (pg_stat_ssl of the store's own session).
      const s = await openStore({ location: loc(`${base}?sslmode=verify-full&sslrootcert=${join(d, 'ca.pem')}`) });
      try {
        const pool = (s.store as unknown as { pool: import('pg').Pool }).pool;
        const r = await pool.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
        expect(r.rows[0].ssl).toBe(true);
      } finally {
        await s.close();
      }
      expect((await pgPoolConfig(spec(`${base}?sslmode=prefer`))).ssl).not.toBe(false);
    } finally {
      await tls.close();
    }
  });

  it('answers store_unavailable quickly while the server is down, and works again after it is back, by itself', async () => {
    const own = await startPostgres();
    try {
      const url = `${await own.createDatabase()}?sslmode=disable&connect_timeout=2`;
      const s = await openStore({ location: loc(url), onPoolError: () => {} });
      try {
        await s.store.putCaCertificates([{ id: 'i', role: 'root', der: Uint8Array.of(1), notAfter: T0, issuing: true }], {
          time: T0,
          actor: 't',
          action: 'ca.init',
          details: {},
        });
        await own.stop('immediate');
        const t0 = Date.now();
        expect(await codeOf(s.store.ping())).toBe('store_unavailable');
        expect(await codeOf(s.store.appendAudit({ time: T0, actor: 't', action: 'down', details: {} }))).toBe('store_unavailable');
        expect(await codeOf(s.store.getCaCertificates())).toBe('store_unavailable');
        expect(Date.now() - t0).toBeLessThan(10_000);
        expect(s.renderMetrics()).toMatch(/^rapki_ca_store_unavailable_total [1-9]/m);
        await own.start();
        await s.store.ping();
        const r = await s.store.appendAudit({ time: T0, actor: 't', action: 'back', details: {} });
        expect(r.seq).toBe(2);
        const m = s.renderMetrics();
        expect(m).toContain('rapki_ca_store_info{backend="postgres"} 1');
        expect(m).toMatch(/^rapki_ca_store_operation_seconds_count\{op="appendAudit"\} 2$/m);
        expect(m).toMatch(/^rapki_ca_store_audit_head_locks_total [1-9]/m);
        expect(m).toMatch(/^rapki_ca_store_pool_connections\{state="total"\} \d+$/m);
      } finally {
        await s.close();
      }
    } finally {
      await own.close();
    }
  });
});
