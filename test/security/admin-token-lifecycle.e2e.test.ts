/**
 * Control C24 of docs/security.md (formerly known gap 1): a stolen or leaked admin token can be
 * found, expired and revoked through the API, without editing `ca.db`; a revoked or expired token
 * is refused exactly like an unknown one; the last admin token cannot be revoked (lock-out).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCaServerProcess, type CaServerProcess } from '../support/ca-server.js';
import { caRequest, postJson, type CaAnswer } from './helpers/https.js';

describe('C24: admin token lifecycle (closed gap 1)', () => {
  let ca: CaServerProcess;
  let root: string;
  const get = (path: string, bearer: string) => caRequest(ca.url, path, { ca: root, headers: { authorization: `Bearer ${bearer}` } });
  const answer = (a: CaAnswer) => ({ status: a.status, body: a.body, auth: a.headers['www-authenticate'] });

  beforeAll(async () => {
    ca = await startCaServerProcess();
    root = readFileSync(ca.rootPem, 'utf8');
  }, 60_000);

  afterAll(async () => {
    await ca?.dispose();
  });

  it('a leaked admin token is seen in the list (by id and last use), revoked over the API, then refused like an unknown token', async () => {
    const leaked = JSON.parse((await postJson(ca.url, '/v1/admin/admin-tokens', root, { name: 'ci', role: 'admin' }, ca.adminToken)).body) as {
      token: string;
      id: string;
    };
    expect((await get('/v1/admin/certificates', leaked.token)).status).toBe(200); // the thief uses it
    const listed = await get('/v1/admin/admin-tokens', ca.adminToken);
    expect(listed.status).toBe(200);
    expect(listed.body).not.toContain(leaked.token);
    expect(listed.body).not.toContain(createHash('sha256').update(leaked.token).digest('hex'));
    const row = (JSON.parse(listed.body) as { adminTokens: { id: string; lastUsedAt: string | null; status: string }[] }).adminTokens.find(
      (t) => t.id === leaked.id,
    );
    expect(row).toMatchObject({ status: 'active', lastUsedAt: expect.stringMatching(/^\d{4}-/) });

    const revoked = await postJson(ca.url, `/v1/admin/admin-tokens/${leaked.id}/revoke`, root, {}, ca.adminToken);
    expect(revoked.status, revoked.body).toBe(200);
    const unknown = await get('/v1/admin/certificates', `rapki_at_${'C'.repeat(43)}`);
    expect(unknown.status).toBe(401);
    expect(answer(await get('/v1/admin/certificates', leaked.token))).toEqual(answer(unknown));
    // The thief cannot use the token to mint a successor either.
    expect(answer(await postJson(ca.url, '/v1/admin/admin-tokens', root, { name: 'x', role: 'admin' }, leaked.token))).toMatchObject({ status: 401 });
  });

  // It stops working when the ttl runs out, refused like an unknown token: checked with the
  // server's clock moved, in test/ca-server/http/token-expiry.test.ts.
  it('a token created with a ttl carries its expiry from the server', async () => {
    const t = JSON.parse((await postJson(ca.url, '/v1/admin/admin-tokens', root, { name: 'short', role: 'operator', ttl: '10m' }, ca.adminToken)).body) as {
      token: string;
      createdAt: string;
      expiresAt: string;
    };
    expect(Date.parse(t.expiresAt) - Date.parse(t.createdAt)).toBe(600_000);
    expect((await get('/v1/admin/certificates', t.token)).status).toBe(200);
  });

  it('the last usable admin token cannot be revoked (no lock-out)', async () => {
    const id = createHash('sha256').update(ca.adminToken).digest('hex').slice(0, 16);
    const r = await postJson(ca.url, `/v1/admin/admin-tokens/${id}/revoke`, root, {}, ca.adminToken);
    expect([r.status, (JSON.parse(r.body) as { code: string }).code]).toEqual([409, 'last_admin_token']);
    expect((await get('/v1/admin/admin-tokens', ca.adminToken)).status).toBe(200);
  });
});
