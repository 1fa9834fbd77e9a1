/**
 * Client side of the CA crash-safety and load tests: HTTPS calls with keep-alive agents (one per
 * simulated client, optionally bound to its own loopback source address so that the per-IP rate
 * limiter sees distinct clients), enrollment material prepared before the clock starts (EC P-256
 * keys and CSRs), and enrollment tokens minted through the admin API.
 */
import { generateKeyPairSync } from 'node:crypto';
import { Agent, request } from 'node:https';
import { buildCsrPem } from '../../cli/src/ca-client/csr.js';

export interface HttpResult {
  readonly status: number;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly body: Buffer;
}

export interface TrafficClient {
  readonly agent: Agent;
  /** One request; rejects only on transport errors (refused, reset, timeout). */
  call(base: string, method: string, path: string, o?: { body?: unknown; token?: string; timeoutMs?: number }): Promise<HttpResult>;
  close(): void;
}

/** A client with its own keep-alive agent; `localAddress` picks the loopback source (127.0.0.x). */
export function trafficClient(ca: string | Buffer, o: { localAddress?: string; maxSockets?: number } = {}): TrafficClient {
  const agent = new Agent({
    keepAlive: true,
    maxSockets: o.maxSockets ?? 4,
    ca,
    servername: 'localhost',
    ...(o.localAddress ? { localAddress: o.localAddress } : {}),
  });
  return {
    agent,
    call(base, method, path, c = {}) {
      const headers: Record<string, string> = {};
      let payload: Buffer | undefined;
      if (c.body !== undefined) {
        payload = Buffer.from(JSON.stringify(c.body));
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(payload.length);
      }
      if (c.token) headers.authorization = `Bearer ${c.token}`;
      return new Promise((resolve, reject) => {
        const req = request(new URL(path, base), { method, headers, agent, timeout: c.timeoutMs ?? 15_000 }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (b: Buffer) => chunks.push(b));
          res.on('error', reject);
          res.on('end', () => {
            const body = Buffer.concat(chunks);
            let json: unknown;
            if (String(res.headers['content-type'] ?? '').includes('json')) {
              try {
                json = JSON.parse(body.toString());
              } catch {
                json = undefined;
              }
            }
            resolve({ status: res.statusCode ?? 0, json, body });
          });
        });
        req.on('timeout', () => req.destroy(new Error('request timeout')));
        req.on('error', reject);
        req.end(payload);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

export interface EnrollmentMaterial {
  readonly host: string;
  readonly csr: string;
}

/** EC P-256 keys and CSRs (`CN=host`, no SANs), made before any timing starts. */
export function prepareCsrs(hosts: readonly string[]): EnrollmentMaterial[] {
  return hosts.map((host) => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return { host, csr: buildCsrPem({ commonName: host, sans: [], privateKey, publicKey }) };
  });
}

/** Mints one enrollment token per entry through `POST /v1/admin/tokens`, `parallel` at a time. */
export async function mintTokens(client: TrafficClient, base: string, adminToken: string, hosts: readonly string[], parallel = 8): Promise<string[]> {
  const out: string[] = new Array(hosts.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= hosts.length) return;
      const r = await client.call(base, 'POST', '/v1/admin/tokens', { token: adminToken, body: { subject: hosts[i], ttl: '2h', certTtl: '24h' } });
      if (r.status !== 201) throw new Error(`token create ${hosts[i]}: ${r.status} ${r.body.toString()}`);
      out[i] = r.json.token as string;
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return out;
}

/** Every inventory page of `GET /v1/admin/certificates`. */
export async function listAllCertificates(
  client: TrafficClient,
  base: string,
  adminToken: string,
): Promise<Array<{ serial: string; status: string; fingerprint: string; host: string }>> {
  const all: Array<{ serial: string; status: string; fingerprint: string; host: string }> = [];
  let cursor: string | null = null;
  for (let page = 0; page < 10_000; page++) {
    const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const r = await client.call(base, 'GET', `/v1/admin/certificates?limit=500${q}`, { token: adminToken });
    if (r.status !== 200) throw new Error(`inventory: ${r.status} ${r.body.toString()}`);
    all.push(...(r.json.certificates as typeof all));
    cursor = r.json.nextCursor as string | null;
    if (!cursor) return all;
  }
  throw new Error('inventory: too many pages');
}

/** Serials (lower-case hex, no leading zeros) listed in `openssl crl -text` output. */
export function crlSerialsFromOpensslText(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/Serial Number: ([0-9A-Fa-f]+)/g)) out.add(normHex(m[1]!));
  return out;
}

export function normHex(s: string): string {
  return s
    .replace(/[^0-9a-f]/gi, '')
    .toLowerCase()
    .replace(/^0+(?=.)/, '');
}

/** VmRSS of a process in KiB (Linux /proc). */
export function rssKiB(pid: number, read: (p: string) => string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(read(`/proc/${pid}/status`));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
