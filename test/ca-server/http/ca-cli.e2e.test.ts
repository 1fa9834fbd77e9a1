/**
 * `rapki ca init` and `rapki ca serve` as real child processes (needs `npm run build`).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRapki, startCaServerProcess, TEST_CA_PASSPHRASE, ensureBuilt, type CaServerProcess } from '../../support/ca-server.js';
import { call, openssl, opensslCsr } from './client.js';

ensureBuilt();
const tmp = mkdtempSync(join(tmpdir(), 'rapki-cacli-'));
const servers: CaServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  rmSync(tmp, { recursive: true, force: true });
});
const env = { RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE };

describe('rapki ca init', () => {
  it('creates a private directory and a store holding the encrypted key, a lint-clean root; prints JSON once; refuses to overwrite', async () => {
    const dir = join(tmp, 'a');
    const r = runRapki(['ca', 'init', '--dir', dir, '--json', '--subject', 'CN=Example Root,O=Example'], env);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { adminToken: string; fingerprint: string; root: string };
    expect(Object.keys(out).sort()).toEqual(['adminToken', 'fingerprint', 'root']);
    expect(out.adminToken).toMatch(/^rapki_at_[A-Za-z0-9_-]{43}$/);
    expect(out.root).toBe(join(dir, 'root.pem'));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(dir)) expect([f, statSync(join(dir, f)).mode & 0o777]).toEqual([f, 0o600]);
    // The directory holds the store, its pointer and a copy of the root; the key is in the store, encrypted.
    expect(
      readdirSync(dir)
        .filter((f) => !f.startsWith('ca.db-'))
        .sort(),
    ).toEqual(['ca.db', 'ca.json', 'root.pem']);
    const { openStore } = await import('../../../ca-server/src/store/open-store.js');
    const st = await openStore({ location: { backend: 'sqlite', file: join(dir, 'ca.db'), display: 'sqlite:test' }, mustExist: true });
    try {
      const key = (await st.store.getCaKey(out.fingerprint))!;
      expect(key.kind).toBe('encrypted');
      expect(key.value).toContain('BEGIN RAPKI ENCRYPTED PRIVATE KEY');
      expect(key.value).not.toContain('PRIVATE KEY-----\nMI');
      expect((await st.store.getCaState()).config).toMatchObject({ rootId: out.fingerprint, subject: 'CN=Example Root,O=Example' });
    } finally {
      await st.close();
    }
    const fp = openssl(['x509', '-in', out.root, '-noout', '-fingerprint', '-sha256']).out;
    expect(fp.split('=')[1]!.trim().replace(/:/g, '').toLowerCase()).toBe(out.fingerprint);
    const text = openssl(['x509', '-in', out.root, '-noout', '-text']).out;
    expect(text).toMatch(/CA:TRUE/);
    expect(text).toContain('Certificate Sign');
    // RFC 4514 lists RDNs last-first, so openssl (DER order) prints O before CN.
    expect(text).toContain('Subject: O = Example, CN = Example Root');
    expect(readFileSync(join(dir, 'ca.db')).toString('latin1')).not.toContain(out.adminToken);
    const again = runRapki(['ca', 'init', '--dir', dir], env);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('ca_exists');
  });

  it('refuses to run without a passphrase', () => {
    const r = runRapki(['ca', 'init', '--dir', join(tmp, 'nopass')], { RAPKI_CA_PASSPHRASE: '' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('passphrase_required');
    expect(existsSync(join(tmp, 'nopass', 'ca.json'))).toBe(false);
  });

  it('--intermediate with RSA-3072: root → intermediate chain verifies with openssl', () => {
    const dir = join(tmp, 'inter');
    const r = runRapki(['ca', 'init', '--dir', dir, '--key-type', 'rsa-3072', '--intermediate'], env);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Admin token of this CA, shown only now.*\n\nrapki_at_[A-Za-z0-9_-]{43}\n\n/);
    const v = openssl(['verify', '-CAfile', join(dir, 'root.pem'), join(dir, 'intermediate.pem')]);
    expect(v.out).toContain(': OK');
    expect(openssl(['x509', '-in', join(dir, 'intermediate.pem'), '-noout', '-text']).out).toMatch(/pathlen:0/);
  });
});

describe('rapki ca serve', () => {
  it('prints the listening line, serves, refuses a wrong passphrase, and shuts down on SIGTERM', async () => {
    const s = await startCaServerProcess();
    servers.push(s);
    const ca = readFileSync(s.rootPem, 'utf8');
    const h = await call(s.url, 'GET', '/healthz', { ca });
    expect(h.status).toBe(200);
    expect(s.stderr()).toContain('"msg":"rapki CA listening"');
    // Enroll, restart the process, and find everything again.
    const t = await call(s.url, 'POST', '/v1/admin/tokens', { ca, token: s.adminToken, body: { subject: 'proc-1' } });
    const k = opensslCsr(tmp, 'proc-1', '/CN=proc-1', []);
    const e = await call(s.url, 'POST', '/v1/enroll', { ca, body: { token: t.json.token, csr: k.csr } });
    expect(e.status).toBe(201);
    const s2 = await s.restart();
    servers.push(s2);
    const list = await call(s2.url, 'GET', '/v1/admin/certificates?host=proc-1', { ca, token: s.adminToken });
    expect(list.json.certificates.map((c: { serial: string }) => c.serial)).toEqual([e.json.serial]);
    expect(s2.stderr()).not.toContain(s.adminToken);
    expect(await s2.stop()).toBe(0);
    const wrong = runRapki(['ca', 'serve', '--dir', s.dir, '--listen', '127.0.0.1:0'], { RAPKI_CA_PASSPHRASE: 'wrong' });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('passphrase_invalid');
    const none = runRapki(['ca', 'serve', '--dir', join(tmp, 'empty'), '--listen', '127.0.0.1:0'], env);
    expect(none.stderr).toContain('ca_not_found');
  });

  it('--init-if-missing without a passphrase creates the CA with a generated passphrase file (0600) and prints the admin token once', async () => {
    const dir = join(tmp, 'fresh', 'ca');
    const s = await startCaServerProcess({ dir, env: { RAPKI_CA_PASSPHRASE: '' }, extraArgs: ['--init-if-missing'] });
    servers.push(s);
    expect(statSync(join(dir, 'passphrase')).mode & 0o777).toBe(0o600);
    const m = /Admin token of this CA, shown only now.*\n\n(rapki_at_[A-Za-z0-9_-]{43})\n\n/.exec(s.stderr());
    expect(m).not.toBeNull();
    expect(s.stderr()).toContain('NO PASSPHRASE GIVEN');
    const ca = readFileSync(join(dir, 'root.pem'), 'utf8');
    const r = await call(s.url, 'POST', '/v1/admin/tokens', { ca, token: m![1]!, body: { subject: 'x' } });
    expect(r.status).toBe(201);
    const s2 = await s.restart();
    servers.push(s2);
    expect(s2.stderr()).not.toContain('Admin token of this CA');
    expect(s2.fingerprint).toBe(s.fingerprint);
  });
});
