/**
 * `rapki admin-token create|list|revoke` as child processes against a real `rapki ca serve`:
 * the secret is printed once, a ttl reaches the server, a revoked token is refused, the list carries no
 * secret, the last admin token cannot be revoked, and an operator cannot manage tokens.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCaServerProcess, type CaServerProcess } from '../../support/ca-server.js';
import { runCli } from '../../support/cli.js';

let ca: CaServerProcess;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const env = (token: string) => ({ RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: token });
const rapki = (token: string, ...args: string[]) => runCli(['admin-token', ...args], { env: env(token) });

interface Entry {
  id: string;
  name: string;
  role: string;
  status: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
const listJson = async (token: string): Promise<Entry[]> => {
  const r = await rapki(token, 'list', '--json');
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.out) as { adminTokens: Entry[] }).adminTokens;
};

beforeAll(async () => {
  ca = await startCaServerProcess();
}, 60_000);

afterAll(async () => {
  await ca?.dispose();
});

describe('rapki admin-token', () => {
  // The ttl running out is checked with a moved clock in test/ca-server/http/token-expiry.int.test.ts;
  // how the CLI reports a refused token, with a revoked one below.
  it('create prints only the token on stdout; --ttl reaches the server', async () => {
    const c = await rapki(ca.adminToken, 'create', '--name', 'ci-short', '--role', 'admin', '--ttl', '90m');
    expect(c.code, c.stderr).toBe(0);
    const token = c.out.trim();
    expect(token).toMatch(/^rapki_at_[A-Za-z0-9_-]{43}$/);
    expect(c.out).toBe(`${token}\n`);
    const id = sha256(token).slice(0, 16);
    expect(c.stderr).toContain(`id ${id}`);
    expect(c.stderr).toContain('expires at');
    expect(c.stderr).not.toContain(token);
    const ok = await rapki(token, 'list');
    expect(ok.code, ok.stderr).toBe(0);
    const entry = (await listJson(ca.adminToken)).find((e) => e.id === id);
    expect(entry?.status).toBe('active');
    expect(Date.parse(entry!.expiresAt!) - Date.parse(entry!.createdAt)).toBe(90 * 60_000);
    // Out of the way of the last-admin-token test below.
    expect((await rapki(ca.adminToken, 'revoke', id)).code).toBe(0);
  });

  it('create --json gives the entry and the token; list (table and JSON) shows no secret', async () => {
    const c = await rapki(ca.adminToken, 'create', '--name', 'ops-bot', '--json');
    expect(c.code, c.stderr).toBe(0);
    const created = JSON.parse(c.out) as Entry & { token: string };
    expect(created).toMatchObject({ name: 'ops-bot', role: 'operator', status: 'active', expiresAt: null });
    expect(created.id).toBe(sha256(created.token).slice(0, 16));
    const table = await rapki(ca.adminToken, 'list');
    expect(table.code, table.stderr).toBe(0);
    expect(table.out.split('\n')[0]).toMatch(/^ID\s+NAME\s+ROLE\s+STATUS\s+CREATED\s+EXPIRES\s+LAST USED\s+REVOKED$/);
    expect(table.out).toMatch(new RegExp(`^${created.id}\\s+ops-bot\\s+operator\\s+active\\s`, 'm'));
    expect(table.out).toMatch(new RegExp(`^${sha256(ca.adminToken).slice(0, 16)}\\s+initial\\s+admin\\s+active\\s+\\S+\\s+never\\s`, 'm'));
    const json = await rapki(ca.adminToken, 'list', '--json');
    for (const out of [table.out, json.out]) {
      for (const secret of [ca.adminToken, created.token]) {
        expect(out).not.toContain(secret);
        expect(out).not.toContain(sha256(secret));
      }
      expect(out).not.toContain('rapki_at_');
    }
  });

  it('an operator cannot create, list or revoke admin tokens (forbidden)', async () => {
    const op = (await rapki(ca.adminToken, 'create', '--name', 'op', '--role', 'operator')).out.trim();
    const opId = sha256(op).slice(0, 16);
    for (const args of [['create', '--name', 'escalate', '--role', 'admin'], ['list'], ['revoke', opId]]) {
      const r = await rapki(op, ...args);
      expect([args[0], r.code, r.stderr.split('\n')[0]]).toEqual([args[0], 1, expect.stringMatching(/^rapki: forbidden: /)]);
      expect(r.out).toBe('');
    }
  });

  it('revoke: the token stops working; a second revoke and an unknown id are refused; bad ids never leave the client', async () => {
    const c = JSON.parse((await rapki(ca.adminToken, 'create', '--name', 'temp-admin', '--role', 'admin', '--json')).out) as { token: string; id: string };
    expect((await rapki(c.token, 'list')).code).toBe(0);
    const r = await rapki(ca.adminToken, 'revoke', c.id);
    expect(r.code, r.stderr).toBe(0);
    expect(r.out).toBe(`admin token ${c.id} (temp-admin) revoked\n`);
    const after = await rapki(c.token, 'list');
    expect([after.code, after.stderr.split('\n')[0]]).toEqual([1, expect.stringMatching(/^rapki: unauthorized: /)]);
    expect((await rapki(ca.adminToken, 'revoke', c.id)).stderr).toMatch(/^rapki: admin_token_revoked: /);
    expect((await rapki(ca.adminToken, 'revoke', 'ffffffffffffffff')).stderr).toMatch(/^rapki: admin_token_not_found: /);
    const bad = await rapki(ca.adminToken, 'revoke', 'initial');
    expect([bad.code, bad.stderr]).toEqual([1, expect.stringMatching(/^rapki: flag_value_invalid: ID must be the 16 hex digits/)]);
    expect((await rapki(ca.adminToken, 'create', '--name', 'x', '--ttl', '1y')).stderr).toMatch(/^rapki: duration_invalid: /);
    expect((await rapki(ca.adminToken, 'create', '--name', 'bad name')).stderr).toMatch(/^rapki: flag_value_invalid: --name/);
  });

  it('the last usable admin token cannot be revoked (last_admin_token); with a second admin it can', async () => {
    const initialId = sha256(ca.adminToken).slice(0, 16);
    const refused = await rapki(ca.adminToken, 'revoke', initialId);
    expect([refused.code, refused.stderr.split('\n')[0]]).toEqual([1, expect.stringMatching(/^rapki: last_admin_token: /)]);
    expect((await rapki(ca.adminToken, 'list')).code).toBe(0);
    const second = (await rapki(ca.adminToken, 'create', '--name', 'successor', '--role', 'admin')).out.trim();
    expect((await rapki(second, 'revoke', initialId)).code).toBe(0);
    expect((await rapki(ca.adminToken, 'list')).stderr).toMatch(/^rapki: unauthorized: /);
    const rows = await listJson(second);
    expect(rows.find((e) => e.id === initialId)).toMatchObject({ status: 'revoked', name: 'initial' });
    expect(rows.filter((e) => e.role === 'admin' && e.status === 'active').map((e) => e.name)).toEqual(['successor']);
  });
});
