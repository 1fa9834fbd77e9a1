/**
 * Expiry of admin and enrollment tokens over real HTTPS on 127.0.0.1:0, with the server's clock
 * injected and moved (docs/ca-api.md "Admin tokens", docs/security.md C24): no test waits for a
 * token to expire. The process tests check that a ttl given to the real server and CLI reaches the
 * token (test/ca-server/http/admin-tokens.e2e.test.ts, test/cli/ca/admin-token.e2e.test.ts,
 * test/security/admin-token-lifecycle.e2e.test.ts, test/security/enrollment-controls.e2e.test.ts); this file
 * checks what happens when it runs out.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initCa } from '../../../ca-server/src/init.js';
import { silentLogger } from '../../../ca-server/src/logger.js';
import { startCaServer, type RunningCaServer } from '../../../ca-server/src/serve.js';
import { FAST_KDF, TEST_PASSPHRASE, TestClock } from '../authority/fixtures.js';
import { call, opensslCsr, type Resp } from './client.js';

describe('token expiry over HTTPS (moved clock)', () => {
  let tmp: string;
  let srv: RunningCaServer;
  let ca: string;
  let adminToken: string;
  const clock = new TestClock();
  const req = (method: string, path: string, token: string | undefined, body?: unknown): Promise<Resp> =>
    call(srv.url, method, path, { ca, ...(token ? { token } : {}), ...(body !== undefined ? { body } : {}) });

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'rapki-token-expiry-'));
    const init = await initCa({ dir: join(tmp, 'ca'), passphrase: TEST_PASSPHRASE, keyEncryption: FAST_KDF, clock: clock.now });
    adminToken = init.adminToken;
    ca = readFileSync(init.root, 'utf8');
    srv = await startCaServer({
      dir: join(tmp, 'ca'),
      listen: '127.0.0.1:0',
      env: { RAPKI_CA_PASSPHRASE: TEST_PASSPHRASE },
      log: silentLogger(),
      clock: clock.now,
    });
  }, 60_000);

  afterAll(async () => {
    await srv?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('an admin token with a ttl works until it ends, then is refused exactly like an unknown token and listed as expired', async () => {
    const unknown = await req('GET', '/v1/admin/certificates', `rapki_at_${'B'.repeat(43)}`);
    expect([unknown.status, unknown.json.code]).toEqual([401, 'unauthorized']);
    const created = await req('POST', '/v1/admin/admin-tokens', adminToken, { name: 'short-lived', role: 'admin', ttl: '2s' });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const t = created.json as { token: string; id: string; expiresAt: string; createdAt: string };
    expect(Date.parse(t.expiresAt) - Date.parse(t.createdAt)).toBe(2000);
    clock.advance(1999);
    expect((await req('GET', '/v1/admin/certificates', t.token)).status).toBe(200);
    clock.advance(1);
    const late = await req('GET', '/v1/admin/certificates', t.token);
    expect([late.status, late.json]).toEqual([401, unknown.json]);
    expect(late.headers['www-authenticate']).toBe(unknown.headers['www-authenticate']);
    const listed = await req('GET', '/v1/admin/admin-tokens', adminToken);
    const row = (listed.json as { adminTokens: { id: string; status: string; revokedAt: string | null }[] }).adminTokens.find((x) => x.id === t.id);
    expect([row?.status, row?.revokedAt]).toEqual(['expired', null]);
  });

  it('an operator token with a ttl stops working when it ends', async () => {
    const t = (await req('POST', '/v1/admin/admin-tokens', adminToken, { name: 'short-op', role: 'operator', ttl: '1s' })).json as { token: string };
    expect((await req('GET', '/v1/admin/certificates', t.token)).status).toBe(200);
    clock.advance(1000);
    expect((await req('GET', '/v1/admin/certificates', t.token)).status).toBe(401);
  });

  it('an enrollment token with a ttl is refused once it ends (token_expired), and works before', async () => {
    const mk = async (subject: string): Promise<string> => {
      const r = await req('POST', '/v1/admin/tokens', adminToken, { subject, ttl: '1s' });
      expect(r.status, JSON.stringify(r.json)).toBe(201);
      return r.json.token as string;
    };
    const early = await mk('early-host');
    const late = await mk('late-host');
    clock.advance(999);
    expect((await req('POST', '/v1/enroll', undefined, { token: early, csr: opensslCsr(tmp, 'early', '/CN=early-host', []).csr })).status).toBe(201);
    clock.advance(1);
    const refused = await req('POST', '/v1/enroll', undefined, { token: late, csr: opensslCsr(tmp, 'late', '/CN=late-host', []).csr });
    expect([refused.status, refused.json.code]).toEqual([401, 'token_expired']);
  });
});
