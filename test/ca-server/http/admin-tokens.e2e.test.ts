/**
 * Admin token lifecycle over HTTPS against a real `rapki ca serve` process (docs/ca-api.md
 * "Admin tokens", docs/security.md C24): ttl, revocation, listing without secrets, lock-out
 * protection, operator refusal, audit. Expiry itself: token-expiry.int.test.ts (moved clock).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCaServerProcess, type CaServerProcess } from '../../support/ca-server.js';
import { call, type Resp } from './client.js';

let ca: CaServerProcess;
let root: string;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const req = (method: string, path: string, token: string | undefined, body?: unknown): Promise<Resp> =>
  call(ca.url, method, path, { ca: root, ...(token ? { token } : {}), ...(body !== undefined ? { body } : {}) });
const create = async (name: string, role: string, token: string, ttl?: string) => {
  const r = await req('POST', '/v1/admin/admin-tokens', token, { name, role, ...(ttl ? { ttl } : {}) });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json as { token: string; id: string; name: string; role: string; status: string; createdAt: string; expiresAt: string | null };
};
interface Listed {
  id: string;
  name: string;
  role: string;
  status: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
const list = async (token: string): Promise<Listed[]> => {
  const r = await req('GET', '/v1/admin/admin-tokens', token);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return (r.json as { adminTokens: Listed[] }).adminTokens;
};
/** What an unknown (never issued) token gets: the reference for expired and revoked ones. */
let unknown: Resp;
const refusedLikeUnknown = (r: Resp) => {
  expect(r.status).toBe(401);
  expect(r.json).toEqual(unknown.json);
  expect(r.headers['www-authenticate']).toBe(unknown.headers['www-authenticate']);
};

beforeAll(async () => {
  ca = await startCaServerProcess();
  root = readFileSync(ca.rootPem, 'utf8');
  unknown = await req('GET', '/v1/admin/admin-tokens', `rapki_at_${'B'.repeat(43)}`);
  expect([unknown.status, unknown.json.code]).toEqual([401, 'unauthorized']);
}, 60_000);

afterAll(async () => {
  await ca?.dispose();
});

describe('admin tokens over HTTPS', () => {
  // What happens when the ttl runs out: test/ca-server/http/token-expiry.int.test.ts (moved clock).
  it('a token with ttl works and carries its expiry', async () => {
    const t = await create('short-lived', 'operator', ca.adminToken, '1h');
    expect(t.token).toMatch(/^rapki_at_/);
    expect(t.id).toBe(sha256(t.token).slice(0, 16));
    expect(Date.parse(t.expiresAt!) - Date.parse(t.createdAt)).toBe(3600_000);
    expect((await req('GET', '/v1/admin/certificates', t.token)).status).toBe(200);
    const row = (await list(ca.adminToken)).find((x) => x.id === t.id)!;
    expect([row.status, row.expiresAt, row.revokedAt]).toEqual(['active', t.expiresAt, null]);
  });

  it('a ttl that is malformed or too long is refused', async () => {
    expect((await req('POST', '/v1/admin/admin-tokens', ca.adminToken, { name: 'x', role: 'admin', ttl: '1y' })).json.code).toBe('invalid_request');
    expect((await req('POST', '/v1/admin/admin-tokens', ca.adminToken, { name: 'x', role: 'admin', ttl: '3651d' })).json.code).toBe('ttl_too_long');
  });

  it('a revoked token is refused like an unknown one; revoke is idempotent-safe and checks the id', async () => {
    const t = await create('to-revoke', 'admin', ca.adminToken);
    expect((await req('GET', '/v1/admin/admin-tokens', t.token)).status).toBe(200);
    const r = await req('POST', `/v1/admin/admin-tokens/${t.id}/revoke`, ca.adminToken);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json).toMatchObject({ id: t.id, name: 'to-revoke', status: 'revoked' });
    expect(r.json.revokedAt).toMatch(/^\d{4}-/);
    refusedLikeUnknown(await req('GET', '/v1/admin/admin-tokens', t.token));
    const again = await req('POST', `/v1/admin/admin-tokens/${t.id}/revoke`, ca.adminToken);
    expect([again.status, again.json.code]).toEqual([409, 'admin_token_revoked']);
    const missing = await req('POST', `/v1/admin/admin-tokens/${'0'.repeat(16)}/revoke`, ca.adminToken);
    expect([missing.status, missing.json.code]).toEqual([404, 'admin_token_not_found']);
    const bad = await req('POST', '/v1/admin/admin-tokens/initial/revoke', ca.adminToken);
    expect([bad.status, bad.json.code]).toEqual([400, 'invalid_request']);
  });

  it('the list shows every token with status and last use, never a hash or a secret', async () => {
    const op = await create('lister-op', 'operator', ca.adminToken);
    expect((await req('POST', '/v1/admin/tokens', op.token, { subject: 'h1' })).status).toBe(201);
    const r = await req('GET', '/v1/admin/admin-tokens', ca.adminToken);
    const text = r.body.toString();
    for (const secret of [ca.adminToken, op.token]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(sha256(secret));
      expect(text).not.toContain(sha256(secret).slice(16)); // nothing beyond the public id prefix
    }
    expect(text).not.toMatch(/rapki_at_|"hash"|"token"/);
    const rows = (r.json as { adminTokens: Listed[] }).adminTokens;
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'revokedAt', 'role', 'status']);
      expect(row.id).toMatch(/^[0-9a-f]{16}$/);
    }
    const initial = rows.find((x) => x.name === 'initial')!;
    expect(initial).toMatchObject({ id: sha256(ca.adminToken).slice(0, 16), role: 'admin', status: 'active', expiresAt: null, revokedAt: null });
    expect(initial.lastUsedAt).not.toBeNull();
    const opRow = rows.find((x) => x.id === op.id)!;
    expect(opRow).toMatchObject({ role: 'operator', status: 'active' });
    // Last use is recorded, and not rewritten by a second use within the minute.
    expect(opRow.lastUsedAt).not.toBeNull();
    expect((await req('GET', '/v1/admin/certificates', op.token)).status).toBe(200);
    expect((await list(ca.adminToken)).find((x) => x.id === op.id)!.lastUsedAt).toBe(opRow.lastUsedAt);
  });

  it('an operator may not list, create or revoke admin tokens (403 forbidden)', async () => {
    const op = await create('ops', 'operator', ca.adminToken);
    const initialId = sha256(ca.adminToken).slice(0, 16);
    for (const [m, p, b] of [
      ['GET', '/v1/admin/admin-tokens', undefined],
      ['POST', '/v1/admin/admin-tokens', { name: 'escalate', role: 'admin' }],
      ['POST', `/v1/admin/admin-tokens/${initialId}/revoke`, undefined],
      ['POST', `/v1/admin/admin-tokens/${op.id}/revoke`, undefined],
    ] as const) {
      const r = await req(m, p, op.token, b);
      expect([m, p, r.status, r.json.code]).toEqual([m, p, 403, 'forbidden']);
    }
    // An admin can revoke the operator token.
    expect((await req('POST', `/v1/admin/admin-tokens/${op.id}/revoke`, ca.adminToken)).status).toBe(200);
    refusedLikeUnknown(await req('POST', '/v1/admin/tokens', op.token, { subject: 'h2' }));
  });

  it('the last usable admin-role token cannot be revoked (409 last_admin_token); with a second admin it can', async () => {
    const initialId = sha256(ca.adminToken).slice(0, 16);
    // Only "initial" is usable now: "to-revoke" is revoked, the rest are operators.
    const usableAdmins = (await list(ca.adminToken)).filter((x) => x.role === 'admin' && x.status === 'active');
    expect(usableAdmins.map((x) => x.id)).toEqual([initialId]);
    const refused = await req('POST', `/v1/admin/admin-tokens/${initialId}/revoke`, ca.adminToken);
    expect([refused.status, refused.json.code]).toEqual([409, 'last_admin_token']);
    expect((await req('GET', '/v1/admin/admin-tokens', ca.adminToken)).status).toBe(200);

    const second = await create('second-admin', 'admin', ca.adminToken);
    const ok = await req('POST', `/v1/admin/admin-tokens/${initialId}/revoke`, second.token);
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    refusedLikeUnknown(await req('GET', '/v1/admin/admin-tokens', ca.adminToken));
    const self = await req('POST', `/v1/admin/admin-tokens/${second.id}/revoke`, second.token);
    expect([self.status, self.json.code]).toEqual([409, 'last_admin_token']);

    // Every change is in the audit log, by id, without secrets.
    const audit = await req('GET', '/v1/admin/audit', second.token);
    const recs = (audit.json as { records: { action: string; actor: string; details: Record<string, unknown> }[] }).records;
    const revokes = recs.filter((x) => x.action === 'admin_token.revoke');
    expect(revokes.map((x) => x.details.name)).toEqual(['to-revoke', 'ops', 'initial']);
    expect(revokes.at(-1)).toMatchObject({ actor: 'admin:second-admin', details: { tokenId: initialId, role: 'admin' } });
    const creates = recs.filter((x) => x.action === 'admin_token.create').map((x) => x.details.name);
    expect(creates).toEqual(expect.arrayContaining(['short-lived', 'to-revoke', 'lister-op', 'ops', 'second-admin']));
    expect(recs.find((x) => x.details.name === 'short-lived' && x.action === 'admin_token.create')!.details.expiresAt).toMatch(/^\d{4}-/);
    expect(audit.body.toString()).not.toContain(second.token);
  });

  it('admin tokens survive a restart (revocation included)', async () => {
    ca = await ca.restart();
    refusedLikeUnknown(await req('GET', '/v1/admin/admin-tokens', ca.adminToken));
  }, 30_000);
});
