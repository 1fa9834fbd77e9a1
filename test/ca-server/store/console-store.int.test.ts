/**
 * The console's store methods on a real SQLite file (migration 5): sessions (create purges ended
 * ones, find joins the admin token, touch, delete with and without audit), the certificate search
 * (names from the trigger, serial alternatives, filters, cursors bound to their sort), the overview
 * counts, the audit filter, and the upgrade of a version-3 file (names back-filled).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../../ca-server/src/authority/audit-chain.js';
import { SQLITE_MIGRATIONS } from '../../../ca-server/src/store/sqlite-migrations.js';
import { SqliteCaStore } from '../../../ca-server/src/store/sqlite-store.js';
import type { CertificateRecord, UiSessionRecord } from '../../../ca-server/src/store/types.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const audit = (action: string, time = T0) => ({ time, actor: 'test', action, details: {} });
const HOUR = 3_600_000;

function cert(serial: string, host: string, over: Partial<CertificateRecord> = {}): CertificateRecord {
  return {
    serial,
    host,
    subject: `CN=${host}`,
    sans: [],
    notBefore: T0,
    notAfter: new Date(T0.getTime() + 24 * HOUR),
    status: 'valid',
    revokedAt: null,
    reason: null,
    fingerprint: `f${serial}`.padEnd(64, '0'),
    der: Uint8Array.of(1, 2, 3),
    issuerId: 'issuer',
    renewedFrom: null,
    issuedAt: T0,
    certTtlSeconds: 86400,
    ...over,
  };
}

async function issue(s: SqliteCaStore, c: CertificateRecord): Promise<void> {
  const hash = `t${c.serial}`.padEnd(64, '0');
  await s.createToken({ hash, subject: c.host, sans: c.sans, certTtlSeconds: 60, createdAt: T0, expiresAt: at(3600), usedAt: null, createdBy: 'x' }, audit('token.create'));
  await s.issueWithToken({ tokenHash: hash, now: T0, certificate: c, audit: audit('certificate.issue') });
}

describe('SqliteCaStore console methods', () => {
  let dir: string;
  let file: string;
  let s: SqliteCaStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rapki-store-ui-'));
    file = join(dir, 'ca.db');
    s = SqliteCaStore.open(file);
    await s.putCaCertificates(
      [
        { id: 'issuer', role: 'root', der: Uint8Array.of(9), notAfter: new Date('2030-01-01Z'), issuing: true },
        { id: 'other', role: 'intermediate', der: Uint8Array.of(8), notAfter: new Date('2030-01-01Z'), issuing: false },
      ],
      audit('ca.init'),
    );
    await s.createAdminToken({ hash: 'a'.repeat(64), role: 'admin', name: 'alice', createdAt: T0 }, audit('admin_token.create'));
  });
  afterEach(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const session = (id: string, over: Partial<UiSessionRecord> = {}): UiSessionRecord => ({
    idHash: id.repeat(64),
    adminTokenId: 'a'.repeat(16),
    createdAt: T0,
    lastSeenAt: T0,
    idleExpiresAt: at(900),
    expiresAt: at(8 * 3600),
    ...over,
  });

  it('sessions: stored by hash, found with their admin token, touched, deleted once; the sign-in and sign-out are audited', async () => {
    await s.createUiSession(session('1'), audit('console.sign_in'));
    const found = await s.findUiSession('1'.repeat(64));
    expect(found?.session).toEqual(session('1'));
    expect(found?.adminToken).toMatchObject({ id: 'a'.repeat(16), name: 'alice', role: 'admin', revokedAt: null });
    expect(await s.findUiSession('2'.repeat(64))).toBeUndefined();
    await s.touchUiSession('1'.repeat(64), at(60), at(960));
    expect((await s.findUiSession('1'.repeat(64)))?.session).toMatchObject({ lastSeenAt: at(60), idleExpiresAt: at(960) });
    expect(await s.deleteUiSession('1'.repeat(64), audit('console.sign_out'))).toBe(true);
    expect(await s.deleteUiSession('1'.repeat(64), audit('console.sign_out'))).toBe(false);
    expect(await s.findUiSession('1'.repeat(64))).toBeUndefined();
    const log = await s.listAudit(0, 100);
    expect(log.map((r) => r.action).filter((a) => a.startsWith('console.'))).toEqual(['console.sign_in', 'console.sign_out']);
    expect(verifyAuditChain(log).ok).toBe(true);
  });

  it('a new session purges the ones that ended (idle or absolute), and only those', async () => {
    await s.createUiSession(session('1', { idleExpiresAt: at(100) }), audit('console.sign_in'));
    await s.createUiSession(session('2', { expiresAt: at(100), idleExpiresAt: at(100) }), audit('console.sign_in'));
    await s.createUiSession(session('3'), audit('console.sign_in'));
    await s.createUiSession(session('4', { createdAt: at(100), lastSeenAt: at(100), idleExpiresAt: at(1000) }), audit('console.sign_in'));
    const left = (s.db.prepare('SELECT id_hash FROM ui_sessions ORDER BY id_hash').all() as { id_hash: string }[]).map((r) => r.id_hash[0]);
    expect(left).toEqual(['3', '4']);
  });

  it('search: host and SAN prefixes (lower-case), serial alternatives, filters, sorts and cursors', async () => {
    await issue(s, cert('0a', 'Web-1', { sans: ['dns:web-1.example', 'ip:10.0.0.7'], notAfter: at(3 * 3600) }));
    await issue(s, cert('0b', 'web-2', { sans: ['dns:web-2.example'], notAfter: at(2 * 3600) }));
    await issue(s, cert('0c', 'db-1', { notAfter: at(1 * 3600), issuerId: 'other' }));
    await s.revokeCertificate({ serial: '0b', revokedAt: T0, reason: null, audit: audit('certificate.revoke') });
    const q = (over: object) => s.searchCertificates({ now: T0, sort: 'newest', limit: 10, ...over });
    const serialsOf = async (over: object) => (await q(over)).items.map((c) => c.serial);
    expect(await serialsOf({ namePrefix: 'web' })).toEqual(['0b', '0a']);
    expect(await serialsOf({ namePrefix: 'web-1' })).toEqual(['0a']);
    expect(await serialsOf({ namePrefix: '10.0.0' })).toEqual(['0a']);
    expect(await serialsOf({ namePrefix: 'web-2.example' })).toEqual(['0b']);
    expect(await serialsOf({ namePrefix: 'example' })).toEqual([]);
    expect(await serialsOf({ namePrefix: '0c', serials: ['0c'] })).toEqual(['0c']);
    expect(await serialsOf({ status: 'revoked' })).toEqual(['0b']);
    expect(await serialsOf({ status: 'active' })).toEqual(['0c', '0a']);
    expect(await serialsOf({ status: 'expired' })).toEqual([]);
    expect(await serialsOf({ status: 'active', now: at(2.5 * 3600) })).toEqual(['0a']);
    expect(await serialsOf({ status: 'expired', now: at(2.5 * 3600) })).toEqual(['0c']);
    expect(await serialsOf({ issuerId: 'other' })).toEqual(['0c']);
    expect(await serialsOf({ sort: 'expiry_asc' })).toEqual(['0c', '0b', '0a']);
    expect(await serialsOf({ sort: 'expiry_desc' })).toEqual(['0a', '0b', '0c']);
    // Keyset pages, one row each, and a cursor is refused by another sort.
    const p1 = await q({ sort: 'expiry_asc', limit: 1 });
    const p2 = await q({ sort: 'expiry_asc', limit: 1, cursor: p1.nextCursor });
    const p3 = await q({ sort: 'expiry_asc', limit: 1, cursor: p2.nextCursor });
    expect([...p1.items, ...p2.items, ...p3.items].map((c) => c.serial)).toEqual(['0c', '0b', '0a']);
    expect(p3.nextCursor).toBeUndefined();
    await expect(q({ sort: 'newest', cursor: p1.nextCursor })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(q({ sort: 'newest', cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('stats: by status at now, and unrevoked expiries per bucket', async () => {
    await issue(s, cert('01', 'a', { notAfter: at(30 * 60) }));
    await issue(s, cert('02', 'b', { notAfter: at(90 * 60) }));
    await issue(s, cert('03', 'c', { notAfter: at(100 * 60) }));
    await issue(s, cert('04', 'd', { notAfter: at(100 * 60) }));
    await s.revokeCertificate({ serial: '04', revokedAt: T0, reason: null, audit: audit('certificate.revoke') });
    const st = await s.certificateStats(at(45 * 60), [at(45 * 60), at(105 * 60), at(165 * 60)]);
    expect(st).toEqual({ active: 2, expired: 1, revoked: 1, expiring: [2, 0] });
  });

  it('audit filter: exact action, actor prefix, time window, newest first, pages by seq', async () => {
    await s.appendAudit({ time: at(10), actor: 'admin:alice via=ui token=aaaaaaaaaaaaaaaa', action: 'certificate.revoke', details: {} });
    await s.appendAudit({ time: at(20), actor: 'admin:bob', action: 'certificate.revoke', details: {} });
    await s.appendAudit({ time: at(30), actor: 'admin:alice', action: 'token.create', details: {} });
    const actions = async (q: object) => (await s.searchAudit({ limit: 10, ...q })).map((r) => `${r.actor}/${r.action}`);
    expect(await actions({ action: 'certificate.revoke' })).toEqual(['admin:bob/certificate.revoke', 'admin:alice via=ui token=aaaaaaaaaaaaaaaa/certificate.revoke']);
    expect(await actions({ actorPrefix: 'admin:alice' })).toEqual(['admin:alice/token.create', 'admin:alice via=ui token=aaaaaaaaaaaaaaaa/certificate.revoke']);
    expect(await actions({ since: at(15), until: at(30) })).toEqual(['admin:bob/certificate.revoke']);
    expect(await actions({ since: at(31) })).toEqual([]);
    const newest = await s.searchAudit({ limit: 1 });
    expect((await s.searchAudit({ limit: 1, beforeSeq: newest[0]!.seq }))[0]!.action).toBe('certificate.revoke');
  });

  it('a version-3 file is upgraded: the name index is filled from existing certificates', async () => {
    await s.close();
    rmSync(file);
    s = SqliteCaStore.open(file, { migrations: SQLITE_MIGRATIONS.filter((m) => m.version <= 3) });
    await s.putCaCertificates([{ id: 'issuer', role: 'root', der: Uint8Array.of(9), notAfter: new Date('2030-01-01Z'), issuing: true }], audit('ca.init'));
    await issue(s, cert('0a', 'Old-Host', { sans: ['dns:old.example', 'uri:spiffe://x/y'] }));
    await s.close();
    s = SqliteCaStore.open(file);
    expect(s.schemaVersions()).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
    const names = (s.db.prepare('SELECT name FROM certificate_names ORDER BY name').all() as { name: string }[]).map((r) => r.name);
    expect(names).toEqual(['old-host', 'old.example', 'spiffe://x/y']);
    expect((await s.searchCertificates({ now: T0, sort: 'newest', limit: 5, namePrefix: 'old.' })).items.map((c) => c.serial)).toEqual(['0a']);
  });
});
