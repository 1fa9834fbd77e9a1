/**
 * Load on the real CA server process (rate limits: docs/security.md C19): sustained enrollments from
 * several clients (each mints its token through the admin API, then enrolls an EC P-256 CSR),
 * inventory and CRL reads and a trickle of revocations, while two abusers hammer `/v1/enroll` with
 * bad tokens and the admin API with a bad bearer token. Shows:
 *
 * - the well-behaved clients get no error at all (every enrollment 201, every read 200);
 * - the abusers get 429s (and otherwise only coded 4xx, never a 5xx);
 * - every issued certificate is in the inventory and every revocation in the CRL at the end;
 * - the server's RSS (/proc/PID/status VmRSS) stays flat after warm-up.
 *
 * The rate limiter keys clients by the socket's remote address, so every simulated client binds
 * its own loopback source address (127.0.0.x, all of 127/8 is loopback on Linux).
 *
 * Default: 20 s of load. `RAPKI_SOAK=1`: `RAPKI_SOAK_SECONDS` (default 300).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCaServerProcess, type CaServerProcess } from '../support/ca-server.js';
import {
  crlSerialsFromOpensslText,
  listAllCertificates,
  normHex,
  prepareCsrs,
  rssKiB,
  sleep,
  trafficClient,
  type TrafficClient,
} from '../support/ca-traffic.js';
import { execFileSync } from 'node:child_process';

const SOAK = process.env.RAPKI_SOAK === '1';
const SECONDS = SOAK ? Number(process.env.RAPKI_SOAK_SECONDS ?? 300) : 20;
/** Per-client limits given to the server: requests/s (burst 2x). */
const ENROLL_RATE = 20;
const ADMIN_RATE = 20;
const GOOD_CLIENTS = 4;
/** Each good client enrolls at this pace (under the per-client limit, so it never needs its burst). */
const CLIENT_ENROLLS_PER_SECOND = 8;
const WARMUP_SECONDS = Math.min(8, SECONDS / 3);
/** RSS may grow this much after warm-up (SQLite page cache, TLS session cache, JIT, heap noise). */
const RSS_GROWTH_LIMIT_KIB = SOAK ? 64 * 1024 : 48 * 1024;

describe('CA server under sustained load with abusive clients', { timeout: (SECONDS + 120) * 1000 }, () => {
  let srv: CaServerProcess;
  const clients: TrafficClient[] = [];
  const client = (localAddress: string) => {
    const c = trafficClient(readFileSync(srv.rootPem), { localAddress, maxSockets: 8 });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    srv = await startCaServerProcess({ extraArgs: ['--enroll-rate', String(ENROLL_RATE), '--admin-rate', String(ADMIN_RATE)] });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await srv?.dispose();
  });

  it('serves every well-behaved client without error, limits the abusers, keeps memory flat', async () => {
    const base = srv.url;
    const admin = srv.adminToken;
    const perClient = Math.ceil(CLIENT_ENROLLS_PER_SECOND * SECONDS * 1.2);
    // Prepared before the clock starts (the soak run makes them as it goes).
    const pool = SOAK ? [] : prepareCsrs(Array.from({ length: perClient * GOOD_CLIENTS }, (_, i) => `load-${i % 200}.example.com`));

    const goodErrors: string[] = [];
    const abuse = { enroll: { n: 0, s429: 0, s5xx: 0, other: new Map<string, number>() }, admin: { n: 0, s429: 0, s5xx: 0, other: new Map<string, number>() } };
    const issued: string[] = [];
    const revokedAcked: string[] = [];
    const latencies: number[] = [];
    let reads = 0;
    let stop = false;
    const deadline = Date.now() + SECONDS * 1000;

    const paced = async (perSecond: number, body: () => Promise<void>) => {
      const interval = 1000 / perSecond;
      let next = Date.now();
      while (!stop && Date.now() < deadline) {
        const wait = next - Date.now();
        if (wait > 0) await sleep(wait);
        next = Math.max(Date.now(), next + interval);
        await body();
      }
    };

    const enroller = (n: number) => {
      const c = client(`127.0.0.${10 + n}`);
      let i = 0;
      return paced(CLIENT_ENROLLS_PER_SECOND, async () => {
        const m = SOAK ? prepareCsrs([`load-${n}-${i % 200}.example.com`])[0]! : pool[n * perClient + i]!;
        i++;
        try {
          const t0 = performance.now();
          const tok = await c.call(base, 'POST', '/v1/admin/tokens', { token: admin, body: { subject: m.host, ttl: '10m', certTtl: '1h' } });
          if (tok.status !== 201) return void goodErrors.push(`token ${tok.status} ${tok.body.toString().slice(0, 200)}`);
          const r = await c.call(base, 'POST', '/v1/enroll', { body: { token: tok.json.token, csr: m.csr } });
          latencies.push(performance.now() - t0);
          if (r.status !== 201) return void goodErrors.push(`enroll ${r.status} ${r.body.toString().slice(0, 200)}`);
          issued.push(normHex(r.json.serial as string));
        } catch (err) {
          goodErrors.push(`enroll transport ${(err as Error).message}`);
        }
      });
    };

    const reader = () => {
      const c = client('127.0.0.20');
      let k = 0;
      return paced(20, async () => {
        try {
          const path = ['/v1/admin/certificates?limit=100', '/v1/crl', '/v1/crl.pem', '/v1/admin/certificates?status=revoked&limit=50', '/v1/ca'][k++ % 5]!;
          const r = await c.call(base, 'GET', path, path.startsWith('/v1/admin') ? { token: admin } : {});
          if (r.status !== 200) goodErrors.push(`read ${path} ${r.status}`);
          else reads++;
        } catch (err) {
          goodErrors.push(`read transport ${(err as Error).message}`);
        }
      });
    };

    const revoker = () => {
      const c = client('127.0.0.21');
      return paced(2, async () => {
        const serial = issued[Math.floor(issued.length / 2)];
        if (!serial || revokedAcked.includes(serial)) return;
        try {
          const r = await c.call(base, 'POST', `/v1/admin/certificates/${serial}/revoke`, { token: admin, body: { reason: 'superseded' } });
          if (r.status !== 200) goodErrors.push(`revoke ${r.status} ${r.body.toString().slice(0, 200)}`);
          else revokedAcked.push(serial);
        } catch (err) {
          goodErrors.push(`revoke transport ${(err as Error).message}`);
        }
      });
    };

    // Abusers: as fast as they can, 4 requests in flight each, never backing off.
    const abuser = async (addr: string, kind: 'enroll' | 'admin') => {
      const c = client(addr);
      const tally = abuse[kind];
      const one = async () => {
        while (!stop && Date.now() < deadline) {
          try {
            const r =
              kind === 'enroll'
                ? await c.call(base, 'POST', '/v1/enroll', { body: { token: 'rapki_et_' + 'A'.repeat(43), csr: 'x' } })
                : await c.call(base, 'GET', '/v1/admin/certificates', { token: 'rapki_at_' + 'B'.repeat(43) });
            tally.n++;
            if (r.status === 429) tally.s429++;
            else if (r.status >= 500) tally.s5xx++;
            else {
              const code = `${r.status} ${String(r.json?.code)}`;
              tally.other.set(code, (tally.other.get(code) ?? 0) + 1);
            }
          } catch {
            tally.s5xx++;
          }
          // Yield a little so the abusers do not starve the test's own event loop.
          await sleep(1);
        }
      };
      await Promise.all([one(), one(), one(), one()]);
    };

    // RSS of the server process once a second.
    const rss: Array<{ t: number; kib: number }> = [];
    const t0 = Date.now();
    const sampler = (async () => {
      while (!stop && Date.now() < deadline) {
        rss.push({ t: (Date.now() - t0) / 1000, kib: rssKiB(srv.child.pid!, (p) => readFileSync(p, 'utf8')) });
        await sleep(1000);
      }
    })();

    await Promise.all([
      ...Array.from({ length: GOOD_CLIENTS }, (_, n) => enroller(n)),
      reader(),
      revoker(),
      abuser('127.0.0.30', 'enroll'),
      abuser('127.0.0.31', 'admin'),
      sampler,
    ]);
    stop = true;
    const sorted = [...latencies].sort((a, b) => a - b);
    const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!.toFixed(1);
    console.log(
      `ca-load: ${SECONDS}s issued=${issued.length} (${(issued.length / SECONDS).toFixed(0)}/s) reads=${reads} revoked=${revokedAcked.length} ` +
        `token+enroll p50=${p(0.5)}ms p99=${p(0.99)}ms; abuse enroll ${abuse.enroll.s429}/${abuse.enroll.n} 429, admin ${abuse.admin.s429}/${abuse.admin.n} 429; ` +
        `RSS ${rss.map((x) => (x.kib / 1024).toFixed(0)).join(',')} MiB`,
    );

    // ---- well-behaved clients: not a single error
    expect(goodErrors.slice(0, 10)).toEqual([]);
    // Throughput is the benchmark's business (bench/enroll-throughput.bench.mjs); on a loaded CI
    // machine the paced clients may fall behind, but they must keep being served.
    expect(issued.length).toBeGreaterThan(SECONDS * 5);
    expect(reads).toBeGreaterThan(SECONDS * 3);

    // ---- abusers: limited (429), otherwise coded 4xx, never 5xx
    for (const kind of ['enroll', 'admin'] as const) {
      const a = abuse[kind];
      expect(a.s5xx, kind).toBe(0);
      // A token bucket lets through at most burst + rate x time (+1 s of slack for the edges).
      const rate = kind === 'enroll' ? ENROLL_RATE : ADMIN_RATE;
      expect(a.n - a.s429, kind).toBeLessThanOrEqual(2 * rate + rate * (SECONDS + 1));
      expect(a.s429, kind).toBeGreaterThan(0);
      for (const k of a.other.keys()) expect(k, kind).toMatch(kind === 'enroll' ? /^(400|401) / : /^401 /);
    }

    // ---- the state matches what clients were told
    const c = client('127.0.0.22');
    const inventory = await listAllCertificates(c, base, admin);
    const stored = new Set(inventory.map((x) => normHex(x.serial)));
    expect(stored.size).toBe(inventory.length);
    expect(issued.filter((s) => !stored.has(s))).toEqual([]);
    const crl = await c.call(base, 'GET', '/v1/crl');
    const inCrl = crlSerialsFromOpensslText(execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-text'], { input: crl.body }).toString());
    expect(revokedAcked.filter((s) => !inCrl.has(s))).toEqual([]);
    const metrics = await c.call(base, 'GET', '/metrics');
    expect(metrics.body.toString()).toMatch(/rapki_ca_errors_total\{code="rate_limited"\} [1-9]/);

    // ---- memory: flat after warm-up
    const after = rss.filter((s) => s.t >= WARMUP_SECONDS);
    expect(after.length).toBeGreaterThan(3);
    const warm = Math.min(...after.slice(0, 3).map((s) => s.kib));
    const peak = Math.max(...after.map((s) => s.kib));
    expect(peak - warm).toBeLessThan(RSS_GROWTH_LIMIT_KIB);
  });
});
