/**
 * The CA server over real HTTPS on 127.0.0.1:0 with a real SQLite file, checked with openssl.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCa } from '../../../ca-server/src/init.js';
import { startCaServer, type RunningCaServer } from '../../../ca-server/src/serve.js';
import { silentLogger } from '../../../ca-server/src/logger.js';
import { CA_ERROR_CODES, httpStatusOf } from '../../../ca-server/src/errors.js';
import { verifyAuditChain, type AuditRecord } from '../../../common/src/audit/audit-chain.js';
import { FAST_KDF, TEST_PASSPHRASE } from '../authority/fixtures.js';
import { call, openssl, opensslCsr, type Resp } from './client.js';
import { NOT_PROVOKED_OVER_HTTP } from './error-coverage.js';

let tmp: string;
let dir: string;
let srv: RunningCaServer;
let adminToken: string;
let ca: string;
const seen = new Set<string>();

function track(r: Resp): Resp {
  if (r.status >= 400 && r.json && typeof r.json.code === 'string') {
    seen.add(r.json.code);
    expect(Object.keys(r.json).sort()).toEqual(['code', 'message']);
    expect(r.status).toBe(httpStatusOf(r.json.code));
  }
  return r;
}

const get = async (path: string, extra: { token?: string; headers?: Record<string, string> } = {}) => track(await call(srv.url, 'GET', path, { ca, ...extra }));
const post = async (path: string, body: unknown, extra: { token?: string; cert?: string; key?: string; raw?: string; headers?: Record<string, string> } = {}) =>
  track(await call(srv.url, 'POST', path, { ca, body, ...extra }));

async function newToken(subject: string, sans: string[] = [], extra: Record<string, unknown> = {}): Promise<string> {
  const r = await post('/v1/admin/tokens', { subject, sans, ...extra }, { token: adminToken });
  expect(r.status).toBe(201);
  return r.json.token as string;
}

async function enroll(subject: string, sans: string[] = [], opensslSans: string[] = []) {
  const token = await newToken(subject, sans);
  const k = opensslCsr(tmp, `${subject}-${Math.random().toString(36).slice(2)}`, `/CN=${subject}`, opensslSans);
  const r = await post('/v1/enroll', { token, csr: k.csr });
  expect(r.status).toBe(201);
  return { ...k, res: r.json as { certificate: string; chain: string; ca: string; serial: string; notAfter: string }, token };
}

async function start(): Promise<void> {
  srv = await startCaServer({ dir, listen: '127.0.0.1:0', env: { RAPKI_CA_PASSPHRASE: TEST_PASSPHRASE }, log: silentLogger() });
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rapki-http-'));
  dir = join(tmp, 'ca');
  const init = await initCa({ dir, passphrase: TEST_PASSPHRASE, keyEncryption: FAST_KDF });
  adminToken = init.adminToken;
  ca = readFileSync(init.root, 'utf8');
  await start();
});

afterAll(async () => {
  await srv?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('public routes', () => {
  it('health, readiness, CA certificates and metrics', async () => {
    expect((await get('/healthz')).json).toEqual({ status: 'ok' });
    expect((await get('/readyz')).json).toEqual({ status: 'ready' });
    const c = await get('/v1/ca');
    expect(c.status).toBe(200);
    expect(c.json.fingerprint).toBe(srv.fingerprint);
    expect(c.json.root).toBe(ca);
    expect(c.json.intermediates).toEqual([]);
    const m = await get('/metrics');
    expect(m.status).toBe(200);
    expect(m.body.toString()).toMatch(/^rapki_ca_crl_size_bytes\{format="pem"\} \d+$/m);
    expect(m.headers['x-content-type-options']).toBe('nosniff');
    expect(m.headers['strict-transport-security']).toContain('max-age=');
    expect(String(m.headers['x-request-id'])).toMatch(/^[0-9a-f-]{36}$/);
    expect((await get('/healthz', { headers: { 'x-request-id': 'abc-123' } })).headers['x-request-id']).toBe('abc-123');
  });

  it('unknown route → 404 not_found; wrong method → 405 method_not_allowed', async () => {
    expect((await get('/v1/nothing')).json.code).toBe('not_found');
    expect((await get('/v1/enroll')).status).toBe(405);
  });

  it('refuses TLS below 1.2', async () => {
    const { connect } = await import('node:tls');
    const u = new URL(srv.url);
    const err = await new Promise<Error | undefined>((resolve) => {
      const s = connect({ host: u.hostname, port: Number(u.port), ca, maxVersion: 'TLSv1.1', minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }, () => {
        s.end();
        resolve(undefined);
      });
      s.on('error', resolve);
    });
    expect(err).toBeInstanceOf(Error);
    // The server's alert, not a client-side refusal to offer TLS 1.1.
    expect(String((err as { code?: string }).code)).toMatch(/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL/);
  });

  it('server certificate has the listen host in its SAN and chains to the root', async () => {
    const r = openssl(['x509', '-in', join(dir, 'tls', 'server.pem'), '-noout', '-ext', 'subjectAltName,extendedKeyUsage']);
    expect(r.out).toContain('IP Address:127.0.0.1');
    expect(r.out).toContain('TLS Web Server Authentication');
    expect(openssl(['verify', '-CAfile', join(dir, 'root.pem'), join(dir, 'tls', 'server.pem')]).ok).toBe(true);
  });
});

describe('enrollment', () => {
  it('issues from an openssl CSR; openssl verifies the certificate; token reuse is refused', async () => {
    const token = await newToken('web-1', ['dns:web-1.example', 'ip:10.1.2.3']);
    const k = opensslCsr(tmp, 'web-1', '/CN=web-1', ['DNS:web-1.example', 'IP:10.1.2.3']);
    const info = await post('/v1/enroll/info', { token });
    expect(info.json).toMatchObject({ subject: 'web-1', sans: ['dns:web-1.example', 'ip:10.1.2.3'], certTtl: 86400 });
    const r = await post('/v1/enroll', { token, csr: k.csr });
    expect(r.status).toBe(201);
    expect(Object.keys(r.json).sort()).toEqual(['ca', 'certificate', 'chain', 'notAfter', 'notBefore', 'serial']);
    expect(r.json.chain).toBe('');
    const f = join(tmp, 'web-1.pem');
    writeFileSync(f, r.json.certificate);
    expect(openssl(['verify', '-CAfile', join(dir, 'root.pem'), '-purpose', 'sslclient', f])).toMatchObject({ ok: true });
    const text = openssl(['x509', '-in', f, '-noout', '-text', '-serial']).out;
    expect(text).toContain('DNS:web-1.example');
    expect(text).toContain(`serial=${r.json.serial.toUpperCase()}`);
    const again = await post('/v1/enroll', { token, csr: k.csr });
    expect(again.status).toBe(401);
    expect(again.json.code).toBe('token_used');
  });

  it('refuses name mismatch, weak key, garbage CSR, bad token', async () => {
    const token = await newToken('web-2', ['dns:web-2.example']);
    const wrong = opensslCsr(tmp, 'wrong', '/CN=web-3', ['DNS:web-2.example']);
    expect((await post('/v1/enroll', { token, csr: wrong.csr })).json.code).toBe('name_mismatch');
    const extra = opensslCsr(tmp, 'extra', '/CN=web-2', ['DNS:web-2.example', 'DNS:admin.example']);
    expect((await post('/v1/enroll', { token, csr: extra.csr })).json.code).toBe('name_mismatch');
    const weak = opensslCsr(tmp, 'weak', '/CN=web-2', ['DNS:web-2.example'], ['-newkey', 'rsa:1024']);
    const w = await post('/v1/enroll', { token, csr: weak.csr });
    expect([w.status, w.json.code]).toEqual([400, 'weak_key']);
    const g = await post('/v1/enroll', { token, csr: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n' });
    expect([g.status, g.json.code]).toEqual([400, 'invalid_csr']);
    expect((await post('/v1/enroll', { token: 'rapki_et_nope', csr: wrong.csr })).json.code).toBe('token_invalid');
    // None of this consumed the token.
    const ok = opensslCsr(tmp, 'ok2', '/CN=web-2', ['DNS:web-2.example']);
    expect((await post('/v1/enroll', { token, csr: ok.csr })).status).toBe(201);
  });

  it('strict bodies: unknown field, bad JSON, wrong media type, oversize body', async () => {
    const u = await post('/v1/enroll', { token: 'x', csr: 'y', extra: 1 });
    expect([u.status, u.json.code]).toEqual([400, 'invalid_request']);
    expect((await post('/v1/enroll', { token: 1, csr: 'y' })).json.code).toBe('invalid_request');
    expect((await post('/v1/enroll', { csr: 'y' })).json.code).toBe('invalid_request');
    const j = await post('/v1/enroll', undefined, { raw: '{"token":', headers: { 'content-type': 'application/json' } });
    expect([j.status, j.json.code]).toEqual([400, 'invalid_json']);
    expect((await post('/v1/enroll', undefined, { raw: '[1,2]', headers: { 'content-type': 'application/json' } })).json.code).toBe('invalid_json');
    const mt = await post('/v1/enroll', undefined, { raw: 'token=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect([mt.status, mt.json.code]).toEqual([415, 'unsupported_media_type']);
    const big = await post('/v1/enroll', { token: 'x', csr: 'A'.repeat(70 * 1024) });
    expect([big.status, big.json.code]).toEqual([413, 'body_too_large']);
  });
});

describe('admin API', () => {
  it('missing or invalid bearer → 401; operator role may mint tokens and read but not revoke', async () => {
    const none = await post('/v1/admin/tokens', { subject: 'x' });
    expect([none.status, none.json.code]).toEqual([401, 'unauthorized']);
    expect(none.headers['www-authenticate']).toContain('Bearer');
    expect((await get('/v1/admin/certificates', { token: `rapki_at_${'A'.repeat(43)}` })).json.code).toBe('unauthorized');
    expect((await get('/v1/admin/audit', { headers: { authorization: 'Basic abc' } })).json.code).toBe('unauthorized');
    const op = await post('/v1/admin/admin-tokens', { name: 'ops', role: 'operator' }, { token: adminToken });
    expect(op.status).toBe(201);
    const opToken = op.json.token as string;
    expect((await post('/v1/admin/tokens', { subject: 'op-made' }, { token: opToken })).status).toBe(201);
    const list = await get('/v1/admin/certificates', { token: opToken });
    expect(list.status).toBe(200);
    expect(list.headers['cache-control']).toBe('no-store');
    const f = await post('/v1/admin/certificates/01/revoke', {}, { token: opToken });
    expect([f.status, f.json.code]).toEqual([403, 'forbidden']);
    expect((await post('/v1/admin/admin-tokens', { name: 'x', role: 'admin' }, { token: opToken })).json.code).toBe('forbidden');
    expect((await post('/v1/admin/tokens', { subject: 'x', certTTL: '1h' }, { token: adminToken })).json.code).toBe('invalid_request');
    expect((await post('/v1/admin/tokens', { subject: 'x', ttl: '1y' }, { token: adminToken })).json.code).toBe('invalid_request');
  });

  it('inventory with filters and cursor pagination', async () => {
    for (let i = 0; i < 3; i++) await enroll('page-host');
    const p1 = await get('/v1/admin/certificates?host=page-host&limit=2', { token: adminToken });
    expect(p1.json.certificates).toHaveLength(2);
    expect(typeof p1.json.nextCursor).toBe('string');
    const p2 = await get(`/v1/admin/certificates?host=page-host&limit=2&cursor=${encodeURIComponent(p1.json.nextCursor)}`, { token: adminToken });
    expect(p2.json.certificates).toHaveLength(1);
    expect(p2.json.nextCursor).toBeNull();
    const serials = [...p1.json.certificates, ...p2.json.certificates].map((c: { serial: string }) => c.serial);
    expect(new Set(serials).size).toBe(3);
    expect(p1.json.certificates[0]).toMatchObject({ host: 'page-host', subject: 'CN=page-host', status: 'active', revokedAt: null });
    const empty = await get('/v1/admin/certificates?host=&status=&cursor=&limit=', { token: adminToken });
    expect(empty.json.certificates.length).toBeGreaterThanOrEqual(3);
    expect((await get('/v1/admin/certificates?status=bogus', { token: adminToken })).json.code).toBe('invalid_request');
    expect((await get('/v1/admin/certificates?colour=red', { token: adminToken })).json.code).toBe('invalid_request');
    expect((await get('/v1/admin/certificates?cursor=zzz', { token: adminToken })).json.code).toBe('invalid_request');
  });

  it('revoke one serial (pasted as openssl prints it) → CRL rebuilt; openssl sees it revoked; renewal refused', async () => {
    const e = await enroll('rev-1');
    const certPath = join(tmp, 'rev-1.pem');
    writeFileSync(certPath, e.res.certificate);
    const serialOut = openssl(['x509', '-in', certPath, '-noout', '-serial']).out.trim(); // serial=0A1B...
    const before = await get('/v1/crl');
    const r = await post(
      `/v1/admin/certificates/${encodeURIComponent(
        serialOut
          .replace(/^serial=/, '')
          .match(/../g)!
          .join(':'),
      )}/revoke`,
      { reason: 'keyCompromise' },
      { token: adminToken },
    );
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ serial: e.res.serial, status: 'revoked', reason: 'keyCompromise' });
    expect(r.json.crlNumber).toBe(Number(String(before.headers.etag).replace(/"/g, '')) + 1);
    expect((await post(`/v1/admin/certificates/${e.res.serial}/revoke`, {}, { token: adminToken })).json.code).toBe('already_revoked');
    expect((await post('/v1/admin/certificates/0badc0de/revoke', {}, { token: adminToken })).json.code).toBe('certificate_not_found');
    expect((await post('/v1/admin/certificates/not-hex/revoke', {}, { token: adminToken })).json.code).toBe('serial_invalid');
    expect((await post(`/v1/admin/certificates/${e.res.serial}/revoke`, { reason: 'boredom' }, { token: adminToken })).json.code).toBe('invalid_request');

    const der = await get('/v1/crl');
    expect(der.headers['content-type']).toBe('application/pkix-crl');
    expect(der.headers.etag).toBe(`"${r.json.crlNumber}"`);
    expect(Date.parse(String(der.headers.expires))).toBeGreaterThan(Date.now());
    expect(der.headers['last-modified']).toBeDefined();
    expect(String(der.headers['cache-control'])).toMatch(/max-age=\d+/);
    const derPath = join(tmp, 'crl.der');
    writeFileSync(derPath, der.body);
    const crlText = openssl(['crl', '-inform', 'DER', '-in', derPath, '-CAfile', join(dir, 'root.pem'), '-noout', '-text']);
    expect(crlText.ok).toBe(true);
    expect(crlText.out).toContain('verify OK');
    expect(crlText.out).toContain(`X509v3 CRL Number: \n                ${r.json.crlNumber}`);
    expect(crlText.out).toContain(e.res.serial.toUpperCase());
    expect(crlText.out).toContain('Key Compromise');
    expect(crlText.out).toContain('Authority Key Identifier');
    const pem = await get('/v1/crl.pem');
    expect(pem.body.toString()).toMatch(/^-----BEGIN X509 CRL-----\n/);
    const pemPath = join(tmp, 'crl.pem');
    writeFileSync(pemPath, pem.body);
    const v = openssl(['verify', '-crl_check', '-CAfile', join(dir, 'root.pem'), '-CRLfile', pemPath, certPath]);
    expect(v.ok).toBe(false);
    expect(v.out).toContain('certificate revoked');
    const notModified = await call(srv.url, 'GET', '/v1/crl', { ca, headers: { 'if-none-match': String(der.headers.etag) } });
    expect(notModified.status).toBe(304);
    // The revoked certificate cannot renew.
    const k2 = opensslCsr(tmp, 'rev-1-new', '/CN=rev-1', []);
    const rn = await post('/v1/renew', { csr: k2.csr }, { cert: e.res.certificate, key: e.key });
    expect([rn.status, rn.json.code]).toEqual([403, 'certificate_revoked']);
  });

  it('host revoke blocks re-enrollment until unblocked', async () => {
    const a = await enroll('host-b');
    const b = await enroll('host-b');
    const r = await post('/v1/admin/hosts/host-b/revoke', {}, { token: adminToken });
    expect(r.status).toBe(200);
    expect([...r.json.revoked].sort()).toEqual([a.res.serial, b.res.serial].sort());
    expect(r.json.blocked).toBe(true);
    const token = await newToken('host-b');
    const k = opensslCsr(tmp, 'host-b-3', '/CN=host-b', []);
    const blocked = await post('/v1/enroll', { token, csr: k.csr });
    expect([blocked.status, blocked.json.code]).toEqual([403, 'host_blocked']);
    const revoked = await get('/v1/admin/certificates?host=host-b&status=revoked', { token: adminToken });
    expect(revoked.json.certificates).toHaveLength(2);
    expect((await post('/v1/admin/hosts/host-b/unblock', undefined, { token: adminToken })).json).toEqual({ host: 'host-b', blocked: false });
    expect((await post('/v1/admin/hosts/host-b/unblock', {}, { token: adminToken })).json.code).toBe('host_not_found');
    expect((await post('/v1/enroll', { token, csr: k.csr })).status).toBe(201);
  });

  it('host revoke of a name never issued to: 404 host_not_found unless blockUnknown is true', async () => {
    const refused = await post('/v1/admin/hosts/never-seen/revoke', {}, { token: adminToken });
    expect([refused.status, refused.json.code]).toEqual([404, 'host_not_found']);
    expect(refused.json.message).toContain('blockUnknown');
    const bad = await post('/v1/admin/hosts/never-seen/revoke', { blockUnknown: 'yes' }, { token: adminToken });
    expect([bad.status, bad.json.code]).toEqual([400, 'invalid_request']);
    const ok = await post('/v1/admin/hosts/never-seen/revoke', { blockUnknown: true, reason: 'cessationOfOperation' }, { token: adminToken });
    expect([ok.status, ok.json]).toEqual([200, { host: 'never-seen', revoked: [], blocked: true, crlNumber: ok.json.crlNumber }]);
    expect((await post('/v1/admin/hosts/never-seen/unblock', {}, { token: adminToken })).json).toEqual({ host: 'never-seen', blocked: false });
  });

  it('audit log pages verify as one hash chain', async () => {
    const all: AuditRecord[] = [];
    let cursor: string | null = null;
    do {
      const r: Resp = await get(`/v1/admin/audit?limit=7${cursor ? `&cursor=${cursor}` : ''}`, { token: adminToken });
      expect(r.status).toBe(200);
      all.push(...(r.json.records as AuditRecord[]));
      cursor = r.json.nextCursor;
    } while (cursor);
    expect(all.length).toBeGreaterThan(10);
    expect(verifyAuditChain(all)).toMatchObject({ ok: true, count: all.length });
    const actions = new Set(all.map((r) => r.action));
    for (const a of ['ca.init', 'token.create', 'certificate.issue', 'certificate.revoke', 'host.revoke', 'host.unblock', 'crl.publish', 'server_cert.issue']) {
      expect(actions).toContain(a);
    }
    expect(JSON.stringify(all)).not.toMatch(/rapki_(et|at)_[A-Za-z0-9_-]{43}/);
  });
});

describe('metrics', () => {
  it('count issuance, revocation, errors and requests; report CRL size and age', async () => {
    const text = (await get('/metrics')).body.toString();
    const value = (re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN);
    expect(value(/^rapki_ca_certificates_issued_total (\d+)$/m)).toBeGreaterThanOrEqual(8);
    expect(value(/^rapki_ca_certificates_revoked_total (\d+)$/m)).toBeGreaterThanOrEqual(3);
    expect(value(/^rapki_ca_errors_total\{code="token_used"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^rapki_ca_http_requests_total\{method="POST",route="\/v1\/enroll",status="201"\} (\d+)$/m)).toBeGreaterThanOrEqual(8);
    expect(value(/^rapki_ca_crl_size_bytes\{format="der"\} (\d+)$/m)).toBeGreaterThan(100);
    expect(value(/^rapki_ca_crl_age_seconds (\S+)$/m)).toBeGreaterThanOrEqual(0);
    expect(value(/^rapki_ca_crl_size_near_limit (\d)$/m)).toBe(0);
  });
});

describe('renewal over mutual TLS', () => {
  it('renews with the current certificate (new key); refuses no certificate and a foreign one', async () => {
    const e = await enroll('ren-1', ['dns:ren-1.example'], ['DNS:ren-1.example']);
    const k = opensslCsr(tmp, 'ren-1-new', '/CN=ren-1', ['DNS:ren-1.example'], ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']);
    const r = await post('/v1/renew', { csr: k.csr }, { cert: e.res.certificate, key: e.key });
    expect(r.status).toBe(201);
    expect(r.json.serial).not.toBe(e.res.serial);
    const list = await get('/v1/admin/certificates?host=ren-1', { token: adminToken });
    expect(list.json.certificates[0]).toMatchObject({ serial: r.json.serial, renewedFrom: e.res.serial });
    const mismatch = opensslCsr(tmp, 'ren-1-bad', '/CN=ren-2', ['DNS:ren-1.example']);
    expect((await post('/v1/renew', { csr: mismatch.csr }, { cert: r.json.certificate, key: k.key })).json.code).toBe('name_mismatch');
    const none = await post('/v1/renew', { csr: k.csr });
    expect([none.status, none.json.code]).toEqual([401, 'client_certificate_required']);
    // A self-signed certificate made by openssl: does not chain to this CA.
    const fk = join(tmp, 'foreign.key');
    const fc = join(tmp, 'foreign.pem');
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=ren-1', '-days', '1', '-keyout', fk, '-out', fc]);
    const foreign = await post('/v1/renew', { csr: k.csr }, { cert: readFileSync(fc, 'utf8'), key: readFileSync(fk, 'utf8') });
    expect([foreign.status, foreign.json.code]).toEqual([401, 'certificate_untrusted']);
    // The enrolled certificate was renewed: renewing it again (another key) is refused (C26) ...
    const k3 = opensslCsr(tmp, 'ren-1-fork', '/CN=ren-1', ['DNS:ren-1.example']);
    const fork = await post('/v1/renew', { csr: k3.csr }, { cert: e.res.certificate, key: e.key });
    expect([fork.status, fork.json.code]).toEqual([409, 'certificate_superseded']);
    // ... but a retry with the renewal's key gets the same certificate.
    const retry = await post('/v1/renew', { csr: k.csr }, { cert: e.res.certificate, key: e.key });
    expect([retry.status, retry.json.serial, retry.json.certificate]).toEqual([201, r.json.serial, r.json.certificate]);
  });
});

describe('restart', () => {
  it('keeps certificates, tokens, revocations, the CRL number and the audit chain', async () => {
    const unused = await newToken('after-restart');
    const before = await get('/v1/admin/certificates?limit=500', { token: adminToken });
    const crlBefore = await get('/v1/crl');
    await srv.close();
    await start();
    const after = await get('/v1/admin/certificates?limit=500', { token: adminToken });
    expect(after.json.certificates).toEqual(before.json.certificates);
    const crlAfter = await get('/v1/crl');
    expect(Number(String(crlAfter.headers.etag).replace(/"/g, ''))).toBeGreaterThanOrEqual(Number(String(crlBefore.headers.etag).replace(/"/g, '')));
    const k = opensslCsr(tmp, 'after-restart', '/CN=after-restart', []);
    expect((await post('/v1/enroll', { token: unused, csr: k.csr })).status).toBe(201);
    const audit = await get('/v1/admin/audit?limit=1000', { token: adminToken });
    expect(verifyAuditChain(audit.json.records)).toMatchObject({ ok: true });
  });
});

describe('rate limits', () => {
  it('a client IP over its enroll budget gets 429 rate_limited with Retry-After', async () => {
    await srv.close();
    srv = await startCaServer({
      dir,
      listen: '127.0.0.1:0',
      env: { RAPKI_CA_PASSPHRASE: TEST_PASSPHRASE },
      log: silentLogger(),
      rateLimits: { enroll: { ratePerSecond: 0.01, burst: 2 }, admin: { ratePerSecond: 0.01, burst: 3 } },
    });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await post('/v1/enroll', { token: 'x', csr: 'y' })).status);
    expect(codes).toEqual([401, 401, 429, 429]);
    const last = await post('/v1/enroll', { token: 'x', csr: 'y' });
    expect(last.json.code).toBe('rate_limited');
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) await get('/v1/admin/audit', { token: adminToken });
    expect((await get('/v1/admin/audit', { token: adminToken })).status).toBe(429);
  });
});

describe('error table coverage', () => {
  it('every code of the CA (CA_ERROR_CODES) was provoked above or is listed with a reason', () => {
    const missing = CA_ERROR_CODES.filter((code) => !seen.has(code) && !(code in NOT_PROVOKED_OVER_HTTP));
    expect(missing).toEqual([]);
    for (const code of Object.keys(NOT_PROVOKED_OVER_HTTP)) expect(CA_ERROR_CODES).toContain(code);
  });
});
