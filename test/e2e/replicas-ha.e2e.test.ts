/**
 * Work done once, failover and losing nothing, with two real `rapki ca serve` replicas on one
 * PostgreSQL database and `rapki emulator` standing in for Roles Anywhere (docs/ha.md "Work done
 * once"):
 * - exactly one replica leads (`rapki_ca_leader` on /metrics); the CRL push is claimed under its
 *   lease term in the database;
 * - the leader is SIGKILLed, a revocation is made through the other replica: the emulator holds a
 *   CRL listing it within 5 s of the acknowledgement (the figure is printed);
 * - enrollments, renewals (mutual TLS) and revocations spread over both replicas under load, one
 *   replica SIGKILLed in the middle: every acknowledged enrollment, renewal and revocation is in
 *   the inventory, both replicas serve the same CRL number with the same bytes, which are the
 *   stored bytes of that number, listing every acknowledged revocation (openssl reads it), no
 *   serial twice, `rapki audit verify` passes.
 */
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsrPem } from '../../cli/src/ca-client/csr.js';
import { readCrl } from '../../common/src/x509/crl.js';
import { createControlPlane } from '../../common/src/aws/control-plane.js';
import type { RolesAnywhereControlPlane } from '../../common/src/aws/types.js';
import { idFromArn } from '../../common/src/aws/arn.js';
import { runCli, type CliResult } from '../support/cli.js';
import { startCaServerProcess, TEST_CA_PASSPHRASE, type CaServerProcess } from '../support/ca-server.js';
import {
  crlSerialsFromOpensslText,
  listAllCertificates,
  mintTokens,
  normHex,
  sleep,
  trafficClient,
  type HttpResult,
  type TrafficClient,
} from '../support/ca-traffic.js';
import { makeTempDir, removeTempDir } from '../support/openssl.js';
import { POSTGRES_MISSING, startPostgres, type PostgresCluster } from '../support/postgres.js';
import { startEmulatorProcess, TEST_AWS_ENV, type EmulatorProcess } from '../cli/aws/emulator-process.js';

const ROLE = 'arn:aws:iam::123456789012:role/rapki-ha';
/** A revocation through any replica reaches Roles Anywhere within this (issue bound). */
const REVOCATION_BOUND_MS = 5_000;
const LOAD_HOSTS = 120;
const ENROLL_WORKERS = 12;
const fail = (r: CliResult): string => `exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.stderr}`;
const SEED = Number(process.env.RAPKI_TEST_SEED ?? 0x13c);

async function until<T>(what: string, fn: () => Promise<T | undefined>, boundMs: number, stepMs = 50): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return { value: v, ms: Date.now() - t0 };
    if (Date.now() - t0 > boundMs) throw new Error(`timed out after ${boundMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

describe.skipIf(POSTGRES_MISSING !== undefined)(
  'replicas on one PostgreSQL: one leader, failover, SIGKILL under load (real processes, emulator)',
  { timeout: 240_000 },
  () => {
    let pg: PostgresCluster;
    let db: string;
    let tmp: string;
    let url: string;
    let emu: EmulatorProcess;
    let cp: RolesAnywhereControlPlane;
    let adminToken: string;
    let fingerprint: string;
    let rootPem: Buffer;
    let crlId: string;
    let admin: TrafficClient;
    const replicas: CaServerProcess[] = [];
    const clients: TrafficClient[] = [];
    const env = { ...TEST_AWS_ENV, RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE, RAPKI_LOG_LEVEL: 'info' };

    const serve = (name: string) =>
      startCaServerProcess({
        dir: join(tmp, name),
        adminToken,
        env,
        extraArgs: ['--store-url', url, '--tls-san', 'ip:127.0.0.1', '--tls-san', 'dns:localhost', '--enroll-rate', '100000', '--admin-rate', '100000'],
      });

    const metricsOf = async (r: CaServerProcess): Promise<{ leader: number; term: number }> => {
      const m = await admin.call(r.url, 'GET', '/metrics', { timeoutMs: 5_000 });
      const text = m.body.toString();
      return { leader: Number(/^rapki_ca_leader (\d)$/m.exec(text)?.[1] ?? -1), term: Number(/^rapki_ca_leader_term (\d+)$/m.exec(text)?.[1] ?? -1) };
    };
    /** The one leader among the live replicas (waits until exactly one says so). */
    const leader = async (live: readonly CaServerProcess[], boundMs = 10_000): Promise<CaServerProcess> =>
      (
        await until(
          'exactly one leader',
          async () => {
            const flags = await Promise.all(live.map(metricsOf));
            const leading = live.filter((_, i) => flags[i]!.leader === 1);
            return leading.length === 1 ? leading[0] : undefined;
          },
          boundMs,
          100,
        )
      ).value;
    /** Serials the emulator's CRL lists, and its number. */
    const awsCrl = async (): Promise<{ number: bigint; serials: Set<string> }> => {
      const c = await cp.getCrl(crlId);
      const info = readCrl(c.crlData);
      return { number: info.crlNumber ?? -1n, serials: new Set(info.serials.map(normHex)) };
    };
    const enroll = async (base: string, host: string, client: TrafficClient = admin): Promise<{ serial: string; cert: string; key: string }> => {
      const [token] = await mintTokens(client, base, adminToken, [host], 1);
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const r = await client.call(base, 'POST', '/v1/enroll', { body: { token, csr: buildCsrPem({ commonName: host, sans: [], privateKey, publicKey }) } });
      if (r.status !== 201) throw new Error(`enroll ${host}: ${r.status} ${r.body.toString()}`);
      return { serial: r.json.serial as string, cert: r.json.certificate as string, key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    };

    beforeAll(async () => {
      [pg, emu] = await Promise.all([startPostgres({ maxConnections: 120 }), startEmulatorProcess()]);
      tmp = await makeTempDir('rapki-replicas-ha-');
      url = `${await pg.createDatabase()}?sslmode=disable&connect_timeout=2`;
      db = new URL(url).pathname.slice(1);
      const init = await runCli(['ca', 'init', '--dir', join(tmp, 'init'), '--store-url', url, '--json'], { env, timeoutMs: 60_000 });
      expect(init.code, fail(init)).toBe(0);
      ({ adminToken, fingerprint } = JSON.parse(init.out) as { adminToken: string; fingerprint: string });
      replicas.push(...(await Promise.all([serve('node-a'), serve('node-b')])));
      rootPem = readFileSync(replicas[0]!.rootPem);
      admin = trafficClient(rootPem);
      clients.push(admin);
      cp = createControlPlane({
        endpoint: emu.url,
        region: 'us-east-1',
        credentials: { accessKeyId: TEST_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: TEST_AWS_ENV.AWS_SECRET_ACCESS_KEY },
        maxAttempts: 1,
      });
    }, 120_000);

    afterAll(async () => {
      for (const c of clients) c.close();
      cp?.close();
      for (const r of replicas) await r.stop().catch(() => {});
      await emu?.dispose();
      await pg?.close();
      if (tmp) await removeTempDir(tmp);
    });

    it('exactly one replica leads; the CRL in Roles Anywhere is pushed under its lease term', async () => {
      const lead = await leader(replicas);
      const other = replicas.find((r) => r !== lead)!;
      expect((await metricsOf(other)).leader).toBe(0);
      const { term } = await metricsOf(lead);
      expect(term).toBeGreaterThan(0);
      // Registered through the replica that does not lead: the leader pushes (it learns of the target from the store).
      const reg = await runCli(['aws', 'register', '--json', '--role-arn', ROLE, '--endpoint', emu.url], {
        env: { ...env, RAPKI_CA_URL: other.url, RAPKI_CA_FINGERPRINT: fingerprint, RAPKI_ADMIN_TOKEN: adminToken },
        timeoutMs: 60_000,
      });
      expect(reg.code, fail(reg)).toBe(0);
      crlId = idFromArn((JSON.parse(reg.out) as { crlArn: string }).crlArn);
      // A revocation through the follower: the leader's poll of the stored CRLs wakes its sync.
      const e = await enroll(other.url, 'ha-first');
      const rv = await admin.call(other.url, 'POST', `/v1/admin/certificates/${e.serial}/revoke`, { token: adminToken, body: { reason: 'keyCompromise' } });
      expect(rv.status).toBe(200);
      const ackAt = Date.now();
      const seen = await until(
        'the revocation in the emulator',
        async () => ((await awsCrl()).serials.has(normHex(e.serial)) ? true : undefined),
        REVOCATION_BOUND_MS + 5_000,
      );
      console.log(`replicas-ha: revocation through the follower in Roles Anywhere after ${Date.now() - ackAt} ms`);
      expect(seen.ms).toBeLessThan(REVOCATION_BOUND_MS);
      const claims = await pg.query('SELECT slot, crl_number::text AS n, term FROM crl_push_claims', [], db);
      expect(claims.rows.length).toBeGreaterThan(0);
      expect(claims.rows.every((r) => Number(r.term) === term)).toBe(true);
      expect(BigInt(claims.rows.find((r) => r.slot === 'primary')!.n as string)).toBe((await awsCrl()).number);
    });

    it('leader failover: SIGKILL the leader, revoke through the other, the emulator holds the new CRL within 5 s', async () => {
      const lead = await leader(replicas);
      const other = replicas.find((r) => r !== lead)!;
      const e = await enroll(other.url, 'ha-failover');
      const before = await awsCrl();
      lead.child.kill('SIGKILL');
      const killedAt = Date.now();
      const rv = await admin.call(other.url, 'POST', `/v1/admin/certificates/${e.serial}/revoke`, { token: adminToken, body: { reason: 'keyCompromise' } });
      expect(rv.status, rv.body.toString()).toBe(200);
      const ackAt = Date.now();
      const seen = await until(
        'the revocation in the emulator after failover',
        async () => ((await awsCrl()).serials.has(normHex(e.serial)) ? true : undefined),
        20_000,
      );
      const after = await awsCrl();
      console.log(
        `replicas-ha: failover — emulator holds the new CRL ${Date.now() - ackAt} ms after the revocation was acknowledged, ${Date.now() - killedAt} ms after the SIGKILL of the leader`,
      );
      expect(seen.ms).toBeLessThan(REVOCATION_BOUND_MS);
      expect(after.number).toBeGreaterThan(before.number);
      expect((await metricsOf(other)).leader).toBe(1);
      // The killed replica comes back as a follower.
      const i = replicas.indexOf(lead);
      replicas[i] = await lead.restart();
      expect(await leader(replicas)).toBe(other);
    });

    it('enrollments, renewals and revocations over both replicas, one SIGKILLed mid-load: nothing acknowledged lost, one CRL', async () => {
      let rnd = SEED;
      const pick = (n: number): number => {
        rnd = (rnd * 1103515245 + 12345) % 2 ** 31;
        return rnd % n;
      };
      const hosts = Array.from({ length: LOAD_HOSTS }, (_, i) => `ha-load-${i}`);
      const keys = hosts.map(() => generateKeyPairSync('ec', { namedCurve: 'P-256' }));
      const csrs = hosts.map((h, i) => buildCsrPem({ commonName: h, sans: [], privateKey: keys[i]!.privateKey, publicKey: keys[i]!.publicKey }));
      const tokens = await mintTokens(admin, replicas[0]!.url, adminToken, hosts);
      const dead = new Set<CaServerProcess>();
      const live = (): CaServerProcess[] => replicas.filter((r) => !dead.has(r));
      type Got = { serial: string; fingerprint: string; host: string; cert: string; key: string };
      const received: Got[] = [];
      const ambiguous = new Set<number>();
      const ackedRevocations = new Set<string>();
      const serverErrors: string[] = [];
      let transportErrors = 0;
      let renewed = 0;
      let running = true;
      const fp = (pem: string): string =>
        createHash('sha256')
          .update(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'))
          .digest('hex');
      /** One call to a live replica (the one asked for, else the other); transport errors move on. */
      const callAny = async (prefer: number, fn: (r: CaServerProcess) => Promise<HttpResult>): Promise<HttpResult | undefined> => {
        for (let attempt = 0; attempt < 40; attempt++) {
          const l = live();
          const r = l[(prefer + attempt) % l.length]!;
          try {
            return await fn(r);
          } catch {
            transportErrors++;
            await sleep(25);
          }
        }
        return undefined;
      };

      let next = 0;
      const enrollWorker = async (c: TrafficClient) => {
        for (;;) {
          const i = next++;
          if (i >= hosts.length) return;
          let first = true;
          const r = await callAny(i, (srv) => {
            if (!first) ambiguous.add(i); // a retry after a lost answer: a token_used then means it was stored
            first = false;
            return c.call(srv.url, 'POST', '/v1/enroll', { body: { token: tokens[i], csr: csrs[i] } });
          });
          if (!r) continue;
          if (r.status === 201) {
            ambiguous.delete(i);
            received.push({
              serial: normHex(r.json.serial as string),
              fingerprint: fp(r.json.certificate as string),
              host: hosts[i]!,
              cert: r.json.certificate as string,
              key: keys[i]!.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
            });
          } else if (r.status >= 500) serverErrors.push(`enroll ${r.status} ${r.body.toString()}`);
          else if (!(r.status === 401 && r.json?.code === 'token_used' && ambiguous.has(i)))
            serverErrors.push(`enroll refused ${r.status} ${r.body.toString()}`);
        }
      };
      const renewedFrom = new Set<string>();
      const renewWorker = async () => {
        while (running) {
          const cands = received.filter((x) => !renewedFrom.has(x.serial) && !ackedRevocations.has(x.serial));
          if (cands.length === 0) {
            await sleep(20);
            continue;
          }
          const old = cands[pick(cands.length)]!;
          renewedFrom.add(old.serial);
          const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
          const csr = buildCsrPem({ commonName: old.host, sans: [], privateKey, publicKey });
          const r = await callAny(pick(2), (srv) => renewMtls(srv.url, rootPem, old.cert, old.key, csr));
          if (!r) continue;
          if (r.status === 201) {
            renewed++;
            received.push({
              serial: normHex(r.json.serial as string),
              fingerprint: fp(r.json.certificate as string),
              host: old.host,
              cert: r.json.certificate as string,
              key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
            });
          } else if (r.status >= 500) serverErrors.push(`renew ${r.status} ${r.body.toString()}`);
          // 4xx: revoked meanwhile, or renewed by an attempt whose answer was lost: not acknowledged.
          await sleep(pick(30));
        }
      };
      const revokeWorker = async () => {
        while (running) {
          const cands = received.filter((x) => !ackedRevocations.has(x.serial) && !renewedFrom.has(x.serial));
          if (cands.length === 0) {
            await sleep(20);
            continue;
          }
          const victim = cands[pick(cands.length)]!;
          renewedFrom.add(victim.serial); // not renewed from now on
          const r = await callAny(pick(2), (srv) =>
            admin.call(srv.url, 'POST', `/v1/admin/certificates/${victim.serial}/revoke`, { token: adminToken, body: { reason: 'keyCompromise' } }),
          );
          if (r?.status === 200) ackedRevocations.add(victim.serial);
          else if (r && r.status >= 500) serverErrors.push(`revoke ${r.status} ${r.body.toString()}`);
          await sleep(5 + pick(30));
        }
      };
      let killed: CaServerProcess | undefined;
      const killer = async () => {
        while (received.length < LOAD_HOSTS / 3) await sleep(20);
        killed = await leader(live());
        killed.child.kill('SIGKILL');
        dead.add(killed);
      };

      const enrollClients = Array.from({ length: ENROLL_WORKERS }, () => trafficClient(rootPem, { maxSockets: 1 }));
      clients.push(...enrollClients);
      const side = [renewWorker(), renewWorker(), revokeWorker(), revokeWorker()];
      const killing = killer();
      await Promise.all(enrollClients.map(enrollWorker));
      await killing;
      running = false;
      await Promise.all(side);
      // The killed replica comes back (another process on its directory).
      const k = replicas.indexOf(killed!);
      replicas[k] = await killed!.restart();

      expect(serverErrors).toEqual([]);
      expect(received.length).toBeGreaterThan(LOAD_HOSTS / 2);
      expect(ackedRevocations.size).toBeGreaterThan(0);
      expect(renewed).toBeGreaterThan(0);

      const inventory = await listAllCertificates(admin, replicas[0]!.url, adminToken);
      const bySerial = new Map(inventory.map((c) => [normHex(c.serial), c]));
      expect(bySerial.size).toBe(inventory.length); // no serial twice
      expect(new Set(received.map((r) => r.serial)).size).toBe(received.length);
      expect(received.filter((r) => bySerial.get(r.serial)?.fingerprint !== r.fingerprint)).toEqual([]);
      expect([...ackedRevocations].filter((s) => bySerial.get(s)?.status !== 'revoked')).toEqual([]);
      for (const i of ambiguous) expect(inventory.some((x) => x.host === hosts[i])).toBe(true);
      const dupes = await pg.query('SELECT count(*)::int AS n, count(DISTINCT serial)::int AS d FROM certificates', [], db);
      expect(dupes.rows[0].n).toBe(dupes.rows[0].d);

      // Both replicas serve one CRL: the same number, the same bytes, the stored bytes of that number.
      const revokedInInventory = inventory.filter((c) => c.status === 'revoked').map((c) => normHex(c.serial));
      const { value: crl } = await until(
        'both replicas serving the same, complete CRL',
        async () => {
          const bodies = await Promise.all(replicas.map((r) => admin.call(r.url, 'GET', '/v1/crl')));
          if (bodies.some((b) => b.status !== 200) || !bodies[0]!.body.equals(bodies[1]!.body)) return undefined;
          const listed = new Set(readCrl(bodies[0]!.body).serials.map(normHex));
          return revokedInInventory.every((s) => listed.has(s)) ? bodies[0]!.body : undefined;
        },
        15_000,
        200,
      );
      const number = readCrl(crl).crlNumber!;
      const stored = await pg.query('SELECT der FROM crl_history WHERE number = $1', [number.toString()], db);
      expect(stored.rows).toHaveLength(1);
      expect(Buffer.from(stored.rows[0].der as Buffer).equals(crl)).toBe(true);
      const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-text'], { input: crl }).toString();
      const inCrl = crlSerialsFromOpensslText(text);
      expect([...ackedRevocations].filter((s) => !inCrl.has(s))).toEqual([]);
      expect(revokedInInventory.filter((s) => !inCrl.has(s))).toEqual([]);
      // What Roles Anywhere holds catches up too (pushed once per number, by the leader).
      await until('the emulator holding the served CRL', async () => ((await awsCrl()).number >= number ? true : undefined), 15_000, 200);

      const audit = await runCli(['audit', 'verify', '--dir', join(tmp, 'init'), '--json'], { env });
      expect(audit.code, fail(audit)).toBe(0);
      expect(JSON.parse(audit.out)).toMatchObject({ ok: true });
      console.log(
        `replicas-ha load (seed ${SEED}): enrolled+renewed=${received.length} (renewals ${renewed}) stored=${inventory.length} ` +
          `revocations acked=${ackedRevocations.size} transportErrors=${transportErrors} ambiguous=${ambiguous.size} crl#=${number}`,
      );
    });

    it("a rotation started and finished through the replica that does not lead: the leader pushes the new CA's CRL, then its revocations", async () => {
      const lead = await leader(replicas);
      const other = replicas.find((r) => r !== lead)!;
      const viaOther = { ...env, RAPKI_CA_URL: other.url, RAPKI_CA_FINGERPRINT: fingerprint, RAPKI_ADMIN_TOKEN: adminToken };
      // start waits until every trust anchor holds the new CA's CRL: pushed by the leader, seen in the store.
      const start = await runCli(['ca', 'rotate', 'start', '--json'], { env: viaOther, timeoutMs: 120_000 });
      expect(start.code, fail(start)).toBe(0);
      const crlsOf = async (): Promise<{ aki: string | undefined; number: bigint; serials: Set<string> }[]> =>
        (await cp.listCrls())
          .filter((c) => c.enabled)
          .map((c) => {
            const i = readCrl(c.crlData);
            return { aki: i.authorityKeyId, number: i.crlNumber ?? -1n, serials: new Set(i.serials.map(normHex)) };
          });
      const oldAki = readCrl((await cp.getCrl(crlId)).crlData).authorityKeyId;
      expect((await crlsOf()).some((c) => c.aki !== oldAki)).toBe(true);
      // After finish each replica presents a TLS certificate of the new root (once it noticed): trust both.
      const roots = ((await admin.call(other.url, 'GET', '/v1/ca')).json as { roots: string[] }).roots;
      expect(roots).toHaveLength(2);
      const both = trafficClient(roots.join(''));
      clients.push(both);
      const fin = await runCli(['ca', 'rotate', 'finish', '--force', '--json'], { env: viaOther, timeoutMs: 120_000 });
      expect(fin.code, fail(fin)).toBe(0);
      // A leaf of the new CA revoked through the follower reaches Roles Anywhere through the leader,
      // although the new CA's CRL numbers are below the old CA's (they count per issuer).
      const e = await enroll(other.url, 'ha-after-rotation', both);
      const rv = await both.call(other.url, 'POST', `/v1/admin/certificates/${e.serial}/revoke`, { token: adminToken, body: { reason: 'keyCompromise' } });
      expect(rv.status, rv.body.toString()).toBe(200);
      const ackAt = Date.now();
      await until(
        "the new CA's revocation in the emulator",
        async () => ((await crlsOf()).some((c) => c.aki !== oldAki && c.serials.has(normHex(e.serial))) ? true : undefined),
        20_000,
        100,
      );
      const ms = Date.now() - ackAt;
      console.log(`replicas-ha: after a rotation through the follower, a revocation in Roles Anywhere after ${ms} ms`);
      expect(ms).toBeLessThan(REVOCATION_BOUND_MS);
      const claims = await pg.query('SELECT slot, issuer, crl_number::text AS n, term FROM crl_push_claims ORDER BY slot, issuer', [], db);
      expect(new Set(claims.rows.map((r) => r.issuer)).size).toBe(2);
    });
  },
);

/** POST /v1/renew over mutual TLS with the certificate being renewed. */
function renewMtls(base: string, ca: Buffer, cert: string, key: string, csr: string): Promise<HttpResult> {
  const agent = new Agent({ keepAlive: false, ca, cert, key, servername: 'localhost' });
  const payload = Buffer.from(JSON.stringify({ csr }));
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/v1/renew', base),
      { method: 'POST', agent, timeout: 15_000, headers: { 'content-type': 'application/json', 'content-length': String(payload.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (b: Buffer) => chunks.push(b));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          let json: unknown;
          try {
            json = JSON.parse(body.toString());
          } catch {
            json = undefined;
          }
          agent.destroy();
          resolve({ status: res.statusCode ?? 0, json, body });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timeout')));
    req.on('error', (e) => {
      agent.destroy();
      reject(e);
    });
    req.end(payload);
  });
}
