/**
 * The console over real HTTPS (a CA server in this process, real SQLite file, injected clock),
 * without a browser: sessions (cookie flags, stored hashed, idle and absolute end, sign-out on the
 * server, a revoked token ends its sessions), the wrong token, CSRF (token and Origin), the
 * operator role, search in the forms people paste, audit attribution, escaping, hostile input,
 * `--no-ui`, and no secret in the server's log. The browser flow is test/e2e/console.e2e.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseActor } from '../../../ca-server/src/authority/audit-actor.js';
import { initCa } from '../../../ca-server/src/init.js';
import { createLogger } from '../../../ca-server/src/logger.js';
import { startCaServer, type RunningCaServer } from '../../../ca-server/src/serve.js';
import type { SqliteCaStore } from '../../../ca-server/src/store/sqlite-store.js';
import { CONSOLE_CSP } from '../../../ca-server/src/ui/headers.js';
import { FAST_KDF, TEST_PASSPHRASE, TestClock } from '../authority/fixtures.js';
import { call, openssl, opensslCsr } from '../http/client.js';
import { ensureConsoleAssets } from './assets-built.js';
import { ConsoleClient } from './console-client.js';

const MIN = 60_000;
let tmp: string;
let srv: RunningCaServer;
let adminToken: string;
let adminTokenId: string;
let root: string;
const clock = new TestClock();
let logText = '';
const secrets: string[] = [];

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const db = (): SqliteCaStore['db'] => (srv.ca.store as SqliteCaStore).db;
const api = (method: string, path: string, body?: unknown, token = adminToken) =>
  call(srv.url, method, path, { ca: root, token, ...(body !== undefined ? { body } : {}) });
const client = (): ConsoleClient => new ConsoleClient(srv.url, root);
const auditActions = (): string[] => (db().prepare('SELECT action FROM audit_log ORDER BY seq').all() as { action: string }[]).map((r) => r.action);

async function signedIn(token = adminToken): Promise<ConsoleClient> {
  const c = client();
  const r = await c.signIn(token);
  expect(r.status, r.body).toBe(303);
  expect(r.location).toBe('/ui/');
  secrets.push(c.cookies.get('__Host-rapki_session')!);
  expect((await c.get('/ui/')).status).toBe(200); // the session's form token
  return c;
}

async function enroll(subject: string, sans: string[] = [], opensslSans: string[] = []): Promise<{ serial: string }> {
  const t = await api('POST', '/v1/admin/tokens', { subject, sans });
  expect(t.status).toBe(201);
  const k = opensslCsr(tmp, `${subject}-${Math.random().toString(36).slice(2)}`, `/CN=${subject}`, opensslSans);
  const r = await call(srv.url, 'POST', '/v1/enroll', { ca: root, body: { token: t.json.token, csr: k.csr } });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return { serial: r.json.serial as string };
}

beforeAll(async () => {
  ensureConsoleAssets();
  tmp = mkdtempSync(join(tmpdir(), 'rapki-ui-http-'));
  const init = await initCa({ dir: join(tmp, 'ca'), passphrase: TEST_PASSPHRASE, keyEncryption: FAST_KDF, clock: clock.now });
  adminToken = init.adminToken;
  adminTokenId = sha256(adminToken).slice(0, 16);
  secrets.push(adminToken);
  root = readFileSync(init.root, 'utf8');
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logText += chunk.toString();
      cb();
    },
  });
  srv = await startCaServer({
    dir: join(tmp, 'ca'),
    listen: '127.0.0.1:0',
    env: { RAPKI_CA_PASSPHRASE: TEST_PASSPHRASE },
    clock: clock.now,
    x509Worker: false,
    log: createLogger({ level: 'debug', destination: sink }),
    // The injected clock stands still between steps, so the admin bucket (shared with /ui) would not refill.
    rateLimits: { admin: { ratePerSecond: 1000, burst: 100_000 } },
  });
}, 60_000);

afterAll(async () => {
  await srv?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('console: sign-in and sessions', () => {
  it('without a session every page sends to the sign-in page, with the console CSP and no caching', async () => {
    const c = client();
    for (const p of ['/ui/', '/ui/certificates', '/ui/tokens', '/ui/audit', '/ui/rotation', '/ui/hosts/web-1']) {
      const r = await c.get(p);
      expect([p, r.status, r.location]).toEqual([p, 303, '/ui/sign-in']);
      expect(r.headers['content-security-policy']).toBe(CONSOLE_CSP);
    }
    const s = await c.get('/ui/sign-in');
    expect(s.status).toBe(200);
    expect(s.headers['cache-control']).toBe('no-store');
    expect(s.headers['x-frame-options']).toBe('DENY');
    expect(s.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(s.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*|http:|https:/);
    expect(s.body).toMatch(/<label for="token">Admin token<\/label>/);
    expect(s.body).toContain('>Sign in</button>');
    expect(s.body).not.toMatch(/<script>|<style>| style="| on[a-z]+="/);
    expect(s.setCookies.find((x) => x.startsWith('__Host-rapki_sign_in='))).toMatch(/; Path=\/; Secure; HttpOnly; SameSite=Strict; Max-Age=3600$/);
  });

  it('a wrong, malformed or admin-shaped-but-unknown token gets a clear message and no session', async () => {
    for (const wrong of [`rapki_at_${'B'.repeat(43)}`, 'hello', `rapki_et_${'C'.repeat(43)}`, `${adminToken}x`]) {
      const c = client();
      const r = await c.signIn(wrong);
      expect(r.status).toBe(401);
      expect(r.body).toContain('That token was not accepted: it is unknown, expired or revoked.');
      expect(r.body).toContain('role="alert"');
      expect(r.setCookies.some((x) => x.startsWith('__Host-rapki_session='))).toBe(false);
      expect((await c.get('/ui/')).location).toBe('/ui/sign-in');
    }
    expect(db().prepare('SELECT count(*) AS n FROM ui_sessions').get()).toEqual({ n: 0 });
  });

  it('sign-in is refused without its form cookie or from another origin (login CSRF), even with the right token', async () => {
    const noCookie = client();
    const r1 = await noCookie.post('/ui/sign-in', { token: adminToken, _csrf: 'x'.repeat(43) }, { csrf: null });
    expect(r1.status).toBe(403);
    const c = client();
    await c.get('/ui/sign-in');
    expect((await c.post('/ui/sign-in', { token: adminToken }, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await c.post('/ui/sign-in', { token: adminToken }, { origin: null })).status).toBe(403);
    expect(db().prepare('SELECT count(*) AS n FROM ui_sessions').get()).toEqual({ n: 0 });
  });

  it('a session: HttpOnly Secure SameSite=Strict __Host- cookie, only its SHA-256 stored, audited sign-in via ui with the token id', async () => {
    const c = client();
    const r = await c.signIn(adminToken);
    expect(r.status).toBe(303);
    const cookie = r.setCookies.find((x) => x.startsWith('__Host-rapki_session='))!;
    expect(cookie).toMatch(/^__Host-rapki_session=rapki_cs_[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Strict; Max-Age=28800$/);
    const sid = c.cookies.get('__Host-rapki_session')!;
    secrets.push(sid);
    const rows = db().prepare('SELECT * FROM ui_sessions').all() as Record<string, unknown>[];
    expect(rows.map((x) => x.id_hash)).toContain(sha256(sid));
    expect(JSON.stringify(rows)).not.toContain(sid);
    expect(rows.find((x) => x.id_hash === sha256(sid))).toMatchObject({ admin_token_id: adminTokenId });
    const last = db().prepare("SELECT actor, details FROM audit_log WHERE action = 'console.sign_in' ORDER BY seq DESC LIMIT 1").get() as {
      actor: string;
      details: string;
    };
    expect(last.actor).toBe(`admin:initial via=ui token=${adminTokenId}`);
    expect(JSON.parse(last.details).session).toBe(sha256(sid).slice(0, 16));
    for (const [p, title] of [
      ['/ui/', 'Overview'],
      ['/ui/certificates', 'Certificates'],
      ['/ui/tokens', 'Tokens'],
      ['/ui/audit', 'Audit'],
      ['/ui/rotation', 'Rotation'],
    ] as const) {
      const page = await c.get(p);
      expect([p, page.status]).toEqual([p, 200]);
      expect(page.body).toContain(`<h1>${title}</h1>`);
      expect(page.body).toContain('aria-current="page"');
      expect(page.body).not.toContain(adminToken);
    }
  });

  it('idle timeout: a session unused for 15 minutes ends (and is deleted); use keeps it alive', async () => {
    const c = await signedIn();
    clock.advance(14 * MIN);
    expect((await c.get('/ui/')).status).toBe(200);
    clock.advance(14 * MIN);
    expect((await c.get('/ui/')).status).toBe(200);
    clock.advance(15 * MIN + 1000);
    const r = await c.get('/ui/');
    expect([r.status, r.location]).toEqual([303, '/ui/sign-in?ended=expired']);
    expect(r.setCookies.some((x) => /^__Host-rapki_session=;.*Max-Age=0/.test(x))).toBe(true);
    expect((await c.get('/ui/sign-in?ended=expired')).body).toContain('Your session has ended; sign in again.');
  });

  it('absolute lifetime: a session in constant use still ends 8 hours after sign-in', async () => {
    const c = await signedIn();
    const sid = c.cookies.get('__Host-rapki_session')!;
    for (let t = 0; t < 8 * 60 - 10; t += 10) {
      clock.advance(10 * MIN);
      expect((await c.get('/ui/audit')).status).toBe(200);
    }
    clock.advance(11 * MIN);
    expect((await c.get('/ui/audit')).location).toBe('/ui/sign-in?ended=expired');
    expect(db().prepare('SELECT count(*) AS n FROM ui_sessions WHERE id_hash = ?').get(sha256(sid))).toEqual({ n: 0 });
  });

  it('sign-out ends the session on the server: the old cookie no longer works', async () => {
    const c = await signedIn();
    const sid = c.cookies.get('__Host-rapki_session')!;
    const out = await c.post('/ui/sign-out', {});
    expect([out.status, out.location]).toEqual([303, '/ui/sign-in?signed_out=1']);
    expect(db().prepare('SELECT count(*) AS n FROM ui_sessions WHERE id_hash = ?').get(sha256(sid))).toEqual({ n: 0 });
    const replay = client();
    replay.cookies.set('__Host-rapki_session', sid);
    expect((await replay.get('/ui/')).location).toBe('/ui/sign-in?ended=unknown');
    expect(auditActions().at(-1)).toBe('console.sign_out');
  });

  it('revoking (or expiry of) the admin token ends its console sessions at the next request', async () => {
    const t = await api('POST', '/v1/admin/admin-tokens', { name: 'second', role: 'admin' });
    expect(t.status).toBe(201);
    secrets.push(t.json.token);
    const c = await signedIn(t.json.token);
    expect((await c.get('/ui/')).status).toBe(200);
    expect((await api('POST', `/v1/admin/admin-tokens/${t.json.id}/revoke`, {})).status).toBe(200);
    expect((await c.get('/ui/')).location).toBe('/ui/sign-in?ended=token_ended');
    const short = await api('POST', '/v1/admin/admin-tokens', { name: 'short', role: 'admin', ttl: '10m' });
    secrets.push(short.json.token);
    const c2 = await signedIn(short.json.token);
    clock.advance(10 * MIN + 1000);
    expect((await c2.get('/ui/')).location).toBe('/ui/sign-in?ended=token_ended');
  });
});

describe('console: CSRF', () => {
  it('a state-changing request without the session token, with another token, from another origin, or cross-site is refused (403 csrf_failed) and changes nothing', async () => {
    const c = await signedIn();
    await c.get('/ui/tokens');
    const before = auditActions().filter((a) => a === 'token.create').length;
    const attempts = [
      await c.post('/ui/tokens', { subject: 'forged-1' }, { csrf: null }),
      await c.post('/ui/tokens', { subject: 'forged-2' }, { csrf: 'A'.repeat(43) }),
      await c.post('/ui/tokens', { subject: 'forged-3' }, { origin: 'https://evil.example' }),
      await c.post('/ui/tokens', { subject: 'forged-4' }, { origin: null }),
      await c.post('/ui/tokens', { subject: 'forged-5' }, { headers: { 'sec-fetch-site': 'cross-site' } }),
      await c.post('/ui/sign-out', {}, { csrf: null }),
    ];
    for (const r of attempts) {
      expect(r.status).toBe(403);
      expect(r.body).toContain('csrf_failed');
    }
    expect(auditActions().filter((a) => a === 'token.create')).toHaveLength(before);
    // Another session's token does not fit this session.
    const other = await signedIn();
    await other.get('/ui/tokens');
    expect((await c.post('/ui/tokens', { subject: 'forged-6' }, { csrf: other.csrf! })).status).toBe(403);
    // The control: the same request with this session's token and origin works.
    const ok = await c.post('/ui/tokens', { subject: 'real-1' });
    expect(ok.status).toBe(201);
    expect(auditActions().filter((a) => a === 'token.create')).toHaveLength(before + 1);
    expect((await c.get('/ui/')).status).toBe(200); // the refused sign-out did not end the session
  });
});

describe('console: what it shows and does', () => {
  it('creates an enrollment token (shown once with the enroll command) recorded as via=ui with the token id', async () => {
    const c = await signedIn();
    await c.get('/ui/tokens');
    const r = await c.post('/ui/tokens', { subject: 'web-9', sans: 'dns:web-9.example\nip:10.0.0.9', ttl: '15m', certTtl: '2d' });
    expect(r.status).toBe(201);
    const token = /id="enroll-token" type="text" readonly value="(rapki_et_[A-Za-z0-9_-]{43})"/.exec(r.body)![1]!;
    secrets.push(token);
    expect(r.body).toContain(`RAPKI_ENROLL_TOKEN=&#39;${token}&#39; rapki enroll --ca-url ${srv.url} --ca-fingerprint ${srv.fingerprint} --out /etc/rapki`);
    const info = await call(srv.url, 'POST', '/v1/enroll/info', { ca: root, body: { token } });
    expect(info.json).toMatchObject({ subject: 'web-9', sans: ['dns:web-9.example', 'ip:10.0.0.9'], certTtl: 172800 });
    const rec = db().prepare("SELECT actor, details FROM audit_log WHERE action = 'token.create' ORDER BY seq DESC LIMIT 1").get() as {
      actor: string;
      details: string;
    };
    expect(parseActor(rec.actor)).toEqual({ who: 'admin:initial', via: 'ui', tokenId: adminTokenId });
    expect(JSON.parse(rec.details)).toMatchObject({ subject: 'web-9', tokenId: sha256(token).slice(0, 16) });
    // The page after is a plain GET: the token is not shown again.
    expect((await c.get('/ui/tokens')).body).not.toContain(token);
    // Bad input is shown on the form, with what was typed, and creates nothing.
    const bad = await c.post('/ui/tokens', { subject: 'web-10', sans: 'web-10.example' });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('must be dns:NAME, ip:ADDRESS, uri:URI or email:ADDRESS');
    expect(bad.body).toContain('value="web-10"');
  });

  it('search finds a certificate by host, SAN, and its serial in every form people paste', async () => {
    const { serial } = await enroll('db-7', ['dns:db-7.internal', 'ip:10.1.2.3'], ['DNS:db-7.internal', 'IP:10.1.2.3']);
    await enroll('db-8');
    const c = await signedIn();
    const colons = serial.match(/../g)!.join(':').toUpperCase();
    const decimal = BigInt(`0x${serial}`).toString(10);
    for (const q of ['db-7', 'DB-7', 'db-7.internal', 'dns:db-7.int', '10.1.2', serial, colons, `serial=${serial.toUpperCase()}`, decimal, ` ${colons} `]) {
      const r = await c.get(`/ui/certificates?q=${encodeURIComponent(q)}`);
      expect([q, r.status]).toEqual([q, 200]);
      expect(r.body, q).toContain(`id="s-${serial}"`);
      expect(r.body, q).not.toContain('<a href="/ui/hosts/db-8">');
    }
    const none = await c.get('/ui/certificates?q=nothing-like-this');
    expect(none.body).toContain('No certificates match.');
    expect((await c.get(`/ui/certificates?status=revoked&q=${serial}`)).body).toContain('No certificates match.');
  });

  it('revoke through the form: audited via=ui, the CRL (checked by openssl) lists the serial, the host page shows it', async () => {
    const { serial } = await enroll('app-3');
    const c = await signedIn();
    await c.get(`/ui/certificates?q=${serial}`);
    const r = await c.post(`/ui/certificates/${serial}/revoke`, { reason: 'keyCompromise' });
    expect(r.status).toBe(303);
    expect(r.location).toMatch(new RegExp(`^/ui/hosts/app-3\\?done=revoked&serial=${serial}&crl=\\d+#s-${serial}$`));
    const host = await c.get(r.location!.replace(/#.*/, ''));
    expect(host.body).toContain(`Certificate ${serial} revoked.`);
    expect(host.body).toMatch(new RegExp(`id="s-${serial}"[\\s\\S]*?badge-revoked`));
    const crl = await call(srv.url, 'GET', '/v1/crl', { ca: root });
    const crlFile = join(tmp, 'crl.der');
    writeFileSync(crlFile, crl.body);
    const text = openssl(['crl', '-inform', 'DER', '-in', crlFile, '-noout', '-text']);
    expect(text.ok).toBe(true);
    expect(text.out.replace(/\s+/g, ' ')).toContain(`Serial Number: ${serial.toUpperCase()} Revocation Date`);
    expect(text.out).toContain('Key Compromise');
    const rec = db().prepare("SELECT actor, details FROM audit_log WHERE action = 'certificate.revoke' ORDER BY seq DESC LIMIT 1").get() as {
      actor: string;
      details: string;
    };
    expect(rec.actor).toBe(`admin:initial via=ui token=${adminTokenId}`);
    expect(JSON.parse(rec.details)).toEqual({ serial, host: 'app-3', reason: 'keyCompromise' });
    const audit = await c.get('/ui/audit?action=certificate.revoke');
    expect(audit.body).toContain('via: ui');
    expect(audit.body).toContain(serial);
  });

  it('revoke host blocks it; unblock lets it enroll again; the audit chain verifies from the page with its head', async () => {
    await enroll('batch-1');
    const c = await signedIn();
    await c.get('/ui/hosts/batch-1');
    const r = await c.post('/ui/hosts/batch-1/revoke', { reason: 'cessationOfOperation' });
    expect(r.location).toMatch(/^\/ui\/hosts\/batch-1\?done=host-revoked&n=1&crl=\d+$/);
    const page = await c.get(r.location!);
    expect(page.body).toContain('This host cannot enroll or renew.');
    expect(page.body).toContain('>Unblock</button>');
    const t = await api('POST', '/v1/admin/tokens', { subject: 'batch-1', sans: [] });
    const k = opensslCsr(tmp, 'batch-1-again', '/CN=batch-1', []);
    expect((await call(srv.url, 'POST', '/v1/enroll', { ca: root, body: { token: t.json.token, csr: k.csr } })).json.code).toBe('host_blocked');
    const u = await c.post('/ui/hosts/batch-1/unblock', {});
    expect(u.location).toBe('/ui/hosts/batch-1?done=unblocked');
    expect((await call(srv.url, 'POST', '/v1/enroll', { ca: root, body: { token: t.json.token, csr: k.csr } })).status).toBe(201);
    const v = await c.get('/ui/audit/verify');
    const head = db().prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string };
    expect(v.body).toContain('The audit chain is intact');
    expect(v.body).toContain(`value="${head.seq}:${head.hash}"`);
  });

  it('an operator sees and does only what the API lets an operator do', async () => {
    const op = await api('POST', '/v1/admin/admin-tokens', { name: 'night-shift', role: 'operator' });
    secrets.push(op.json.token);
    const { serial } = await enroll('op-target');
    const c = await signedIn(op.json.token);
    const overview = await c.get('/ui/');
    expect(overview.status).toBe(200);
    expect(overview.body).toContain('badge-operator');
    expect(overview.body).toContain('Visible to admin tokens only.');
    const certs = await c.get(`/ui/certificates?q=${serial}`);
    expect(certs.body).toContain(`id="s-${serial}"`);
    expect(certs.body).not.toContain('data-open-dialog');
    expect(certs.body).not.toContain('revoke-cert-dialog');
    const host = await c.get('/ui/hosts/op-target');
    expect(host.body).not.toContain('Revoke host');
    const tokens = await c.get('/ui/tokens');
    expect(tokens.body).toContain('Create token');
    expect(tokens.body).not.toContain('Admin tokens');
    // Admin-only actions, even with a valid CSRF token of this session: 403 forbidden, nothing done.
    for (const [method, path, fields] of [
      ['GET', '/ui/rotation', {}],
      ['POST', `/ui/certificates/${serial}/revoke`, { reason: 'keyCompromise' }],
      ['POST', '/ui/hosts/op-target/revoke', {}],
      ['POST', '/ui/hosts/op-target/unblock', {}],
      ['POST', `/ui/admin-tokens/${adminTokenId}/revoke`, {}],
      ['POST', '/ui/rotation/start', {}],
      ['POST', '/ui/rotation/finish', {}],
      ['POST', '/ui/rotation/abort', {}],
    ] as const) {
      const r = method === 'GET' ? await c.get(path) : await c.post(path, fields);
      expect([method, path, r.status]).toEqual([method, path, 403]);
      expect(r.body).toContain('This admin token may not do that.');
    }
    expect((await api('GET', `/v1/admin/certificates?host=op-target`)).json.certificates[0].status).toBe('active');
    // What an operator may do: mint an enrollment token.
    expect((await c.post('/ui/tokens', { subject: 'op-made' })).status).toBe(201);
    const rec = db().prepare("SELECT actor FROM audit_log WHERE action = 'token.create' ORDER BY seq DESC LIMIT 1").get() as { actor: string };
    expect(rec.actor).toBe(`operator:night-shift via=ui token=${sha256(op.json.token).slice(0, 16)}`);
  });

  it('rotation from the console: an emergency start needs the CA name typed; start and abort are audited via=ui', async () => {
    const c = await signedIn();
    const page = await c.get('/ui/rotation');
    expect(page.body).toContain('data-confirm-name="rapki Root CA"');
    const wrong = await c.post('/ui/rotation/start', { emergency: 'yes', confirmName: 'rapki Root' });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('type the CA&#39;s name exactly: rapki Root CA. Nothing was changed.');
    expect(srv.ca.rotation.manager.state()).toBeUndefined();
    const started = await c.post('/ui/rotation/start', {});
    expect(started.status, started.body.slice(0, 2000)).toBe(200);
    expect(started.body).toContain('Rotation started.');
    expect(srv.ca.rotation.manager.state()?.phase).toBe('active');
    expect(started.body).toContain('>Finish rotation</button>');
    // Leaves of the old CA are still valid: finish without force is refused with its rotation code, as a notice.
    const finish = await c.post('/ui/rotation/finish', {});
    expect(finish.status).toBe(409);
    expect(finish.body).toContain('rotation_not_drained');
    // The new CA issued nothing yet: abort completes at once; a second abort has nothing to abort.
    const aborted = await c.post('/ui/rotation/abort', {});
    expect(aborted.status).toBe(200);
    expect(aborted.body).toContain('Rotation aborted.');
    expect(srv.ca.rotation.manager.state()).toBeUndefined();
    const again = await c.post('/ui/rotation/abort', {});
    expect(again.status).toBe(409);
    expect(again.body).toContain('rotation_not_started');
    const actors = db().prepare("SELECT DISTINCT actor FROM audit_log WHERE action LIKE 'rotation.%'").all() as { actor: string }[];
    expect(actors).toEqual([{ actor: `admin:initial via=ui token=${adminTokenId}` }]);
  });

  it('names are escaped: a subject holding markup is refused by the name policy and shown back as text', async () => {
    const c = await signedIn();
    await c.get('/ui/tokens');
    const evil = '<img src=x onerror=alert(1)>';
    // The name policy (docs/ca-api.md "Names") refuses it; the page shows the reason and the
    // submitted value back, escaped.
    const r = await c.post('/ui/tokens', { subject: evil });
    expect(r.status).toBe(400);
    expect(r.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(r.body).not.toContain(evil);
    // A search term is shown back too.
    const search = await c.get(`/ui/certificates?q=${encodeURIComponent(evil)}`);
    expect(search.status).toBeLessThan(500);
    expect(search.body).not.toContain(evil);
    const audit = await c.get('/ui/audit?action=token.create');
    expect(audit.body).not.toContain(evil);
  });

  it('hostile or wrong input gets a 4xx page, never a 5xx', async () => {
    const c = await signedIn();
    const cases: [string, number][] = [
      ['/ui/no-such-page', 404],
      ['/ui/hosts/%zz', 400],
      ['/ui/hosts/never-enrolled', 404],
      ['/ui/certificates?status=bogus', 400],
      ['/ui/certificates?sort=bogus', 400],
      ['/ui/certificates?issuer=zz', 400],
      ['/ui/certificates?cursor=bm9wZQ', 400],
      ['/ui/certificates?q=a&q=b', 400],
      [`/ui/certificates?q=${'x'.repeat(201)}`, 400],
      ['/ui/certificates?unknown=1', 400],
      ['/ui/audit?from=yesterday', 400],
      ['/ui/audit?before=-1', 400],
      ['/ui/audit?action=%3Cscript%3E', 400],
      ['/ui/assets/0000000000000000/console.js', 404],
      ['/ui/assets/x/../../v1/ca', 404],
    ];
    for (const [p, status] of cases) {
      const r = await c.get(p);
      expect([p, r.status]).toEqual([p, status]);
      expect(r.headers['content-type']).toMatch(/^text\/html/);
      expect(r.body).toContain('role="alert"');
    }
    const wrongMethod = await c.post('/ui/certificates', {});
    expect(wrongMethod.status).toBe(405);
    const json = await c.post('/ui/tokens', {}, { headers: { 'content-type': 'application/json' } });
    expect(json.status).toBe(403); // no form fields: no CSRF token either
    const many = await c.post('/ui/tokens', Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`f${i}`, 'x'])));
    expect(many.status).toBeLessThan(500);
    expect((await c.post(`/ui/certificates/not-a-serial/revoke`, {})).status).toBe(400);
    expect((await c.post(`/ui/certificates/0a0b0c/revoke`, {})).status).toBe(404);
    expect((await c.post('/ui/tokens', { subject: 'x', ttl: '99y' })).status).toBe(400);
  });

  it('the server log holds no admin token, session id or enrollment token', () => {
    expect(logText).toContain('console sign-in');
    expect(logText).toContain('"route":"/ui/tokens"');
    expect(secrets.length).toBeGreaterThan(10);
    for (const s of secrets) expect(logText.includes(s), `secret ${s.slice(0, 12)}… in the log`).toBe(false);
  });
});

describe('console: --no-ui', () => {
  it('turns the console off: /ui/ is a plain 404 of the API', async () => {
    const dir = join(tmp, 'ca-no-ui');
    await initCa({ dir, passphrase: TEST_PASSPHRASE, keyEncryption: FAST_KDF });
    const off = await startCaServer({
      dir,
      listen: '127.0.0.1:0',
      env: { RAPKI_CA_PASSPHRASE: TEST_PASSPHRASE },
      x509Worker: false,
      log: createLogger({ level: 'silent' }),
      console: { enabled: false },
    });
    try {
      const rootOff = readFileSync(join(dir, 'root.pem'), 'utf8');
      for (const p of ['/ui/', '/ui/sign-in', '/ui/assets/x/console.js']) {
        const r = await call(off.url, 'GET', p, { ca: rootOff });
        expect([p, r.status, r.json]).toEqual([p, 404, { code: 'not_found', message: 'No such route.' }]);
      }
    } finally {
      await off.close();
    }
  });
});
