/**
 * `POST /v1/renew` with a proof of possession instead of a TLS client certificate (for keys Node's
 * TLS cannot use, such as TPM keys), over real HTTPS against a running CA. The proofs are signed by
 * `openssl dgst` with the host's key, not by rapki's client code. The certificate is then held to
 * exactly what a TLS client certificate is held to: known, not revoked, renewed only once.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initCa } from '../../../ca-server/src/init.js';
import { startCaServer, type RunningCaServer } from '../../../ca-server/src/serve.js';
import { silentLogger } from '../../../ca-server/src/logger.js';
import { MAX_SKEW_MS, POSSESSION_LABEL } from '../../../common/src/contract/possession.js';
import { FAST_KDF, TEST_PASSPHRASE } from '../authority/fixtures.js';
import { call, opensslCsr } from './client.js';

let tmp: string;
let srv: RunningCaServer;
let adminToken: string;
let ca: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rapki-possession-'));
  const dir = join(tmp, 'ca');
  const init = await initCa({ dir, passphrase: TEST_PASSPHRASE, keyEncryption: FAST_KDF });
  adminToken = init.adminToken;
  ca = readFileSync(init.root, 'utf8');
  srv = await startCaServer({ dir, listen: '127.0.0.1:0', env: { RAPKI_CA_PASSPHRASE: TEST_PASSPHRASE }, log: silentLogger() });
});

afterAll(async () => {
  await srv?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const post = (path: string, body: unknown, token?: string) => call(srv.url, 'POST', path, { ca, body, ...(token ? { token } : {}) });

async function enroll(subject: string) {
  const t = await post('/v1/admin/tokens', { subject, sans: [] }, adminToken);
  expect(t.status).toBe(201);
  const k = opensslCsr(tmp, `${subject}-${Math.random().toString(36).slice(2)}`, `/CN=${subject}`, []);
  const r = await post('/v1/enroll', { token: t.json.token, csr: k.csr });
  expect(r.status).toBe(201);
  return { keyPath: k.keyPath, certificate: r.json.certificate as string, serial: r.json.serial as string };
}

/** The proof as docs/ca-api.md defines it, signed by openssl with the current key. */
function proof(keyPath: string, certificate: string, csr: string, signedAt: string) {
  const msg = join(tmp, `msg-${Math.random().toString(36).slice(2)}`);
  writeFileSync(msg, `${POSSESSION_LABEL}\n${signedAt}\n${createHash('sha256').update(csr, 'utf8').digest('hex')}`);
  const sig = execFileSync('openssl', ['dgst', '-sha256', '-sign', keyPath, msg]);
  return { certificate, signedAt, signature: sig.toString('base64') };
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('renewal with a proof of possession', () => {
  it('renews without a TLS client certificate; a retry of the same request gets the same certificate; another key is superseded', async () => {
    const e = await enroll('pop-1');
    const k = opensslCsr(tmp, 'pop-1-new', '/CN=pop-1', []);
    const body = { csr: k.csr, ...proof(e.keyPath, e.certificate, k.csr, now()) };
    const r = await post('/v1/renew', body);
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(r.json.serial).not.toBe(e.serial);
    // A copy of the request obtains nothing new: the same certificate (whose key it does not have).
    const again = await post('/v1/renew', body);
    expect([again.status, again.json.serial]).toEqual([201, r.json.serial]);
    const k2 = opensslCsr(tmp, 'pop-1-fork', '/CN=pop-1', []);
    const fork = await post('/v1/renew', { csr: k2.csr, ...proof(e.keyPath, e.certificate, k2.csr, now()) });
    expect([fork.status, fork.json.code]).toEqual([409, 'certificate_superseded']);
  });

  it('refuses a signature by another key, over another CSR, a stale or future time, and malformed fields (possession_invalid, 401)', async () => {
    const e = await enroll('pop-2');
    const other = await enroll('pop-2b');
    const k = opensslCsr(tmp, 'pop-2-new', '/CN=pop-2', []);
    const k2 = opensslCsr(tmp, 'pop-2-other', '/CN=pop-2', []);
    const cases: Array<[string, Record<string, string>]> = [
      ['another key', proof(other.keyPath, e.certificate, k.csr, now())],
      ['another CSR', proof(e.keyPath, e.certificate, k2.csr, now())],
      ['a stale time', proof(e.keyPath, e.certificate, k.csr, new Date(Date.now() - MAX_SKEW_MS - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'))],
      ['a future time', proof(e.keyPath, e.certificate, k.csr, new Date(Date.now() + MAX_SKEW_MS + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'))],
      ['a time that is not RFC 3339 UTC', proof(e.keyPath, e.certificate, k.csr, 'yesterday')],
      ['a certificate that is not PEM', { ...proof(e.keyPath, e.certificate, k.csr, now()), certificate: 'x' }],
      ['a signature that is not base64', { ...proof(e.keyPath, e.certificate, k.csr, now()), signature: '!!' }],
    ];
    for (const [what, p] of cases) {
      const r = await post('/v1/renew', { csr: k.csr, ...p });
      expect([what, r.status, r.json.code]).toEqual([what, 401, 'possession_invalid']);
      expect(Object.keys(r.json).sort()).toEqual(['code', 'message']);
    }
    const partial = await post('/v1/renew', { csr: k.csr, signature: 'AAAA' });
    expect([partial.status, partial.json.code]).toEqual([400, 'invalid_request']);
    // None of those renewed: the real proof still works.
    expect((await post('/v1/renew', { csr: k.csr, ...proof(e.keyPath, e.certificate, k.csr, now()) })).status).toBe(201);
  });

  it('a valid signature with a certificate this CA did not issue is certificate_unknown; a revoked one certificate_revoked', async () => {
    const fk = join(tmp, 'foreign.key');
    const fc = join(tmp, 'foreign.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=pop-3', '-days', '1', '-keyout', fk, '-out', fc],
      { stdio: 'ignore' },
    );
    const k = opensslCsr(tmp, 'pop-3-new', '/CN=pop-3', []);
    const foreign = await post('/v1/renew', { csr: k.csr, ...proof(fk, readFileSync(fc, 'utf8'), k.csr, now()) });
    expect([foreign.status, foreign.json.code]).toEqual([401, 'certificate_unknown']);

    const e = await enroll('pop-4');
    const rv = await post(`/v1/admin/certificates/${e.serial}/revoke`, { reason: 'keyCompromise' }, adminToken);
    expect(rv.status).toBe(200);
    const k4 = opensslCsr(tmp, 'pop-4-new', '/CN=pop-4', []);
    const revoked = await post('/v1/renew', { csr: k4.csr, ...proof(e.keyPath, e.certificate, k4.csr, now()) });
    expect([revoked.status, revoked.json.code]).toEqual([403, 'certificate_revoked']);
  });
});
