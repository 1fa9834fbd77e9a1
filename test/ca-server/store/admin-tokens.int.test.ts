/**
 * Admin token lifecycle in the SQLite store (migration 2, `revokeAdminToken`, `touchAdminToken`):
 * upgrade of a version-1 file, the lock-out check inside the revoking transaction, the throttled
 * last-use write, and the audit records.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../../common/src/audit/audit-chain.js';
import { SQLITE_MIGRATIONS } from '../../../ca-server/src/store/sqlite-migrations.js';
import { SqliteCaStore } from '../../../ca-server/src/store/sqlite-store.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const audit = (action: string) => ({ time: T0, actor: 'test', action, details: {} });
const hash = (c: string) => c.repeat(64);
const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code,
  );

describe('SqliteCaStore admin tokens', () => {
  let dir: string;
  let file: string;
  let s: SqliteCaStore | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rapki-store-at-'));
    file = join(dir, 'ca.db');
  });
  afterEach(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a version-1 file is upgraded: existing tokens get their id from the hash, no expiry, not revoked', async () => {
    s = SqliteCaStore.open(file, { migrations: SQLITE_MIGRATIONS.filter((m) => m.version === 1) });
    s.db.prepare('INSERT INTO admin_tokens (hash, role, name, created_at) VALUES (?, ?, ?, ?)').run(hash('a'), 'admin', 'initial', T0.getTime());
    await s.close();
    s = SqliteCaStore.open(file);
    expect(s.schemaVersions()).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
    expect(await s.findAdminToken(hash('a'))).toEqual({
      hash: hash('a'),
      id: 'a'.repeat(16),
      role: 'admin',
      name: 'initial',
      createdAt: T0,
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(() =>
      s!.db.prepare('INSERT INTO admin_tokens (hash, id, role, name, created_at) VALUES (?, ?, ?, ?, ?)').run(hash('b'), 'a'.repeat(16), 'admin', 'dup', 0),
    ).toThrow(/UNIQUE/);
  });

  it('lock-out: the last usable admin cannot be revoked; expired and revoked admins and operators do not count', async () => {
    s = SqliteCaStore.open(file);
    await s.createAdminToken({ hash: hash('a'), role: 'admin', name: 'initial', createdAt: T0 }, audit('admin_token.create'));
    await s.createAdminToken({ hash: hash('b'), role: 'admin', name: 'short', createdAt: T0, expiresAt: at(60) }, audit('admin_token.create'));
    await s.createAdminToken({ hash: hash('c'), role: 'operator', name: 'op', createdAt: T0 }, audit('admin_token.create'));
    const revoke = (id: string, when: Date) =>
      s!.revokeAdminToken({
        id,
        revokedAt: when,
        revokedBy: 'admin:t',
        audit: (r) => ({ time: when, actor: 'admin:t', action: 'admin_token.revoke', details: { tokenId: r.id } }),
      });
    // While "short" is unexpired, "initial" may go (and vice versa).
    expect(await codeOf(revoke('a'.repeat(16), at(120)))).toBe('last_admin_token'); // "short" expired at +60 s
    expect(await codeOf(revoke('c'.repeat(16), at(120)))).toBe('ok'); // operators are never protected
    const r = await revoke('a'.repeat(16), at(10));
    expect(r).toMatchObject({ id: 'a'.repeat(16), revokedAt: at(10) });
    expect(await codeOf(revoke('b'.repeat(16), at(20)))).toBe('last_admin_token');
    expect(await codeOf(revoke('a'.repeat(16), at(20)))).toBe('admin_token_revoked');
    expect(await codeOf(revoke('d'.repeat(16), at(20)))).toBe('admin_token_not_found');
    // An admin that is already expired may itself be revoked (it protects nobody).
    expect(await codeOf(revoke('b'.repeat(16), at(61)))).toBe('ok');
    const rows = await s.listAdminTokens();
    expect(rows.map((x) => [x.name, x.revokedAt?.getTime() ?? null])).toEqual([
      ['initial', at(10).getTime()],
      ['short', at(61).getTime()],
      ['op', at(120).getTime()],
    ]);
    expect(s.db.prepare('SELECT revoked_by FROM admin_tokens WHERE name = ?').get('initial')).toEqual({ revoked_by: 'admin:t' });
    const log = await s.listAudit(0, 100);
    expect(log.filter((x) => x.action === 'admin_token.revoke')).toHaveLength(3); // refusals write nothing
    expect(verifyAuditChain(log).ok).toBe(true);
  });

  it('last use is written at most once per interval', async () => {
    s = SqliteCaStore.open(file);
    await s.createAdminToken({ hash: hash('a'), role: 'admin', name: 'initial', createdAt: T0 }, audit('admin_token.create'));
    const id = 'a'.repeat(16);
    await s.touchAdminToken(id, at(1), 60_000);
    await s.touchAdminToken(id, at(30), 60_000);
    expect((await s.findAdminToken(hash('a')))!.lastUsedAt).toEqual(at(1));
    await s.touchAdminToken(id, at(61), 60_000);
    expect((await s.findAdminToken(hash('a')))!.lastUsedAt).toEqual(at(61));
  });
});
