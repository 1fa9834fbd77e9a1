/**
 * The running CA server reissues its own TLS certificate when a third of its life is left and
 * switches to it without a restart or a dropped connection (docs/security.md C3); `/metrics`
 * shows its notAfter; `/readyz` fails once the certificate presented has expired.
 *
 * Real HTTPS on 127.0.0.1 and a real CA directory; time is an injected clock. The clock STARTS 21
 * days in the past, so that after moving it forward the reissued certificate is valid in real
 * time too (TLS clients check certificates against the real clock).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initCa } from '../../../ca-server/src/init.js';
import { silentLogger } from '../../../ca-server/src/logger.js';
import { startCaServer, type RunningCaServer } from '../../../ca-server/src/serve.js';
import { FAST_KDF, TEST_PASSPHRASE, TestClock } from '../authority/fixtures.js';
import { call, opensslCsr } from './client.js';

const DAY = 86_400_000;

/** GET on `agent` (or a fresh connection); returns status, body, the peer certificate and the socket's local port. */
function get(
  url: string,
  path: string,
  ca: string,
  agent?: Agent,
): Promise<{ status: number; body: string; peer: PeerCertificate; localPort: number | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { ca, servername: 'localhost', agent: agent ?? false }, (res) => {
      const sock = res.socket as TLSSocket;
      const peer = sock.getPeerCertificate();
      const localPort = sock.localPort;
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, peer, localPort }));
    });
    req.on('error', reject);
    req.end();
  });
}

const metric = (text: string, name: string): number | undefined => {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (-?[0-9.e+]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the running server renews its own TLS certificate', () => {
  let tmp: string;
  let srv: RunningCaServer;
  let ca: string;
  let adminToken: string;
  const clock = new TestClock(Date.now() - 21 * DAY);

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'rapki-tls-renew-'));
    const init = await initCa({ dir: join(tmp, 'ca'), passphrase: TEST_PASSPHRASE, keyEncryption: FAST_KDF, clock: clock.now, intermediate: true });
    adminToken = init.adminToken;
    ca = readFileSync(init.root, 'utf8');
    srv = await startCaServer({
      dir: join(tmp, 'ca'),
      listen: '127.0.0.1:0',
      env: { RAPKI_CA_PASSPHRASE: TEST_PASSPHRASE },
      log: silentLogger(),
      clock: clock.now,
      serverTlsCheckMs: 100,
    });
  }, 60_000);

  afterAll(async () => {
    await srv?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('reissues at two thirds of its life, switches without a restart, keeps open connections, exposes notAfter; readyz fails when expired', async () => {
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1, ca, servername: 'localhost' });
    // Keeps the one pooled connection busy enough that the server's 5 s keep-alive timeout never closes it.
    const ping = setInterval(() => void get(srv.url, '/healthz', ca, keepAlive).catch(() => {}), 1_000);
    try {
      const first = await get(srv.url, '/healthz', ca, keepAlive);
      expect(first.status).toBe(200);
      const firstNotAfter = new Date(first.peer.valid_to);
      const m0 = (await get(srv.url, '/metrics', ca)).body;

      // 19 days in: more than a third left, nothing happens (several checks run meanwhile).
      clock.advance(19 * DAY);
      await new Promise((r) => setTimeout(r, 400));
      expect((await get(srv.url, '/healthz', ca)).peer.serialNumber).toBe(first.peer.serialNumber);

      // 21 days in (fake time = real time now): due; the next check reissues.
      clock.advance(2 * DAY);
      const fresh = await until('a new certificate on new connections', async () => {
        const r = await get(srv.url, '/healthz', ca);
        return r.peer.serialNumber !== first.peer.serialNumber ? r : undefined;
      });
      expect(fresh.status).toBe(200);
      const freshNotAfter = new Date(fresh.peer.valid_to);
      expect(freshNotAfter.getTime()).toBeGreaterThan(firstNotAfter.getTime() + 20 * DAY);
      // Verified against the pinned root with the host name (the request above would have failed otherwise).
      expect(fresh.peer.subject.CN).toBe('rapki CA server');

      // The connection opened before the switch is still open and still answers (same socket, old certificate).
      const again = await get(srv.url, '/healthz', ca, keepAlive);
      expect(again.status).toBe(200);
      expect(again.localPort).toBe(first.localPort);
      expect(again.peer.serialNumber).toBe(first.peer.serialNumber);

      expect(metric(m0, 'rapki_ca_server_tls_not_after_seconds')).toBe(Math.floor(firstNotAfter.getTime() / 1000));
      expect(metric(m0, 'rapki_ca_server_tls_renewals_total')).toBe(0);
      const m1 = (await get(srv.url, '/metrics', ca)).body;
      expect(metric(m1, 'rapki_ca_server_tls_not_after_seconds')).toBe(Math.floor(freshNotAfter.getTime() / 1000));
      expect(metric(m1, 'rapki_ca_server_tls_renewals_total')).toBe(1);
      expect(readFileSync(join(tmp, 'ca', 'tls', 'server.pem'), 'utf8')).toContain(fresh.peer.raw.toString('base64').slice(0, 60));

      // The new context keeps the TLS policy: no CBC suite on TLS 1.2 ...
      await expect(
        new Promise((resolve, reject) => {
          const s = connect(
            { host: '127.0.0.1', port: srv.port, ca, servername: 'localhost', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256' },
            () => resolve(s.getCipher()),
          );
          s.on('error', reject);
        }),
      ).rejects.toThrow();
      // ... and the client CAs: renewal over mTLS works on a new connection.
      const t = await call(srv.url, 'POST', '/v1/admin/tokens', { ca, token: adminToken, body: { subject: 'after-renewal' } });
      const k = opensslCsr(tmp, 'after-renewal', '/CN=after-renewal', []);
      const enrolled = await call(srv.url, 'POST', '/v1/enroll', { ca, body: { token: t.json.token, csr: k.csr } });
      expect(enrolled.status).toBe(201);
      const k2 = opensslCsr(tmp, 'after-renewal-2', '/CN=after-renewal', []);
      const renewed = await call(srv.url, 'POST', '/v1/renew', {
        ca,
        body: { csr: k2.csr },
        cert: enrolled.json.certificate + enrolled.json.chain,
        key: k.key,
      });
      expect(renewed.status, JSON.stringify(renewed.json)).toBe(201);
      expect((await get(srv.url, '/readyz', ca)).status).toBe(200);

      // Past the issuing CA's own end nothing can be issued: the reissue fails (counted), and once
      // the certificate presented has expired, readyz says so while healthz stays 200.
      clock.advance(11 * 365 * DAY);
      const failed = await until('a failed reissue', async () => {
        const m = (await call(srv.url, 'GET', '/metrics', { ca })).body.toString();
        return (metric(
          m
            .split('\n')
            .filter((l) => l.includes('result="failed"'))
            .join('\n'),
          'rapki_ca_server_tls_renewals_total',
        ) ?? 0) > 0
          ? m
          : undefined;
      });
      expect(metric(failed, 'rapki_ca_server_tls_expires_in_seconds')).toBeLessThan(0);
      const ready = await call(srv.url, 'GET', '/readyz', { ca });
      expect(ready.status).toBe(503);
      expect(ready.json).toMatchObject({ code: 'not_ready', message: expect.stringContaining('TLS certificate has expired') });
      expect((await call(srv.url, 'GET', '/healthz', { ca })).status).toBe(200);
    } finally {
      clearInterval(ping);
      keepAlive.destroy();
    }
  }, 120_000);
});
