/**
 * Replicas of one CA on one PostgreSQL database (docs/ha.md "Replicas"), as real processes:
 * `rapki ca init --store-url` creates the CA in the database once (a second init is refused); two
 * `rapki ca serve` processes run with their own directories (one missing, one empty) and their own
 * `--tls-san` names; each presents a server certificate for its names, issued by the CA (openssl
 * verifies it against the root, with the replica's host name); a client that pins the root
 * fingerprint enrolls through one and is known to the other; a rotation started and finished
 * through one replica is seen by the other (it issues from the new CA, and after finish presents a
 * TLS certificate of the new root) within the polling bound.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { startCaServerProcess, TEST_CA_PASSPHRASE, type CaServerProcess } from '../support/ca-server.js';
import { trafficClient, type TrafficClient } from '../support/ca-traffic.js';
import { makeTempDir, opensslRun, removeTempDir } from '../support/openssl.js';
import { POSTGRES_MISSING, startPostgres, type PostgresCluster } from '../support/postgres.js';

const fail = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.stderr}`;
const fingerprintOf = (pem: string | Buffer): string => new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
/** What a change made through one replica may take to show on the other (the 2 s poll, loaded machine). */
const FOLLOW_BOUND_MS = 15_000;

/** The certificate chain a server presents (leaf first), as PEM. */
function presented(port: number, servername: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const out: string[] = [];
      let c = s.getPeerCertificate(true) as { raw?: Buffer; issuerCertificate?: unknown } | undefined;
      const seen = new Set<string>();
      while (c?.raw && !seen.has(c.raw.toString('base64'))) {
        seen.add(c.raw.toString('base64'));
        out.push(
          `-----BEGIN CERTIFICATE-----\n${c.raw
            .toString('base64')
            .replace(/(.{64})/g, '$1\n')
            .replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`,
        );
        c = c.issuerCertificate as typeof c;
      }
      s.end();
      resolve(out);
    });
    s.on('error', reject);
  });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, boundMs = FOLLOW_BOUND_MS): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== undefined) return { value: v, ms: Date.now() - t0 };
    if (Date.now() - t0 > boundMs) throw new Error(`timed out after ${boundMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(POSTGRES_MISSING !== undefined)('CA replicas on one PostgreSQL database (real processes)', { timeout: 240_000 }, () => {
  let pg: PostgresCluster;
  let tmp: string;
  let url: string;
  let adminToken: string;
  let fingerprint: string;
  const replicas: CaServerProcess[] = [];
  const clients: TrafficClient[] = [];
  const env = { RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE };

  beforeAll(async () => {
    pg = await startPostgres({ maxConnections: 120 });
    tmp = await makeTempDir('rapki-replicas-');
    url = `${await pg.createDatabase()}?sslmode=disable`;
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const r of replicas) await r.stop().catch(() => {});
    await pg?.close();
    if (tmp) await removeTempDir(tmp);
  });

  it('ca init creates the CA in the database once; a second init on the same database is refused', async () => {
    const r = await runCli(['ca', 'init', '--dir', join(tmp, 'init'), '--store-url', url, '--json'], { env, timeoutMs: 60_000 });
    expect(r.code, fail(r)).toBe(0);
    ({ adminToken, fingerprint } = JSON.parse(r.out) as { adminToken: string; fingerprint: string });
    // The directory of init holds the pointer and a copy of the root; the CA is in the database.
    expect(readdirSync(join(tmp, 'init')).sort()).toEqual(['ca.json', 'root.pem']);
    expect(JSON.parse(readFileSync(join(tmp, 'init', 'ca.json'), 'utf8'))).toEqual({ version: 2, store: url.replace(/\?.*$/, '?sslmode=disable') });
    const again = await runCli(['ca', 'init', '--dir', join(tmp, 'init2'), '--store-url', url, '--json'], { env, timeoutMs: 60_000 });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('rapki: ca_exists: ');
    const rows = await pg.query('SELECT count(*)::int AS n FROM ca_certificates', [], new URL(url).pathname.slice(1));
    expect(rows.rows[0].n).toBe(1);
  });

  it('two replicas with their own empty directories serve the CA, each with a TLS certificate for its own names (openssl), and share its state', async () => {
    const dirA = join(tmp, 'node-a'); // missing
    const dirB = join(tmp, 'node-b'); // empty
    mkdirSync(dirB, { mode: 0o700 });
    const serve = (dir: string, name: string) =>
      startCaServerProcess({ dir, adminToken, env, extraArgs: ['--store-url', url, '--tls-san', `dns:${name}`, '--tls-san', 'ip:127.0.0.1'] });
    const [a, b] = await Promise.all([serve(dirA, 'replica-a.example'), serve(dirB, 'replica-b.example')]);
    replicas.push(a, b);
    expect([a.fingerprint, b.fingerprint]).toEqual([fingerprint, fingerprint]);
    // Only node-local files in each directory: the TLS certificate, the pointer-free copy of the root.
    for (const d of [dirA, dirB]) {
      expect(readdirSync(d).sort()).toEqual(['root.pem', 'tls']);
      expect(fingerprintOf(readFileSync(join(d, 'root.pem')))).toBe(fingerprint);
    }
    const rootFile = join(dirA, 'root.pem');
    for (const [srv, name, other] of [
      [a, 'replica-a.example', 'replica-b.example'],
      [b, 'replica-b.example', 'replica-a.example'],
    ] as const) {
      const chain = await presented(srv.port, name);
      const leaf = join(tmp, `${name}.pem`);
      writeFileSync(leaf, chain[0]!);
      const ok = await opensslRun(['verify', '-CAfile', rootFile, '-purpose', 'sslserver', '-verify_hostname', name, leaf]);
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout).toContain(': OK');
      // The other replica's name is not in it.
      const wrong = await opensslRun(['verify', '-CAfile', rootFile, '-purpose', 'sslserver', '-verify_hostname', other, leaf]);
      expect(wrong.code).not.toBe(0);
      expect(readFileSync(join(srv.dir, 'tls', 'server.pem'), 'utf8').startsWith(chain[0]!.trim().slice(0, 60))).toBe(true);
    }
    // Pinning the root fingerprint works against either: a token made through A, enrolled through B.
    const pinA = { RAPKI_CA_URL: a.url, RAPKI_CA_FINGERPRINT: fingerprint, RAPKI_ADMIN_TOKEN: adminToken };
    const tok = await runCli(['token', 'create', '--subject', 'web-1', '--json'], { env: pinA });
    expect(tok.code, fail(tok)).toBe(0);
    const enr = await runCli(['enroll', '--ca-url', b.url, '--ca-fingerprint', fingerprint, '--out', join(tmp, 'web-1')], {
      env: { RAPKI_ENROLL_TOKEN: (JSON.parse(tok.out) as { token: string }).token },
      timeoutMs: 60_000,
    });
    expect(enr.code, fail(enr)).toBe(0);
    const list = await runCli(['cert', 'list', '--host', 'web-1', '--json'], { env: pinA });
    expect(list.code, fail(list)).toBe(0);
    expect((JSON.parse(list.out) as { certificates: unknown[] }).certificates).toHaveLength(1);
    // Each replica's server certificate was issued through the CA and audited, with its names.
    const audit = await runCli(['audit', 'verify', '--dir', join(tmp, 'init'), '--json'], { env });
    expect(audit.code, fail(audit)).toBe(0);
    const issued = await pg.query("SELECT details FROM audit_log WHERE action = 'server_cert.issue' ORDER BY seq", [], new URL(url).pathname.slice(1));
    const hosts = issued.rows.map((r) => (JSON.parse(r.details as string) as { hosts: string[] }).hosts);
    expect(hosts).toEqual(expect.arrayContaining([expect.arrayContaining(['dns:replica-a.example']), expect.arrayContaining(['dns:replica-b.example'])]));
  });

  it('a rotation started and finished through one replica takes effect on the other, without copying files', async () => {
    const [a, b] = replicas as [CaServerProcess, CaServerProcess];
    const admin = { RAPKI_CA_URL: a.url, RAPKI_CA_FINGERPRINT: fingerprint, RAPKI_ADMIN_TOKEN: adminToken };
    const clientB = trafficClient(readFileSync(join(b.dir, 'root.pem')));
    clients.push(clientB);
    const start = await runCli(['ca', 'rotate', 'start', '--json'], { env: admin, timeoutMs: 120_000 });
    expect(start.code, fail(start)).toBe(0);
    const newFp = (JSON.parse(start.out) as { next: { rootFingerprint: string } }).next.rootFingerprint;
    expect(newFp).not.toBe(fingerprint);
    // B notices: GET /v1/ca names both roots, the issuing (new) one first; its new leaves come from the new root.
    const seen = await waitFor('replica B to see the rotation active', async () => {
      const r = await clientB.call(b.url, 'GET', '/v1/ca');
      const roots = (r.json as { roots?: string[] }).roots ?? [];
      return roots.length === 2 && fingerprintOf(roots[0]!) === newFp ? roots : undefined;
    });
    expect(seen.value.map(fingerprintOf)).toEqual([newFp, fingerprint]);
    const tok = await runCli(['token', 'create', '--subject', 'web-2', '--json'], { env: admin });
    const out2 = join(tmp, 'web-2');
    const enr = await runCli(['enroll', '--ca-url', b.url, '--ca-fingerprint', fingerprint, '--out', out2], {
      env: { RAPKI_ENROLL_TOKEN: (JSON.parse(tok.out) as { token: string }).token },
      timeoutMs: 60_000,
    });
    expect(enr.code, fail(enr)).toBe(0);
    const leaf = new X509Certificate(readFileSync(join(out2, 'certificate.pem')));
    const newRoot = new X509Certificate(seen.value[0]!);
    expect(leaf.checkIssued(newRoot) && leaf.verify(newRoot.publicKey)).toBe(true);

    const fin = await runCli(['ca', 'rotate', 'finish', '--force', '--json'], { env: admin, timeoutMs: 120_000 });
    expect(fin.code, fail(fin)).toBe(0);
    // B presents a TLS certificate of the new root once it noticed the finish (openssl), and serves one root.
    const tlsB = await waitFor('replica B to switch its server certificate to the new root', async () => {
      const chain = await presented(b.port, 'replica-b.example');
      const c = new X509Certificate(chain[0]!);
      return c.checkIssued(newRoot) ? chain[0]! : undefined;
    });
    const newRootFile = join(tmp, 'new-root.pem');
    writeFileSync(newRootFile, seen.value[0]!);
    writeFileSync(join(tmp, 'b-after.pem'), tlsB.value);
    const ok = await opensslRun(['verify', '-CAfile', newRootFile, '-purpose', 'sslserver', '-verify_hostname', 'replica-b.example', join(tmp, 'b-after.pem')]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const r = await trafficClient(seen.value[0]!).call(b.url, 'GET', '/v1/ca');
    expect(((r.json as { roots: string[] }).roots ?? []).map(fingerprintOf)).toEqual([newFp]);
    // B's copy of the root for distribution follows too.
    await waitFor('node-b/root.pem to be the new root', async () => (fingerprintOf(readFileSync(join(b.dir, 'root.pem'))) === newFp ? true : undefined));
    console.log(`replica B followed the rotation start after ${seen.ms} ms and the finish after ${tlsB.ms} ms (poll every 2 s)`);
    expect(existsSync(join(b.dir, 'rotation'))).toBe(false);
  });
});
