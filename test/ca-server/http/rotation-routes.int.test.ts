/**
 * The rotation over HTTPS, in-process server: admin API (auth, strict bodies, coded errors, 405),
 * `GET /v1/ca` with both roots, enrollment answering both roots (new first), renewal over mutual
 * TLS with leaves of either CA during the overlap, and the server's TLS certificate chaining to the
 * old root until finish and to the new root after it (reloaded without a restart).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { initCa } from '../../../ca-server/src/init.js';
import { startCaServer, type RunningCaServer } from '../../../ca-server/src/serve.js';
import { silentLogger } from '../../../ca-server/src/logger.js';
import { FAST_KDF, TEST_PASSPHRASE } from '../authority/fixtures.js';
import { call, opensslCsr } from './client.js';

let tmp: string;
let srv: RunningCaServer;
let adminToken: string;
let oldRoot: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rapki-rot-http-'));
  const dir = join(tmp, 'ca');
  const init = await initCa({ dir, passphrase: TEST_PASSPHRASE, keyEncryption: FAST_KDF });
  adminToken = init.adminToken;
  oldRoot = readFileSync(init.root, 'utf8');
  srv = await startCaServer({ dir, listen: '127.0.0.1:0', env: { RAPKI_CA_PASSPHRASE: TEST_PASSPHRASE }, log: silentLogger() });
});

afterAll(async () => {
  await srv?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const pems = (s: string): string[] => s.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g) ?? [];

async function enroll(ca: string, subject: string) {
  const t = await call(srv.url, 'POST', '/v1/admin/tokens', { ca, token: adminToken, body: { subject, sans: [] } });
  expect(t.status).toBe(201);
  const k = opensslCsr(tmp, `${subject}-${Math.random().toString(36).slice(2)}`, `/CN=${subject}`, []);
  const r = await call(srv.url, 'POST', '/v1/enroll', { ca, body: { token: t.json.token, csr: k.csr } });
  expect(r.status).toBe(201);
  return { ...k, cert: r.json.certificate as string, bundle: r.json.ca as string };
}

describe('rotation admin API and TLS over HTTPS', () => {
  it('validates, rotates, serves both roots, renews both CAs over mTLS, and switches the server certificate at finish', async () => {
    const ca = oldRoot;
    const h1 = await enroll(ca, 'r1');
    expect(pems(h1.bundle)).toHaveLength(1);

    // Admin API guards.
    expect((await call(srv.url, 'GET', '/v1/admin/rotation', { ca })).status).toBe(401);
    const unknown = await call(srv.url, 'POST', '/v1/admin/rotation/start', { ca, token: adminToken, body: { bogus: true } });
    expect([unknown.status, unknown.json.code]).toEqual([400, 'invalid_request']);
    const badKey = await call(srv.url, 'POST', '/v1/admin/rotation/start', { ca, token: adminToken, body: { keyType: 'dsa-1024' } });
    expect([badKey.status, badKey.json.code]).toEqual([400, 'invalid_request']);
    const notStarted = await call(srv.url, 'POST', '/v1/admin/rotation/finish', { ca, token: adminToken, body: {} });
    expect([notStarted.status, notStarted.json.code]).toEqual([409, 'rotation_not_started']);
    expect((await call(srv.url, 'PUT', '/v1/admin/rotation/start', { ca, token: adminToken })).status).toBe(405);
    const plan = await call(srv.url, 'GET', '/v1/admin/rotation/plan', { ca, token: adminToken });
    expect(plan.json).toMatchObject({ phase: 'idle', pendingLeaves: 1 });

    // Start (new key type too).
    const st = await call(srv.url, 'POST', '/v1/admin/rotation/start', { ca, token: adminToken, body: { keyType: 'ec-p384' } });
    expect(st.status).toBe(200);
    expect(st.json).toMatchObject({ issuing: 'new', state: { phase: 'active', keyType: 'ec-p384' } });
    const again = await call(srv.url, 'POST', '/v1/admin/rotation/start', { ca, token: adminToken, body: {} });
    expect(again.json.warnings).toEqual(['the rotation is already active']);
    const info = await call(srv.url, 'GET', '/v1/ca', { ca });
    expect(info.json.roots).toHaveLength(2);
    expect(info.json.rotation).toMatchObject({ phase: 'active', issuing: 'new' });
    const newRoot = info.json.rotation.next.root as string;
    expect(info.json.roots[0]).toBe(newRoot);
    expect(info.json.root.trim()).toBe(oldRoot.trim());

    // A host enrolling now gets a leaf of the new CA and both roots, the new one first.
    const h2 = await enroll(ca, 'r2');
    expect(pems(h2.bundle).map((p) => p.trim())).toEqual([newRoot.trim(), oldRoot.trim()]);
    writeFileSync(join(tmp, 'h2.pem'), h2.cert);
    writeFileSync(join(tmp, 'new-root.pem'), newRoot);
    execFileSync('openssl', ['verify', '-CAfile', join(tmp, 'new-root.pem'), join(tmp, 'h2.pem')]);
    expect(new X509Certificate(newRoot).publicKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');

    // Renewal over mutual TLS works for leaves of both CAs (the server reloaded its client CAs).
    const renew = async (who: { cert: string; key: string; keyPath: string }, name: string, trust: string) => {
      const k = opensslCsr(tmp, `${name}-renew-${Math.random().toString(36).slice(2)}`, `/CN=${name}`, []);
      const resp = await call(srv.url, 'POST', '/v1/renew', { ca: trust, cert: who.cert, key: who.key, body: { csr: k.csr } });
      return Object.assign(resp, { next: { ...k, cert: resp.json?.certificate as string } });
    };
    const r2 = await renew(h2, 'r2', ca);
    expect(r2.status).toBe(201);
    const r1 = await renew(h1, 'r1', ca);
    expect(r1.status).toBe(201);
    expect(new X509Certificate(r1.json.certificate).checkIssued(new X509Certificate(newRoot))).toBe(true);

    // Drained (h1 renewed): finish. The server certificate now chains to the new root.
    const fin = await call(srv.url, 'POST', '/v1/admin/rotation/finish', { ca, token: adminToken, body: {} });
    expect(fin.status).toBe(200);
    expect(fin.json.current.rootFingerprint).toBe(new X509Certificate(newRoot).fingerprint256.replace(/:/g, '').toLowerCase());
    await expect(call(srv.url, 'GET', '/healthz', { ca: oldRoot })).rejects.toThrow();
    expect((await call(srv.url, 'GET', '/healthz', { ca: newRoot })).status).toBe(200);
    const after = await call(srv.url, 'GET', '/v1/ca', { ca: newRoot });
    expect(after.json.roots).toEqual([newRoot]);
    expect(after.json.rotation).toBeNull();
    // A host holding a leaf of the new CA renews over the new TLS chain.
    const r3 = await renew(r2.next, 'r2', newRoot);
    expect(r3.status).toBe(201);
    expect(pems(r3.json.ca).map((p) => p.trim())).toEqual([newRoot.trim()]);
  }, 60_000);
});
