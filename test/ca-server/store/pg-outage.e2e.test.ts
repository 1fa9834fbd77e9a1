/**
 * PostgreSQL stopped (`pg_ctl stop -m fast`) and restarted under load, with two real `rapki ca
 * serve` replicas on it, the load spread over both: while the database is down, enrollments and
 * revocations get 503 `store_unavailable` within a bounded time (never a hang, never another 5xx)
 * and `/readyz` fails on both; once it is back both recover by themselves (no restart), one of
 * them leads again; afterwards every acknowledged enrollment and revocation is in the inventory,
 * both replicas serve the same CRL listing every acknowledged revocation, no serial was issued
 * twice, and `rapki audit verify` accepts the chain.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRapki, startCaServerProcess, TEST_CA_PASSPHRASE, type CaServerProcess } from '../../support/ca-server.js';
import {
  crlSerialsFromOpensslText,
  listAllCertificates,
  mintTokens,
  normHex,
  prepareCsrs,
  sleep,
  trafficClient,
  type TrafficClient,
} from '../../support/ca-traffic.js';
import { startPostgres, type PostgresCluster } from '../../support/postgres.js';

/** Longest any request may take, database down or not (connect timeout 2 s, then 503). */
const MAX_ANSWER_MS = 15_000;
const HOSTS = 90;
const CLIENTS = 8;

let pg: PostgresCluster;
let ca: CaServerProcess | undefined;
let cb: CaServerProcess | undefined;
let dirB: string | undefined;

beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await ca?.stop();
  await cb?.stop();
  await pg?.close();
  if (dirB) rmSync(dirB, { recursive: true, force: true });
});

describe('PostgreSQL outage under load', () => {
  it('503 store_unavailable during the outage, recovery by itself, nothing acknowledged lost', async () => {
    const url = `${await pg.createDatabase()}?sslmode=disable&connect_timeout=2`;
    const env = { RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE, RAPKI_CA_STORE_URL: url, RAPKI_LOG_LEVEL: 'warn' };
    ca = await startCaServerProcess({ env, extraArgs: ['--enroll-rate', '100000', '--admin-rate', '100000'] });
    // A second replica on the same database, with its own (empty) directory.
    dirB = mkdtempSync(join(tmpdir(), 'rapki-pg-outage-b-'));
    cb = await startCaServerProcess({
      dir: join(dirB, 'ca'),
      adminToken: ca.adminToken,
      env,
      extraArgs: ['--enroll-rate', '100000', '--admin-rate', '100000'],
    });
    const base = ca.url;
    const bases = [ca.url, cb.url];
    const rootPem = readFileSync(ca.rootPem);
    const admin = trafficClient(rootPem);
    const hosts = Array.from({ length: HOSTS }, (_, i) => `out-${i}`);
    const tokens = await mintTokens(admin, base, ca.adminToken, hosts);
    const mats = prepareCsrs(hosts);

    const acked = new Map<number, string>(); // material index -> serial
    const ambiguous = new Set<number>(); // 503 first, token_used on retry: stored, answer lost
    const unavailable: string[] = [];
    const slowest = { ms: 0 };
    let stopping = false;
    const pending = hosts.map((_, i) => i);
    const clients: TrafficClient[] = Array.from({ length: CLIENTS }, () => trafficClient(rootPem));
    const revokedAcked: string[] = [];

    const worker = async (c: TrafficClient): Promise<void> => {
      while (!stopping) {
        const i = pending.shift();
        if (i === undefined) {
          await sleep(50);
          if (pending.length === 0 && acked.size + ambiguous.size === HOSTS) return;
          continue;
        }
        const t0 = Date.now();
        const r = await c.call(bases[i % 2]!, 'POST', '/v1/enroll', { body: { token: tokens[i], csr: mats[i]!.csr }, timeoutMs: MAX_ANSWER_MS + 5_000 });
        slowest.ms = Math.max(slowest.ms, Date.now() - t0);
        if (r.status === 201) acked.set(i, r.json.serial as string);
        else if (r.status === 503) {
          unavailable.push(r.json.code as string);
          pending.push(i); // retried later with the same token
          await sleep(100);
        } else if (r.status === 401 && r.json.code === 'token_used') ambiguous.add(i);
        else throw new Error(`enroll ${i} through replica ${i % 2}: ${r.status} ${r.body.toString()}`);
      }
    };
    const load = Promise.all(clients.map(worker));

    // Outage once some enrollments went through.
    while (acked.size < 20) await sleep(20);
    const firstSerial = [...acked.values()][0]!;
    expect((await admin.call(base, 'POST', `/v1/admin/certificates/${firstSerial}/revoke`, { token: ca.adminToken, body: {} })).status).toBe(200);
    revokedAcked.push(firstSerial);
    await pg.stop('fast');
    const downAt = Date.now();
    // While down: readiness fails on both, a revocation is refused with 503 on both, answers stay bounded.
    let ready = await admin.call(base, 'GET', '/readyz', { timeoutMs: MAX_ANSWER_MS });
    expect([ready.status, ready.json.code]).toEqual([503, 'not_ready']);
    const readyB = await admin.call(cb.url, 'GET', '/readyz', { timeoutMs: MAX_ANSWER_MS });
    expect([readyB.status, readyB.json.code]).toEqual([503, 'not_ready']);
    const second = [...acked.values()][1]!;
    const third = [...acked.values()][2]!;
    const rvDown = await admin.call(base, 'POST', `/v1/admin/certificates/${second}/revoke`, { token: ca.adminToken, body: {}, timeoutMs: MAX_ANSWER_MS });
    expect([rvDown.status, rvDown.json.code]).toEqual([503, 'store_unavailable']);
    const rvDownB = await admin.call(cb.url, 'POST', `/v1/admin/certificates/${third}/revoke`, { token: ca.adminToken, body: {}, timeoutMs: MAX_ANSWER_MS });
    expect([rvDownB.status, rvDownB.json.code]).toEqual([503, 'store_unavailable']);
    while (unavailable.length < CLIENTS && Date.now() - downAt < 20_000) await sleep(50);
    expect(unavailable.length).toBeGreaterThan(0);

    await pg.start();
    // Back by itself: no restart of the CA server.
    const upAt = Date.now();
    for (;;) {
      ready = await admin.call(base, 'GET', '/readyz', { timeoutMs: MAX_ANSWER_MS });
      if (ready.status === 200) break;
      if (Date.now() - upAt > 30_000) throw new Error(`not ready 30 s after the database came back: ${ready.body.toString()}`);
      await sleep(200);
    }
    for (;;) {
      const rb = await admin.call(cb.url, 'GET', '/readyz', { timeoutMs: MAX_ANSWER_MS });
      if (rb.status === 200) break;
      if (Date.now() - upAt > 30_000) throw new Error(`replica B not ready 30 s after the database came back: ${rb.body.toString()}`);
      await sleep(200);
    }
    const rvUp = await admin.call(base, 'POST', `/v1/admin/certificates/${second}/revoke`, { token: ca.adminToken, body: {} });
    expect(rvUp.status).toBe(200);
    revokedAcked.push(second);
    const rvUpB = await admin.call(cb.url, 'POST', `/v1/admin/certificates/${third}/revoke`, { token: ca.adminToken, body: {} });
    expect(rvUpB.status).toBe(200);
    revokedAcked.push(third);
    await load;
    stopping = true;
    for (const c of clients) c.close();

    expect(new Set(unavailable)).toEqual(new Set(['store_unavailable']));
    expect(slowest.ms).toBeLessThan(MAX_ANSWER_MS);
    expect(acked.size + ambiguous.size).toBe(HOSTS);

    const inv = await listAllCertificates(admin, base, ca.adminToken);
    const serials = inv.map((x) => x.serial);
    expect(new Set(serials).size).toBe(serials.length);
    for (const s of acked.values()) expect(serials).toContain(s);
    // A token_used after a 503 means the first attempt was stored: its certificate is there.
    for (const i of ambiguous) expect(inv.some((x) => x.host === hosts[i])).toBe(true);
    expect(inv).toHaveLength(HOSTS);
    // Both replicas serve the same CRL (one of them leads again and the other adopts its CRLs).
    let crl: Awaited<ReturnType<typeof admin.call>>;
    for (const t0 = Date.now(); ;) {
      crl = await admin.call(base, 'GET', '/v1/crl');
      const crlB = await admin.call(cb.url, 'GET', '/v1/crl');
      if (crl.status === 200 && crlB.status === 200 && crl.body.equals(crlB.body)) break;
      if (Date.now() - t0 > 15_000) throw new Error('the replicas serve different CRLs 15 s after the outage');
      await sleep(200);
    }
    const listed = crlSerialsFromOpensslText(execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-text'], { input: crl.body }).toString());
    for (const s of revokedAcked) expect(listed.has(normHex(s))).toBe(true);
    const leaders = await Promise.all([base, cb.url].map(async (b) => /^rapki_ca_leader 1$/m.test((await admin.call(b, 'GET', '/metrics')).body.toString())));
    expect(leaders.filter(Boolean)).toHaveLength(1);
    admin.close();
    await cb.stop();
    await ca.stop();
    const v = runRapki(['audit', 'verify', '--dir', ca.dir, '--json'], { RAPKI_CA_STORE_URL: url });
    expect(v.status, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true });
  });
});
