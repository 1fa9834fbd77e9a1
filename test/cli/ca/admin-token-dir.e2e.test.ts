/**
 * `rapki admin-token create --dir D` on the CA host, as child processes next to a real, running
 * `rapki ca serve` on the same directory: the way back in when the admin token printed once was
 * lost. It needs the CA passphrase (checked by opening the root key), not an admin token; the new
 * token works against the running server at once, and the audit chain stays whole.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCaServerProcess, TEST_CA_PASSPHRASE, type CaServerProcess } from '../../support/ca-server.js';
import { runCli } from '../../support/cli.js';

let ca: CaServerProcess;
const api = (token: string) => ({ RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: token });

beforeAll(async () => {
  ca = await startCaServerProcess();
}, 60_000);
afterAll(async () => {
  await ca?.dispose();
});

describe('rapki admin-token create --dir (on the CA host)', () => {
  it('makes a working admin token while the server runs, with the passphrase and without any admin token', async () => {
    const r = await runCli(['admin-token', 'create', '--dir', ca.dir, '--name', 'recovered', '--role', 'admin'], {
      env: { RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE },
    });
    expect(r.code, r.stderr).toBe(0);
    const token = r.out.trim();
    expect(r.out).toMatch(/^rapki_at_[A-Za-z0-9_-]{43}\n$/);
    expect(r.stderr).toMatch(/^rapki: admin token recovered \(id [0-9a-f]{16}\) does not expire; it is shown only now\./);
    // The running server accepts it at once: it can list, and even revoke the lost initial token.
    const list = await runCli(['admin-token', 'list', '--json'], { env: api(token) });
    expect(list.code, list.stderr).toBe(0);
    const entries = (JSON.parse(list.out) as { adminTokens: { id: string; name: string; role: string }[] }).adminTokens;
    expect(entries.map((e) => [e.name, e.role])).toEqual([
      ['initial', 'admin'],
      ['recovered', 'admin'],
    ]);
    const revoke = await runCli(['admin-token', 'revoke', entries[0]!.id], { env: api(token) });
    expect(revoke.code, revoke.stderr).toBe(0);
    expect((await runCli(['admin-token', 'list'], { env: api(ca.adminToken) })).stderr).toMatch(/^rapki: unauthorized: /);
    // Audited by the server's chain: the record is there and the chain verifies over the API.
    const audit = await runCli(['audit', 'verify', '--json'], { env: api(token) });
    expect(audit.code, audit.stderr).toBe(0);
    expect(JSON.parse(audit.out)).toMatchObject({ ok: true });
  }, 60_000);

  it('reads the passphrase from --passphrase-file; --json; --ttl', async () => {
    const file = join(ca.dir, '..', 'pass.txt');
    writeFileSync(file, `${TEST_CA_PASSPHRASE}\n`, { mode: 0o600 });
    const r = await runCli(['admin-token', 'create', '--dir', ca.dir, '--passphrase-file', file, '--name', 'ops', '--ttl', '1h', '--json'], { env: {} });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.out) as { token: string; role: string; status: string; expiresAt: string };
    expect(j).toMatchObject({ role: 'operator', status: 'active' });
    expect(Date.parse(j.expiresAt) - Date.now()).toBeGreaterThan(3500_000);
    const tokens = await runCli(['token', 'create', '--subject', 'via-ops'], { env: api(j.token) });
    expect(tokens.code, tokens.stderr).toBe(0);
  }, 60_000);

  it('refuses without the right passphrase, and writes nothing', async () => {
    const wrong = await runCli(['admin-token', 'create', '--dir', ca.dir, '--name', 'x'], { env: { RAPKI_CA_PASSPHRASE: 'not-the-passphrase' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^rapki: passphrase_invalid: /);
    expect(wrong.out).toBe('');
    const none = await runCli(['admin-token', 'create', '--dir', ca.dir, '--name', 'x'], { env: {} });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^rapki: passphrase_required: /);
    const noCa = await runCli(['admin-token', 'create', '--dir', join(ca.dir, '..', 'nothing-here'), '--name', 'x'], {
      env: { RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE },
    });
    expect(noCa.stderr).toMatch(/^rapki: ca_not_found: /);
    const mixed = await runCli(['admin-token', 'create', '--dir', ca.dir, '--ca-url', ca.url, '--name', 'x'], {
      env: { RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE },
    });
    expect(mixed.stderr).toMatch(/^rapki: flag_value_invalid: --dir makes the token in the CA directory; --ca-url is for the API/);
    const list = await runCli(['admin-token', 'list', '--json'], { env: api(ca.adminToken) });
    const names = (JSON.parse(list.out || '{"adminTokens":[]}') as { adminTokens: { name: string }[] }).adminTokens.map((e) => e.name);
    expect(names).not.toContain('x');
  }, 60_000);
});
