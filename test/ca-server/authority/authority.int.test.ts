import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { csrPem, ecKey, makeTestCa, type TestCa } from './fixtures.js';
import { verifyAuditChain } from '../../../common/src/audit/audit-chain.js';
import { caPaths } from '../../../ca-server/src/ca-dir.js';
import { pemToDer } from '../../../common/src/x509/pem.js';

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toMatchObject({ code });
}

describe('authority', () => {
  let t: TestCa;
  beforeEach(async () => {
    t = await makeTestCa();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('enrolls with a one-time token; the certificate verifies with openssl and the token cannot be reused', async () => {
    const a = t.ca.authority;
    const tok = await a.createEnrollmentToken({ subject: 'web-1', sans: ['dns:web-1.example', 'ip:10.0.0.7'] }, 'admin:test');
    expect(tok.token).toMatch(/^rapki_et_[A-Za-z0-9_-]{43}$/);
    const csr = csrPem('CN=web-1', ['dns:web-1.example', 'ip:10.0.0.7']);
    const issued = await a.enroll(tok.token, csr);
    expect(issued.serial).toMatch(/^[0-9a-f]+$/);
    expect(issued.chainPem).toBe('');
    const certFile = join(t.dir, 'leaf.pem');
    writeFileSync(certFile, issued.certificatePem);
    const out = execFileSync('openssl', ['verify', '-CAfile', caPaths(t.dir).rootCert, '-purpose', 'sslclient', certFile]).toString();
    expect(out).toContain(': OK');
    const text = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-text']).toString();
    expect(text).toContain('DNS:web-1.example');
    expect(text).toContain('IP Address:10.0.0.7');
    expect(text).toMatch(/CA:FALSE/);
    const stored = await t.ca.store.getCertificate(issued.serial);
    expect(stored?.host).toBe('web-1');
    await expectCode(a.enroll(tok.token, csr), 'token_used');
  });

  it('refuses unknown, malformed and expired tokens', async () => {
    const a = t.ca.authority;
    await expectCode(a.enroll('rapki_et_' + 'A'.repeat(43), csrPem('CN=x', [])), 'token_invalid');
    await expectCode(a.enroll('nonsense', csrPem('CN=x', [])), 'token_invalid');
    const tok = await a.createEnrollmentToken({ subject: 'x', sans: [], ttlSeconds: 60 }, 'admin:test');
    t.clock.advance(61_000);
    await expectCode(a.enroll(tok.token, csrPem('CN=x', [])), 'token_expired');
  });

  it('refuses a CSR whose names differ from the token (subject, extra SAN, missing SAN, extra RDN)', async () => {
    const a = t.ca.authority;
    const tok = await a.createEnrollmentToken({ subject: 'web-1', sans: ['dns:web-1.example'] }, 'admin:test');
    await expectCode(a.enroll(tok.token, csrPem('CN=web-2', ['dns:web-1.example'])), 'name_mismatch');
    await expectCode(a.enroll(tok.token, csrPem('CN=web-1', ['dns:web-1.example', 'dns:evil.example'])), 'name_mismatch');
    await expectCode(a.enroll(tok.token, csrPem('CN=web-1', [])), 'name_mismatch');
    await expectCode(a.enroll(tok.token, csrPem('CN=web-1,O=Evil', ['dns:web-1.example'])), 'name_mismatch');
    // A failed attempt does not consume the token.
    await a.enroll(tok.token, csrPem('CN=web-1', ['DNS:WEB-1.example']));
  });

  it('refuses weak keys and garbage CSRs', async () => {
    const a = t.ca.authority;
    const tok = await a.createEnrollmentToken({ subject: 'w', sans: [] }, 'admin:test');
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    await expectCode(a.enroll(tok.token, csrPem('CN=w', [], rsa1024)), 'weak_key');
    await expectCode(a.enroll(tok.token, csrPem('CN=w', [], ecKey('P-521'))), 'weak_key');
    await expectCode(a.enroll(tok.token, 'garbage'), 'invalid_csr');
    const good = csrPem('CN=w', []);
    const tampered = good.replace(/\n(.{10})/, (_m, s: string) => `\n${s.split('').reverse().join('')}`);
    await expectCode(a.enroll(tok.token, tampered), 'invalid_csr');
  });

  it('blocks a revoked host until unblocked; revocation rebuilds the CRL with a higher number', async () => {
    const a = t.ca.authority;
    const tok1 = await a.createEnrollmentToken({ subject: 'db-1', sans: [] }, 'admin:test');
    const c1 = await a.enroll(tok1.token, csrPem('CN=db-1', []));
    const before = (await t.ca.crl.current())!.number;
    const res = await a.revokeHost('db-1', 'keyCompromise', 'admin:test');
    expect(res.serials).toEqual([c1.serial]);
    expect(res.crlNumber).toBeGreaterThan(before);
    const tok2 = await a.createEnrollmentToken({ subject: 'db-1', sans: [] }, 'admin:test');
    await expectCode(a.enroll(tok2.token, csrPem('CN=db-1', [])), 'host_blocked');
    await a.unblockHost('db-1', 'admin:test');
    await expectCode(a.unblockHost('db-1', 'admin:test'), 'host_not_found');
    await a.enroll(tok2.token, csrPem('CN=db-1', []));
  });

  it('refuses to revoke a host it never issued to (host_not_found) unless blockUnknown, then treats it as known', async () => {
    const a = t.ca.authority;
    const before = (await t.ca.crl.current())!.number;
    await expectCode(a.revokeHost('no-such-host', undefined, 'admin:test'), 'host_not_found');
    expect(await t.ca.store.isHostBlocked('no-such-host')).toBe(false);
    expect((await t.ca.crl.current())!.number).toBe(before);
    const blocked = await a.revokeHost('no-such-host', undefined, 'admin:test', { blockUnknown: true });
    expect(blocked.serials).toEqual([]);
    expect(await t.ca.store.isHostBlocked('no-such-host')).toBe(true);
    const audit = await t.ca.store.listAudit(0, 10_000);
    expect(audit.filter((r) => r.action === 'host.revoke').at(-1)?.details).toMatchObject({ host: 'no-such-host', unknownHost: true });
    // Blocked now, so known: revoking it again needs no flag.
    await a.revokeHost('no-such-host', undefined, 'admin:test');
    await a.unblockHost('no-such-host', 'admin:test');
  });

  it('revokes by serial in any pasted form; the CRL lists it and openssl checks it', async () => {
    const a = t.ca.authority;
    const tok = await a.createEnrollmentToken({ subject: 'r-1', sans: [] }, 'admin:test');
    const c = await a.enroll(tok.token, csrPem('CN=r-1', []));
    const pasted = `00${c.serial.toUpperCase()}`.match(/../g)!.join(':');
    const r = await a.revokeSerial(pasted, 'superseded', 'admin:test');
    expect(r.record.serial).toBe(c.serial);
    await expectCode(a.revokeSerial(c.serial, undefined, 'admin:test'), 'already_revoked');
    await expectCode(a.revokeSerial('abcdef', undefined, 'admin:test'), 'certificate_not_found');
    await expectCode(a.revokeSerial('xyz', undefined, 'admin:test'), 'serial_invalid');
    const crl = (await t.ca.crl.current())!;
    const crlFile = join(t.dir, 'crl.pem');
    const leaf = join(t.dir, 'leaf.pem');
    writeFileSync(crlFile, crl.pem);
    writeFileSync(leaf, c.certificatePem);
    const text = execFileSync('openssl', ['crl', '-in', crlFile, '-CAfile', caPaths(t.dir).rootCert, '-noout', '-text'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
    expect(text.toLowerCase()).toContain(c.serial.toLowerCase());
    expect(text).toContain('Superseded');
    let failed = '';
    try {
      execFileSync('openssl', ['verify', '-crl_check', '-CAfile', caPaths(t.dir).rootCert, '-CRLfile', crlFile, leaf], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      failed = String((err as { stdout: Buffer }).stdout) + String((err as { stderr: Buffer }).stderr);
    }
    expect(failed).toContain('certificate revoked');
  });

  it('drops expired entries from the CRL, keeps numbers increasing, and sets nextUpdate', async () => {
    const a = t.ca.authority;
    const tok = await a.createEnrollmentToken({ subject: 'e-1', sans: [], certTtlSeconds: 3600 }, 'x');
    const c = await a.enroll(tok.token, csrPem('CN=e-1', []));
    const tok2 = await a.createEnrollmentToken({ subject: 'e-2', sans: [], certTtlSeconds: 86400 }, 'x');
    const c2 = await a.enroll(tok2.token, csrPem('CN=e-2', []));
    await a.revokeSerial(c.serial, undefined, 'x');
    const r2 = await a.revokeSerial(c2.serial, undefined, 'x');
    const withBoth = (await t.ca.crl.current())!;
    expect(withBoth.entryCount).toBe(2);
    expect(withBoth.number).toBe(r2.crlNumber);
    expect(withBoth.nextUpdate.getTime() - withBoth.thisUpdate.getTime()).toBe(86400_000);
    t.clock.advance(2 * 3600_000);
    const later = await t.ca.crl.rebuild('test');
    expect(later.number).toBe(withBoth.number + 1);
    expect(later.entryCount).toBe(1);
    const f = join(t.dir, 'later.pem');
    writeFileSync(f, later.pem);
    const text = execFileSync('openssl', ['crl', '-in', f, '-noout', '-text']).toString().toLowerCase();
    expect(text).toContain(c2.serial);
    expect(text).not.toContain(c.serial);
  });

  it('renews with the current certificate (new key allowed), refuses revoked, expired and unknown ones', async () => {
    const a = t.ca.authority;
    const tok = await a.createEnrollmentToken({ subject: 'n-1', sans: ['dns:n-1.example'], certTtlSeconds: 3600 }, 'admin:test');
    const c = await a.enroll(tok.token, csrPem('CN=n-1', ['dns:n-1.example']));
    const der = pemToDer(c.certificatePem, 'CERTIFICATE');
    await expectCode(a.renew(der, csrPem('CN=n-2', ['dns:n-1.example'])), 'name_mismatch');
    const newKey = ecKey('P-384');
    const renewed = await a.renew(der, csrPem('CN=n-1', ['dns:n-1.example'], newKey));
    expect(renewed.serial).not.toBe(c.serial);
    expect((await t.ca.store.getCertificate(renewed.serial))?.renewedFrom).toBe(c.serial);
    expect(renewed.notAfter.getTime() - renewed.notBefore.getTime()).toBe((3600 + 300) * 1000);
    // Renewed once: another renewal of the same certificate is refused and audited (C26) ...
    await expectCode(a.renew(der, csrPem('CN=n-1', ['dns:n-1.example'])), 'certificate_superseded');
    const refusals = (await a.listAudit(0, 1000)).filter((r) => r.action === 'renew.refused_superseded');
    expect(refusals.map((r) => r.details)).toEqual([{ serial: c.serial, host: 'n-1', supersededBy: renewed.serial }]);
    // ... except a retry with the key of that renewal: the same certificate again, nothing new stored.
    const retry = await a.renew(der, csrPem('CN=n-1', ['dns:n-1.example'], newKey));
    expect([retry.serial, retry.certificatePem]).toEqual([renewed.serial, renewed.certificatePem]);
    expect((await a.listCertificates({ host: 'n-1', limit: 10 })).items).toHaveLength(2);
    // Unknown: a certificate of another CA run.
    const other = await makeTestCa();
    try {
      const ot = await other.ca.authority.createEnrollmentToken({ subject: 'n-1', sans: ['dns:n-1.example'] }, 'x');
      const oc = await other.ca.authority.enroll(ot.token, csrPem('CN=n-1', ['dns:n-1.example']));
      await expectCode(a.renew(pemToDer(oc.certificatePem, 'CERTIFICATE'), csrPem('CN=n-1', ['dns:n-1.example'])), 'certificate_unknown');
    } finally {
      await other.cleanup();
    }
    await a.revokeSerial(c.serial, undefined, 'admin:test');
    await expectCode(a.renew(der, csrPem('CN=n-1', ['dns:n-1.example'])), 'certificate_revoked');
    const rDer = pemToDer(renewed.certificatePem, 'CERTIFICATE');
    t.clock.advance(3601_000);
    await expectCode(a.renew(rDer, csrPem('CN=n-1', ['dns:n-1.example'])), 'certificate_expired');
  });

  it('validates token requests and enforces the lifetime limits', async () => {
    const a = t.ca.authority;
    await expectCode(a.createEnrollmentToken({ subject: '', sans: [] }, 'x'), 'invalid_request');
    await expectCode(a.createEnrollmentToken({ subject: 'a', sans: ['ftp:x'] }, 'x'), 'invalid_request');
    await expectCode(a.createEnrollmentToken({ subject: 'a', sans: ['dns:a.example', 'DNS:A.example'] }, 'x'), 'invalid_request');
    await expectCode(a.createEnrollmentToken({ subject: 'a', sans: [], ttlSeconds: 8 * 86400 }, 'x'), 'ttl_too_long');
    await expectCode(a.createEnrollmentToken({ subject: 'a', sans: [], certTtlSeconds: 31 * 86400 }, 'x'), 'ttl_too_long');
  });

  it('keeps a hash-chained audit log that detects tampering', async () => {
    const a = t.ca.authority;
    const tok = await a.createEnrollmentToken({ subject: 'au', sans: [] }, 'admin:alice');
    const c = await a.enroll(tok.token, csrPem('CN=au', []));
    await a.revokeSerial(c.serial, undefined, 'admin:alice');
    const records = await a.listAudit(0, 1000);
    const actions = records.map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining(['ca.init', 'admin_token.create', 'token.create', 'certificate.issue', 'certificate.revoke', 'crl.publish']),
    );
    expect(verifyAuditChain(records)).toMatchObject({ ok: true, count: records.length });
    // Tamper with one record through SQLite directly (dropping the append-only trigger first).
    await t.ca.close();
    const db = new Database(caPaths(t.dir).database);
    expect(() => db.prepare("UPDATE audit_log SET actor = 'admin:mallory' WHERE action = 'certificate.revoke'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 1').run()).toThrow(/append-only/);
    db.exec('DROP TRIGGER audit_log_no_update');
    db.prepare("UPDATE audit_log SET actor = 'admin:mallory' WHERE action = 'certificate.revoke'").run();
    db.close();
    const { SqliteCaStore } = await import('../../../ca-server/src/store/sqlite-store.js');
    const s = SqliteCaStore.open(caPaths(t.dir).database);
    const bad = verifyAuditChain(await s.listAudit(0, 1000));
    await s.close();
    expect(bad.ok).toBe(false);
    const revokeSeq = records.find((r) => r.action === 'certificate.revoke')!.seq;
    expect(bad).toMatchObject({ badSeq: revokeSeq });
    t.ca = { ...t.ca, close: async () => undefined } as typeof t.ca;
  });

  it('fails the operation when its audit record cannot be written (nothing changes)', async () => {
    const a = t.ca.authority;
    const tok = await a.createEnrollmentToken({ subject: 'fa', sans: [] }, 'admin:test');
    const raw = (t.ca.store as unknown as { db: Database.Database }).db;
    raw.exec("CREATE TRIGGER audit_fail BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END;");
    await expectCode(a.enroll(tok.token, csrPem('CN=fa', [])), 'audit_write_failed');
    expect((await t.ca.store.listCertificates({ now: new Date(), limit: 10 })).items).toHaveLength(0);
    expect((await t.ca.store.findToken((await import('../../../ca-server/src/authority/secret-tokens.js')).hashSecretToken(tok.token)))?.usedAt).toBeNull();
    await expectCode(a.createEnrollmentToken({ subject: 'fb', sans: [] }, 'admin:test'), 'audit_write_failed');
    raw.exec('DROP TRIGGER audit_fail');
    await a.enroll(tok.token, csrPem('CN=fa', []));
  });
});

describe('authority with a faulty X.509 layer', () => {
  it('a certificate that fails the lint is not stored, not returned, and leaves the token usable (lint_failed)', async () => {
    const t = await makeTestCa();
    try {
      const { CertificateAuthority } = await import('../../../ca-server/src/authority/authority.js');
      const { authorityConfig } = await import('../../../ca-server/src/authority/authority-config.js');
      const base = t.ca.x509;
      // Signs a certificate with an extra SAN the token never allowed: the lint must catch it.
      const faulty = {
        ...base,
        issueLeaf: (req: Parameters<typeof base.issueLeaf>[0]) =>
          base.issueLeaf({ ...req, sans: [...req.sans, { type: 'dns' as const, value: 'evil.example' }] }),
      };
      const a = new CertificateAuthority({
        store: t.ca.store,
        x509: faulty,
        issuer: t.ca.issuer,
        crl: t.ca.crl,
        config: authorityConfig(),
        clock: t.clock.now,
        random: (n) => new Uint8Array(randomBytes(n)),
      });
      const tok = await a.createEnrollmentToken({ subject: 'lf', sans: ['dns:lf.example'] }, 'x');
      await expectCode(a.enroll(tok.token, csrPem('CN=lf', ['dns:lf.example'])), 'lint_failed');
      expect((await t.ca.store.listCertificates({ now: new Date(), limit: 10 })).items).toHaveLength(0);
      await t.ca.authority.enroll(tok.token, csrPem('CN=lf', ['dns:lf.example']));
    } finally {
      await t.cleanup();
    }
  });
});

describe('authority with an intermediate', () => {
  it('issues from the intermediate and returns it as chain', async () => {
    const t = await makeTestCa({ intermediate: true });
    try {
      const tok = await t.ca.authority.createEnrollmentToken({ subject: 'i-1', sans: [] }, 'x');
      const c = await t.ca.authority.enroll(tok.token, csrPem('CN=i-1', []));
      expect(c.chainPem).toContain('BEGIN CERTIFICATE');
      const leaf = join(t.dir, 'leaf.pem');
      const chain = join(t.dir, 'chain.pem');
      writeFileSync(leaf, c.certificatePem);
      writeFileSync(chain, c.chainPem);
      const out = execFileSync('openssl', ['verify', '-CAfile', caPaths(t.dir).rootCert, '-untrusted', chain, leaf]).toString();
      expect(out).toContain(': OK');
    } finally {
      await t.cleanup();
    }
  });
});
