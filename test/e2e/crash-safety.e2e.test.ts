/**
 * Crash safety of the CA server (docs/operations.md "Crash safety"): the real `rapki ca serve`
 * process is killed with SIGKILL at random moments while clients enroll and an operator revokes,
 * concurrently, and is restarted on the same directory each time. Afterwards:
 *
 * - every certificate a client received (201) is in the inventory, byte for byte (fingerprint);
 * - no serial appears twice (inventory, received);
 * - every acknowledged revocation (200) is in the next CRL (checked with `openssl crl -inform DER`),
 *   and so is every certificate the inventory shows as revoked (a revocation committed just before
 *   a crash must not stay out of the CRL);
 * - CRL numbers never went backwards across crashes;
 * - the audit chain verifies (`rapki audit verify --dir`) and has one issue record per certificate;
 * - the database passes `PRAGMA integrity_check`.
 *
 * Default: >= 10 kills, 900 enrollments (~30 s). `RAPKI_SOAK=1`: >= 60 kills, 6000 enrollments.
 * The kill moments, the order of the hosts and which certificates are revoked are drawn from a
 * seed, printed on failure (`RAPKI_TEST_SEED=S` replays the choices; the processes' timing stays
 * the machine's).
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRapki, startCaServerProcess, TEST_CA_PASSPHRASE, type CaServerProcess } from '../support/ca-server.js';
import {
  crlSerialsFromOpensslText,
  listAllCertificates,
  mintTokens,
  normHex,
  prepareCsrs,
  sleep,
  trafficClient,
  type TrafficClient,
} from '../support/ca-traffic.js';
import { SeededRandom, testSeed, withTestSeed } from '../support/seeded-random.js';

const SOAK = process.env.RAPKI_SOAK === '1';
/** Least number of kills; the killer goes on while enrollments are still running. */
const KILLS = SOAK ? 60 : 10;
const HOSTS = SOAK ? 500 : 150;
const PER_HOST = SOAK ? 12 : 6;
const ENROLL_WORKERS = 8;
const REVOKE_WORKERS = 2;
/** Hosts revoked as a whole (`POST /v1/admin/hosts/{name}/revoke`) during the run. */
const HOST_REVOKES = 2;

interface Received {
  readonly serial: string;
  readonly fingerprint: string;
  readonly host: string;
}

function pemToDer(pem: string): Buffer {
  const b64 = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem)![1]!.replace(/\s+/g, '');
  return Buffer.from(b64, 'base64');
}

describe('CA server crash safety (SIGKILL during concurrent enrollment and revocation)', { timeout: SOAK ? 1_800_000 : 120_000 }, () => {
  let srv: CaServerProcess;
  let admin: TrafficClient;
  const clients: TrafficClient[] = [];

  beforeAll(async () => {
    srv = await startCaServerProcess({ extraArgs: ['--enroll-rate', '100000', '--admin-rate', '100000'] });
    admin = trafficClient(readFileSync(srv.rootPem));
  });

  afterAll(async () => {
    admin?.close();
    for (const c of clients) c.close();
    await srv?.dispose();
  });

  const random = new SeededRandom(testSeed());
  const randomInt = (min: number, max?: number): number => (max === undefined ? random.int(min) : random.between(min, max));

  it('loses nothing that was acknowledged, and the database, CRL and audit chain stay sound', () =>
    withTestSeed(random.seed, async () => {
      const ca = readFileSync(srv.rootPem);
      const hosts: string[] = [];
      for (let h = 0; h < HOSTS; h++) for (let k = 0; k < PER_HOST; k++) hosts.push(`crash-${h}.example.com`);
      // Interleave hosts so a host's enrollments are spread over the run.
      random.shuffle(hosts);
      const material = prepareCsrs(hosts);
      const tokens = await mintTokens(admin, srv.url, srv.adminToken, hosts);

      const received: Received[] = [];
      const ackedRevocations = new Set<string>();
      const ackedCrlNumbers: number[] = [];
      const serverErrors: string[] = [];
      const rejected: Record<string, number> = {};
      let transportErrors = 0;
      let ackedSingle = 0;
      let kills = 0;
      let running = true;
      const url = () => srv.url;

      // ---- enrollment workers: each takes the next prepared (token, CSR), retries on transport errors
      let next = 0;
      const enrollWorker = async (c: TrafficClient) => {
        for (;;) {
          const i = next++;
          if (i >= material.length) return;
          for (let attempt = 0; attempt < 200; attempt++) {
            let r;
            try {
              r = await c.call(url(), 'POST', '/v1/enroll', { body: { token: tokens[i], csr: material[i]!.csr } });
            } catch {
              transportErrors++;
              await sleep(25);
              continue;
            }
            if (r.status === 201) {
              const der = pemToDer(r.json.certificate as string);
              received.push({ serial: normHex(r.json.serial as string), fingerprint: createHash('sha256').update(der).digest('hex'), host: material[i]!.host });
            } else if (r.status >= 500) {
              serverErrors.push(`enroll ${r.status} ${r.body.toString()}`);
            } else {
              // A token whose certificate was committed just before a crash is used up (the client
              // never saw the answer), and blocked hosts are refused: both are coded 4xx answers.
              const code = String(r.json?.code ?? r.status);
              rejected[code] = (rejected[code] ?? 0) + 1;
            }
            break;
          }
        }
      };

      // ---- revocation workers: revoke random received certificates; a 200 is an acknowledgement
      const attempted = new Set<string>();
      const revokeWorker = async () => {
        while (running) {
          const candidates = received.filter((x) => !attempted.has(x.serial));
          if (candidates.length === 0) {
            await sleep(20);
            continue;
          }
          const pick = candidates[randomInt(candidates.length)]!;
          attempted.add(pick.serial);
          try {
            const r = await admin.call(url(), 'POST', `/v1/admin/certificates/${pick.serial}/revoke`, {
              token: srv.adminToken,
              body: { reason: 'keyCompromise' },
            });
            if (r.status === 200) {
              ackedRevocations.add(normHex(r.json.serial as string));
              ackedSingle++;
              ackedCrlNumbers.push(r.json.crlNumber as number);
            } else if (r.status >= 500) serverErrors.push(`revoke ${r.status} ${r.body.toString()}`);
          } catch {
            transportErrors++;
          }
          await sleep(randomInt(5, 40));
        }
      };

      const hostRevoker = async () => {
        for (let n = 0; n < HOST_REVOKES; n++) {
          await sleep(randomInt(500, 3000));
          const withCerts = received.filter((x) => !attempted.has(x.serial));
          if (withCerts.length === 0) continue;
          const host = withCerts[randomInt(withCerts.length)]!.host;
          try {
            const r = await admin.call(url(), 'POST', `/v1/admin/hosts/${host}/revoke`, { token: srv.adminToken, body: { reason: 'cessationOfOperation' } });
            if (r.status === 200) {
              for (const s of r.json.revoked as string[]) ackedRevocations.add(normHex(s));
              ackedCrlNumbers.push(r.json.crlNumber as number);
            } else if (r.status >= 500) serverErrors.push(`host revoke ${r.status} ${r.body.toString()}`);
          } catch {
            transportErrors++;
          }
        }
      };

      // ---- the killer: SIGKILL at random moments, restart on the same directory
      const crlNumbersSeen: number[] = [];
      const killer = async () => {
        while (running) {
          await sleep(randomInt(150, 1200));
          if (!running) break;
          srv.child.kill('SIGKILL');
          kills++;
          srv = await srv.restart();
          const crl = await admin.call(url(), 'GET', '/v1/crl');
          if (crl.status !== 200) serverErrors.push(`crl after restart ${crl.status}`);
          else crlNumbersSeen.push(readCrlNumber(crl.body));
        }
      };

      const enrollClients = Array.from({ length: ENROLL_WORKERS }, () => trafficClient(ca, { maxSockets: 1 }));
      clients.push(...enrollClients);
      const killing = killer();
      const revokers = [...Array.from({ length: REVOKE_WORKERS }, revokeWorker), hostRevoker()];
      await Promise.all(enrollClients.map(enrollWorker));
      // The killer keeps going until its quota is met (enrollment may outpace it) while revocations go on.
      while (kills < KILLS) await sleep(100);
      running = false;
      await killing;
      await Promise.all(revokers);

      // ---- one last crash, then look at what survived
      srv.child.kill('SIGKILL');
      kills++;
      srv = await srv.restart();

      expect(serverErrors).toEqual([]);
      expect(received.length).toBeGreaterThan(material.length / 2);
      expect(ackedRevocations.size).toBeGreaterThan(0);

      const inventory = await listAllCertificates(admin, url(), srv.adminToken);
      const bySerial = new Map(inventory.map((c) => [normHex(c.serial), c]));
      // No serial twice: in the inventory, and among what clients received.
      expect(bySerial.size).toBe(inventory.length);
      expect(new Set(received.map((r) => r.serial)).size).toBe(received.length);
      // Every certificate a client received is stored, byte for byte.
      const missing = received.filter((r) => bySerial.get(r.serial)?.fingerprint !== r.fingerprint);
      expect(missing).toEqual([]);
      // Every acknowledged revocation is revoked in the inventory...
      expect([...ackedRevocations].filter((s) => bySerial.get(s)?.status !== 'revoked')).toEqual([]);

      // ...and in the CRL served after the crash, read by openssl.
      const crl = await admin.call(url(), 'GET', '/v1/crl');
      expect(crl.status).toBe(200);
      const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-text'], { input: crl.body }).toString();
      const inCrl = crlSerialsFromOpensslText(text);
      expect([...ackedRevocations].filter((s) => !inCrl.has(s))).toEqual([]);
      // Revocations committed but not acknowledged (crash between commit and answer) are in it too.
      const revokedInInventory = inventory.filter((c) => c.status === 'revoked').map((c) => normHex(c.serial));
      expect(revokedInInventory.filter((s) => !inCrl.has(s))).toEqual([]);
      // CRL numbers never went back: the final one is above every acknowledged one and every one seen.
      const finalNumber = readCrlNumber(crl.body);
      expect(finalNumber).toBeGreaterThanOrEqual(Math.max(0, ...ackedCrlNumbers, ...crlNumbersSeen));
      for (let i = 1; i < crlNumbersSeen.length; i++) expect(crlNumbersSeen[i]!).toBeGreaterThanOrEqual(crlNumbersSeen[i - 1]!);

      const dir = srv.dir;
      expect(await srv.stop()).toBe(0);

      // The audit chain verifies (the CLI reads the database directly).
      const audit = runRapki(['audit', 'verify', '--dir', dir, '--json'], { RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE });
      expect(audit.status, audit.stderr).toBe(0);
      expect((JSON.parse(audit.stdout) as { ok: boolean }).ok).toBe(true);

      const db = new Database(join(dir, 'ca.db'), { readonly: true, fileMustExist: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(db.pragma('foreign_key_check')).toEqual([]);
        // One issue record per stored certificate, no more, no fewer.
        const issues = db.prepare(`SELECT count(*) AS n FROM audit_log WHERE action = 'certificate.issue'`).get() as { n: number };
        expect(issues.n).toBe(inventory.length);
        const revokes = db.prepare(`SELECT count(*) AS n FROM audit_log WHERE action = 'certificate.revoke'`).get() as { n: number };
        expect(revokes.n).toBeGreaterThanOrEqual(ackedSingle);
      } finally {
        db.close();
      }

      console.log(
        `crash-safety: kills=${kills} enrolled=${received.length}/${material.length} stored=${inventory.length} ` +
          `revocations acked=${ackedRevocations.size} revoked stored=${revokedInInventory.length} crl#=${finalNumber} ` +
          `transport errors=${transportErrors} rejected=${JSON.stringify(rejected)} seed=${random.seed}`,
      );
    }));
});

/** cRLNumber from `openssl crl` (an independent reader). */
function readCrlNumber(der: Buffer): number {
  const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-crlnumber'], { input: der }).toString();
  const m = /crlNumber=(?:0x)?([0-9A-Fa-f]+)/.exec(text);
  if (!m) throw new Error(`no crlNumber in ${text}`);
  return parseInt(m[1]!, 16);
}
