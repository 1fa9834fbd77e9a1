import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteCaStore } from '../../../ca-server/src/store/sqlite-store.js';
import { SQLITE_MIGRATIONS } from '../../../ca-server/src/store/sqlite-migrations.js';
import type { CertificateRecord } from '../../../ca-server/src/store/types.js';
import { verifyAuditChain } from '../../../common/src/audit/audit-chain.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const audit = (action: string, details: Record<string, unknown> = {}) => ({ time: T0, actor: 'test', action, details });

function cert(serial: string, host: string, over: Partial<CertificateRecord> = {}): CertificateRecord {
  return {
    serial,
    host,
    subject: `CN=${host}`,
    sans: [],
    notBefore: T0,
    notAfter: new Date(T0.getTime() + 86_400_000),
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

describe('SqliteCaStore', () => {
  let dir: string;
  let file: string;
  let s: SqliteCaStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rapki-store-'));
    file = join(dir, 'ca.db');
    s = SqliteCaStore.open(file);
    await s.putCaCertificates([{ id: 'issuer', role: 'root', der: Uint8Array.of(9), notAfter: new Date('2030-01-01Z'), issuing: true }], audit('ca.init'));
  });
  afterEach(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Versions shipped, and the next free one for test-only migrations. */
  const SHIPPED = SQLITE_MIGRATIONS.map((m) => m.version);
  const NEXT = Math.max(...SHIPPED) + 1;

  it('creates a 0600 file in WAL mode with synchronous=FULL and records migrations once', async () => {
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(s.schemaVersions()).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
    await s.close();
    s = SqliteCaStore.open(file, {
      migrations: [...SQLITE_MIGRATIONS, { version: NEXT, name: 'test-extra', sql: 'CREATE TABLE extra (x INTEGER)' }],
    });
    expect(s.schemaVersions()).toEqual([...SHIPPED, NEXT]);
    await s.close();
    s = SqliteCaStore.open(file, { migrations: [...SQLITE_MIGRATIONS, { version: NEXT, name: 'test-extra', sql: 'CREATE TABLE extra (x INTEGER)' }] });
    expect(s.schemaVersions()).toEqual([...SHIPPED, NEXT]);
  });

  it('a failing migration leaves no trace', async () => {
    await s.close();
    expect(() =>
      SqliteCaStore.open(file, { migrations: [...SQLITE_MIGRATIONS, { version: NEXT + 1, name: 'bad', sql: 'CREATE TABLE t3 (x); SELEC nonsense' }] }),
    ).toThrow();
    s = SqliteCaStore.open(file);
    expect(s.schemaVersions()).toEqual(SHIPPED);
    expect(s.db.prepare("SELECT name FROM sqlite_master WHERE name = 't3'").get()).toBeUndefined();
  });

  it('keeps everything across reopen (durability of committed operations)', async () => {
    await s.createToken(
      {
        hash: 'h1',
        subject: 'a',
        sans: ['dns:a.example'],
        certTtlSeconds: 60,
        createdAt: T0,
        expiresAt: new Date(T0.getTime() + 60_000),
        usedAt: null,
        createdBy: 'x',
      },
      audit('token.create'),
    );
    await s.issueWithToken({ tokenHash: 'h1', now: T0, certificate: cert('0a', 'a'), audit: audit('certificate.issue') });
    await s.saveCrl({ issuerId: 'issuer', number: 1, thisUpdate: T0, nextUpdate: new Date(T0.getTime() + 1000), der: Uint8Array.of(7) }, audit('crl.publish'));
    await s.close();
    s = SqliteCaStore.open(file);
    expect((await s.getCertificate('0a'))?.host).toBe('a');
    expect((await s.findToken('h1'))?.usedAt?.getTime()).toBe(T0.getTime());
    expect((await s.getCrl('issuer'))?.number).toBe(1);
    const log = await s.listAudit(0, 100);
    expect(log.map((r) => r.action)).toEqual(['ca.init', 'token.create', 'certificate.issue', 'crl.publish']);
    expect(verifyAuditChain(log).ok).toBe(true);
  });

  it('consumes a token once, atomically; expired tokens are refused', async () => {
    const tok = (hash: string, ttl: number) => ({
      hash,
      subject: 'b',
      sans: [],
      certTtlSeconds: 60,
      createdAt: T0,
      expiresAt: new Date(T0.getTime() + ttl),
      usedAt: null,
      createdBy: 'x',
    });
    await s.createToken(tok('h2', 60_000), audit('token.create'));
    await s.issueWithToken({ tokenHash: 'h2', now: T0, certificate: cert('0b', 'b'), audit: audit('certificate.issue') });
    await expect(s.issueWithToken({ tokenHash: 'h2', now: T0, certificate: cert('0c', 'b'), audit: audit('certificate.issue') })).rejects.toMatchObject({
      code: 'token_used',
    });
    expect(await s.getCertificate('0c')).toBeUndefined();
    await s.createToken(tok('h3', 1000), audit('token.create'));
    await expect(
      s.issueWithToken({ tokenHash: 'h3', now: new Date(T0.getTime() + 1000), certificate: cert('0d', 'b'), audit: audit('x') }),
    ).rejects.toMatchObject({ code: 'token_expired' });
    await expect(s.issueWithToken({ tokenHash: 'nope', now: T0, certificate: cert('0e', 'b'), audit: audit('x') })).rejects.toMatchObject({
      code: 'token_invalid',
    });
    // Two store handles on the same file (two processes): only one consumes the token.
    await s.createToken(tok('h4', 60_000), audit('token.create'));
    const other = SqliteCaStore.open(file);
    const results = await Promise.allSettled([
      s.issueWithToken({ tokenHash: 'h4', now: T0, certificate: cert('1a', 'b'), audit: audit('certificate.issue') }),
      other.issueWithToken({ tokenHash: 'h4', now: T0, certificate: cert('1b', 'b'), audit: audit('certificate.issue') }),
    ]);
    await other.close();
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('group commit: concurrent operations share a commit, fail independently, and keep one audit chain', async () => {
    const tok = (hash: string) => ({
      hash,
      subject: 'g',
      sans: [],
      certTtlSeconds: 60,
      createdAt: T0,
      expiresAt: new Date(T0.getTime() + 60_000),
      usedAt: null,
      createdBy: 'x',
    });
    await Promise.all(Array.from({ length: 8 }, (_, i) => s.createToken(tok(`g${i}`), audit('token.create'))));
    const ops = Array.from({ length: 8 }, (_, i) =>
      s.issueWithToken({ tokenHash: `g${i}`, now: T0, certificate: cert(`2${i}`, 'g'), audit: audit('certificate.issue', { i }) }),
    );
    ops.push(s.issueWithToken({ tokenHash: 'g3', now: T0, certificate: cert('29', 'g'), audit: audit('certificate.issue', { dup: true }) }));
    const results = await Promise.allSettled(ops);
    expect(results.map((r) => r.status)).toEqual([...Array(8).fill('fulfilled'), 'rejected']);
    expect((results[8] as PromiseRejectedResult).reason).toMatchObject({ code: 'token_used' });
    expect(await s.getCertificate('29')).toBeUndefined();
    const log = await s.listAudit(0, 1000);
    expect(log.filter((r) => r.action === 'certificate.issue')).toHaveLength(8);
    expect(verifyAuditChain(log)).toMatchObject({ ok: true, count: log.length });
  });

  it('revokes a CA certificate once, with its audit record, and keeps it across reopen (migration 5)', async () => {
    expect((await s.getCaCertificates())[0]).toMatchObject({ id: 'issuer', revokedAt: null, reason: null });
    const rec = await s.revokeCaCertificate({ id: 'issuer', revokedAt: T0, reason: 'cACompromise', audit: audit('ca.revoke_certificate', { id: 'issuer' }) });
    expect(rec).toMatchObject({ id: 'issuer', revokedAt: T0, reason: 'cACompromise', issuing: true });
    await expect(s.revokeCaCertificate({ id: 'issuer', revokedAt: T0, reason: 'cACompromise', audit: audit('x') })).rejects.toMatchObject({
      code: 'already_revoked',
    });
    await expect(s.revokeCaCertificate({ id: 'nope', revokedAt: T0, reason: 'cACompromise', audit: audit('x') })).rejects.toMatchObject({
      code: 'certificate_not_found',
    });
    await s.close();
    s = SqliteCaStore.open(file);
    expect((await s.getCaCertificates())[0]).toMatchObject({ id: 'issuer', revokedAt: T0, reason: 'cACompromise' });
    const log = await s.listAudit(0, 10);
    expect(log.map((r) => r.action)).toEqual(['ca.init', 'ca.revoke_certificate']);
  });

  it('refuses a CRL number that does not increase', async () => {
    const crl = (n: number) => ({ issuerId: 'issuer', number: n, thisUpdate: T0, nextUpdate: T0, der: Uint8Array.of(n) });
    await s.saveCrl(crl(5), undefined);
    await expect(s.saveCrl(crl(5), undefined)).rejects.toThrow(/must increase/);
    await expect(s.saveCrl(crl(4), undefined)).rejects.toThrow(/must increase/);
    await s.saveCrl(crl(6), undefined);
    expect((await s.getCrl('issuer'))?.number).toBe(6);
  });

  it('lists renewedBy for every certificate and filters renewed (superseded) ones in or out', async () => {
    const now = new Date(T0.getTime() + 1000);
    await s.createToken(
      { hash: 't', subject: 'h', sans: [], certTtlSeconds: 1, createdAt: T0, expiresAt: new Date(T0.getTime() + 10_000), usedAt: null, createdBy: 'x' },
      audit('token.create'),
    );
    await s.issueWithToken({ tokenHash: 't', now: T0, certificate: cert('01', 'h'), audit: audit('certificate.issue') });
    await s.recordRenewal({ oldSerial: '01', now, certificate: cert('02', 'h', { renewedFrom: '01' }), audit: audit('certificate.renew') });
    const all = (await s.listCertificates({ now, limit: 10 })).items;
    expect(all.map((c) => [c.serial, c.renewedBy])).toEqual([
      ['02', null],
      ['01', '02'],
    ]);
    // The store's `active` stays "unrevoked and unexpired" (CA rotation counts renewed leaves too).
    expect((await s.listCertificates({ now, limit: 10, status: 'active' })).items.map((c) => c.serial)).toEqual(['02', '01']);
    expect((await s.listCertificates({ now, limit: 10, status: 'active', superseded: false })).items.map((c) => c.serial)).toEqual(['02']);
    expect((await s.listCertificates({ now, limit: 10, status: 'active', superseded: true })).items.map((c) => c.serial)).toEqual(['01']);
    // Pages keep working with the extra filter.
    const p1 = await s.listCertificates({ now, limit: 1, superseded: true });
    expect(p1.items.map((c) => c.serial)).toEqual(['01']);
    expect(p1.nextCursor).toBeUndefined();
  });

  it('revocation, host blocking, revoked-unexpired listing and inventory filters', async () => {
    const now = new Date(T0.getTime() + 1000);
    await s.createToken(
      { hash: 't', subject: 'h', sans: [], certTtlSeconds: 1, createdAt: T0, expiresAt: new Date(T0.getTime() + 10_000), usedAt: null, createdBy: 'x' },
      audit('token.create'),
    );
    await s.issueWithToken({ tokenHash: 't', now: T0, certificate: cert('01', 'h'), audit: audit('certificate.issue') });
    await s.recordRenewal({ oldSerial: '01', now, certificate: cert('02', 'h', { renewedFrom: '01' }), audit: audit('certificate.renew') });
    await s.recordRenewal({
      oldSerial: '02',
      now,
      certificate: cert('03', 'h', { notAfter: new Date(T0.getTime() + 500) }),
      audit: audit('certificate.renew'),
    });
    const r = await s.revokeCertificate({ serial: '01', revokedAt: now, reason: 'keyCompromise', audit: (c) => audit('certificate.revoke', { host: c.host }) });
    expect(r).toMatchObject({ status: 'revoked', reason: 'keyCompromise' });
    await expect(s.recordRenewal({ oldSerial: '01', now, certificate: cert('04', 'h'), audit: audit('x') })).rejects.toMatchObject({
      code: 'certificate_revoked',
    });
    expect((await s.listCertificates({ now, limit: 10, status: 'active' })).items.map((c) => c.serial)).toEqual(['02']);
    expect((await s.listCertificates({ now, limit: 10, status: 'expired' })).items.map((c) => c.serial)).toEqual(['03']);
    expect((await s.listCertificates({ now, limit: 10, status: 'revoked' })).items.map((c) => c.serial)).toEqual(['01']);
    const serials = await s.revokeHost({ host: 'h', revokedAt: now, reason: null, audit: (list) => audit('host.revoke', { serials: [...list] }) });
    expect([...serials]).toEqual(['02', '03']);
    expect(await s.isHostBlocked('h')).toBe(true);
    // 03 has expired by `now`, so the CRL does not need it.
    expect((await s.listRevokedUnexpired('issuer', now)).map((e) => e.serial)).toEqual(['01', '02']);
    expect(await s.unblockHost({ host: 'h', audit: audit('host.unblock') })).toBe(true);
    expect(await s.unblockHost({ host: 'h', audit: audit('host.unblock') })).toBe(false);
    expect(verifyAuditChain(await s.listAudit(0, 100)).ok).toBe(true);
  });

  it('migration 4 keeps old forks readable, then allows one successor, no audit fork, and seeds the CRL counter', async () => {
    await s.close();
    rmSync(file, { force: true });
    s = SqliteCaStore.open(file, { migrations: SQLITE_MIGRATIONS.filter((m) => m.version <= 3) });
    // A file of that version, as that version wrote it (its columns only).
    s.db.prepare("INSERT INTO ca_certificates (id, role, der, not_after, issuing) VALUES ('issuer', 'root', X'09', 1893456000000, 1)").run();
    // A file from before the unique index: 'b1' was renewed twice (a fork the old check-then-insert allowed).
    const ins = s.db.prepare(
      `INSERT INTO certificates (serial, seq, host, subject, sans, not_before, not_after, status, fingerprint, der, issuer_id, renewed_from, issued_at, cert_ttl_seconds)
       VALUES (?, ?, 'h', 'CN=h', '[]', 0, 9999999999999, 'valid', ?, X'01', 'issuer', ?, 0, 60)`,
    );
    ins.run('b1', 1, 'f1', null);
    ins.run('b2', 2, 'f2', 'b1');
    ins.run('b3', 3, 'f3', 'b1');
    s.db.prepare("INSERT INTO crl_state (issuer_id, number, this_update, next_update, der) VALUES ('issuer', 41, 0, 0, X'01')").run();
    s.db
      .prepare("INSERT INTO audit_log (seq, time, actor, action, details, prev_hash, hash) VALUES (1, 't', 'a', 'ca.init', '{}', ?, 'h1')")
      .run('0'.repeat(64));
    await s.close();
    s = SqliteCaStore.open(file);
    expect(s.schemaVersions()).toEqual(SHIPPED);
    expect((await s.findRenewalOf('b1'))?.serial).toBe('b3');
    expect(s.db.prepare('SELECT serial, legacy_fork FROM certificates ORDER BY seq').all()).toEqual([
      { serial: 'b1', legacy_fork: 0 },
      { serial: 'b2', legacy_fork: 1 },
      { serial: 'b3', legacy_fork: 0 },
    ]);
    // The index, not only the store's check, refuses a second successor.
    const ins2 = s.db.prepare(
      `INSERT INTO certificates (serial, seq, host, subject, sans, not_before, not_after, status, fingerprint, der, issuer_id, renewed_from, issued_at, cert_ttl_seconds)
       VALUES (?, ?, 'h', 'CN=h', '[]', 0, 9999999999999, 'valid', ?, X'01', 'issuer', ?, 0, 60)`,
    );
    expect(() => ins2.run('b4', 4, 'f4', 'b3')).not.toThrow();
    expect(() => ins2.run('b5', 5, 'f5', 'b3')).toThrow(/UNIQUE constraint failed: certificates.renewed_from/);
    expect(await s.allocateCrlNumber('issuer')).toBe(42);
    const [last] = await s.listAudit(0, 10);
    expect(() =>
      s.db.prepare("INSERT INTO audit_log (seq, time, actor, action, details, prev_hash, hash) VALUES (99, 't', 'a', 'x', '{}', ?, 'h')").run(last!.prevHash),
    ).toThrow(/UNIQUE constraint failed: audit_log.prev_hash/);
  });
});
