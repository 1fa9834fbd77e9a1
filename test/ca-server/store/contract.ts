/**
 * The CaStore contract, one suite for every backend (`sqlite-contract.int.test.ts`,
 * `pg-contract.e2e.test.ts` call {@link defineStoreContract}). Everything goes through the store
 * factory (`openStore`), as the CA does.
 *
 * Besides the behaviour of each method, it checks the guarantees that must hold with concurrent
 * writers — several store handles (connections) in this process and several processes — in every
 * interleaving: a token is consumed once; the last usable admin token cannot be revoked; a
 * certificate has at most one successor; the audit chain has one head and no gap; CRL numbers are
 * never handed out twice and the stored CRL number never goes backwards; once a host revocation has
 * committed the host holds no valid certificate. Those are invariants, so each concurrency test
 * asserts them on whatever interleaving happened; the number of rounds is fixed.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../../common/src/audit/audit-chain.js';
import type { CaStore } from '../../../ca-server/src/store/ca-store.js';
import { openStore, type OpenedStore } from '../../../ca-server/src/store/open-store.js';
import type { StoreLocation } from '../../../ca-server/src/store/store-url.js';
import { copySnapshot, SNAPSHOT_TABLES, type SnapshotChunk } from '../../../ca-server/src/store/snapshot.js';
import {
  CRL_SLOTS,
  type CaConfigRecord,
  type CertificateRecord,
  type CrlSlotRecord,
  type TokenRecord,
  type UiSessionRecord,
} from '../../../ca-server/src/store/types.js';
import { runWorkers } from './store-processes.js';

export interface StoreBackendHarness {
  /** A location of a new, empty store. */
  fresh(): Promise<StoreLocation>;
}

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);
const audit = (action: string, details: Record<string, unknown> = {}) => ({ time: T0, actor: 'test', action, details });
const ISSUER = 'issuer';
const codeOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: { code?: string; message?: string }) => e.code ?? `error: ${e.message}`,
  );

export function cert(serial: string, host: string, over: Partial<CertificateRecord> = {}): CertificateRecord {
  return {
    serial,
    host,
    subject: `CN=${host}`,
    sans: ['dns:a.example'],
    notBefore: T0,
    notAfter: at(86_400_000),
    status: 'valid',
    revokedAt: null,
    reason: null,
    fingerprint: Buffer.from(serial).toString('hex').padEnd(64, '0'),
    der: Uint8Array.of(1, 2, 3, serial.length),
    issuerId: ISSUER,
    renewedFrom: null,
    issuedAt: T0,
    certTtlSeconds: 86400,
    ...over,
  };
}

function token(hash: string, subject: string, ttlMs = 60_000): TokenRecord {
  return { hash, subject, sans: ['dns:x.example'], certTtlSeconds: 60, createdAt: T0, expiresAt: at(ttlMs), usedAt: null, createdBy: 'admin:x' };
}

const adminHash = (c: string): string => c.repeat(64).slice(0, 64);

export function defineStoreContract(name: string, harness: StoreBackendHarness | (() => StoreBackendHarness)): void {
  describe(`CaStore contract: ${name}`, () => {
    let h: StoreBackendHarness;
    let loc: StoreLocation;
    const opened: OpenedStore[] = [];
    /** A new handle (own connection / pool) on the current store. */
    const handle = async (): Promise<CaStore> => {
      const o = await openStore({ location: loc });
      opened.push(o);
      return o.store;
    };
    /** A fresh store with the issuing CA certificate (the certificates' foreign key). */
    const freshStore = async (): Promise<CaStore> => {
      loc = await h.fresh();
      const s = await handle();
      await s.putCaCertificates([{ id: ISSUER, role: 'root', der: Uint8Array.of(9), notAfter: new Date('2030-01-01Z'), issuing: true }], audit('ca.init'));
      return s;
    };
    beforeAll(() => {
      h = typeof harness === 'function' ? harness() : harness;
    });
    afterEach(async () => {
      for (const o of opened.splice(0)) await o.close();
    });

    it('keeps every record type across reopen, with one verifiable audit chain', async () => {
      const s = await freshStore();
      expect(await s.getCaCertificates()).toEqual([
        { id: ISSUER, role: 'root', der: Uint8Array.of(9), notAfter: new Date('2030-01-01Z'), issuing: true, revokedAt: null, reason: null, state: 'active' },
      ]);
      await s.createToken(token('h1', 'a'), audit('token.create'));
      await s.issueWithToken({ tokenHash: 'h1', now: T0, certificate: cert('0a', 'a'), audit: audit('certificate.issue') });
      await s.createAdminToken({ hash: adminHash('a'), role: 'admin', name: 'initial', createdAt: T0 }, audit('admin_token.create'));
      await s.saveCrl({ issuerId: ISSUER, number: 1, thisUpdate: T0, nextUpdate: at(1000), der: Uint8Array.of(7) }, audit('crl.publish'));
      const first = await s.appendAudit(audit('custom', { nested: { b: 1, a: [1, 'x'] } }));
      expect(first).toMatchObject({ seq: 6, action: 'custom' });
      for (const o of opened.splice(0)) await o.close();
      const r = await handle();
      expect(await r.getCertificate('0a')).toEqual(cert('0a', 'a'));
      expect(await r.findToken('h1')).toEqual({ ...token('h1', 'a'), usedAt: T0 });
      expect(await r.findAdminToken(adminHash('a'))).toEqual({
        hash: adminHash('a'),
        id: adminHash('a').slice(0, 16),
        role: 'admin',
        name: 'initial',
        createdAt: T0,
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
      });
      expect(await r.getCrl(ISSUER)).toEqual({ issuerId: ISSUER, number: 1, thisUpdate: T0, nextUpdate: at(1000), der: Uint8Array.of(7) });
      const log = await r.listAudit(0, 100);
      expect(log.map((x) => x.action)).toEqual(['ca.init', 'token.create', 'certificate.issue', 'admin_token.create', 'crl.publish', 'custom']);
      expect(log[5]).toEqual(first);
      expect(verifyAuditChain(log)).toMatchObject({ ok: true, count: 6 });
      expect((await r.listAudit(4, 1)).map((x) => x.seq)).toEqual([5]);
      await r.ping();
    });

    it('consumes a token once; expired and unknown tokens are refused; a blocked host gets nothing', async () => {
      const s = await freshStore();
      await s.createToken(token('h2', 'b'), audit('token.create'));
      await s.issueWithToken({ tokenHash: 'h2', now: T0, certificate: cert('0b', 'b'), audit: audit('certificate.issue') });
      expect(await codeOf(s.issueWithToken({ tokenHash: 'h2', now: T0, certificate: cert('0c', 'b'), audit: audit('x') }))).toBe('token_used');
      expect(await s.getCertificate('0c')).toBeUndefined();
      await s.createToken(token('h3', 'b', 1000), audit('token.create'));
      expect(await codeOf(s.issueWithToken({ tokenHash: 'h3', now: at(1000), certificate: cert('0d', 'b'), audit: audit('x') }))).toBe('token_expired');
      expect(await codeOf(s.issueWithToken({ tokenHash: 'nope', now: T0, certificate: cert('0e', 'b'), audit: audit('x') }))).toBe('token_invalid');
      await s.createToken(token('h4', 'blk'), audit('token.create'));
      await s.revokeHost({ host: 'blk', revokedAt: T0, reason: null, audit: () => audit('host.revoke') });
      expect(await codeOf(s.issueWithToken({ tokenHash: 'h4', now: T0, certificate: cert('0f', 'blk'), audit: audit('x') }))).toBe('host_blocked');
      // A refused token stays usable (the host is unblocked, then it works).
      expect(await s.unblockHost({ host: 'blk', audit: audit('host.unblock') })).toBe(true);
      await s.issueWithToken({ tokenHash: 'h4', now: T0, certificate: cert('0f', 'blk'), audit: audit('certificate.issue') });
      const log = await s.listAudit(0, 100);
      expect(log.filter((r) => r.action === 'certificate.issue')).toHaveLength(2);
      expect(log.some((r) => r.action === 'x')).toBe(false);
      expect(verifyAuditChain(log).ok).toBe(true);
    });

    it('operations queued together fail independently and keep one audit chain', async () => {
      const s = await freshStore();
      await Promise.all(Array.from({ length: 10 }, (_, i) => s.createToken(token(`g${i}`, 'g'), audit('token.create'))));
      const ops = Array.from({ length: 8 }, (_, i) =>
        s.issueWithToken({ tokenHash: `g${i}`, now: T0, certificate: cert(`2${i}`, 'g'), audit: audit('certificate.issue', { i }) }),
      );
      ops.push(s.issueWithToken({ tokenHash: 'g3', now: T0, certificate: cert('29', 'g'), audit: audit('certificate.issue', { dup: true }) }));
      // A database-level failure (the serial of the first operation again) fails only its own operation.
      ops.push(s.issueWithToken({ tokenHash: 'g9', now: T0, certificate: cert('20', 'g'), audit: audit('certificate.issue', { dupSerial: true }) }));
      const results = await Promise.allSettled(ops);
      expect(results.slice(0, 8).map((r) => r.status)).toEqual(Array(8).fill('fulfilled'));
      expect((results[8] as PromiseRejectedResult).reason).toMatchObject({ code: 'token_used' });
      expect(results[9]!.status).toBe('rejected');
      expect((await s.findToken('g9'))?.usedAt).toBeNull();
      expect(await s.getCertificate('29')).toBeUndefined();
      const log = await s.listAudit(0, 1000);
      expect(log.filter((r) => r.action === 'certificate.issue')).toHaveLength(8);
      expect(verifyAuditChain(log)).toMatchObject({ ok: true, count: log.length });
    });

    it('revocation, host blocking, the CRL listing, inventory filters and pagination', async () => {
      const s = await freshStore();
      const now = at(1000);
      await s.createToken(token('t', 'h', 10_000), audit('token.create'));
      await s.issueWithToken({ tokenHash: 't', now: T0, certificate: cert('01', 'h'), audit: audit('certificate.issue') });
      await s.recordRenewal({ oldSerial: '01', now, certificate: cert('02', 'h', { renewedFrom: '01' }), audit: audit('certificate.renew') });
      await s.recordRenewal({
        oldSerial: '02',
        now,
        certificate: cert('03', 'h', { renewedFrom: '02', notAfter: at(500) }),
        audit: audit('certificate.renew'),
      });
      const r = await s.revokeCertificate({
        serial: '01',
        revokedAt: now,
        reason: 'keyCompromise',
        audit: (c) => audit('certificate.revoke', { host: c.host }),
      });
      expect(r).toEqual({ ...cert('01', 'h'), status: 'revoked', revokedAt: now, reason: 'keyCompromise' });
      expect(await codeOf(s.revokeCertificate({ serial: '01', revokedAt: now, reason: null, audit: audit('x') }))).toBe('already_revoked');
      expect(await codeOf(s.revokeCertificate({ serial: 'ff', revokedAt: now, reason: null, audit: audit('x') }))).toBe('certificate_not_found');
      expect(await codeOf(s.recordRenewal({ oldSerial: '01', now, certificate: cert('04', 'h'), audit: audit('x') }))).toBe('certificate_revoked');
      expect(await codeOf(s.recordRenewal({ oldSerial: '77', now, certificate: cert('04', 'h'), audit: audit('x') }))).toBe('certificate_unknown');
      expect(await codeOf(s.recordRenewal({ oldSerial: '03', now: at(600), certificate: cert('04', 'h'), audit: audit('x') }))).toBe('certificate_expired');
      expect((await s.listCertificates({ now, limit: 10, status: 'active' })).items.map((c) => c.serial)).toEqual(['02']);
      expect((await s.listCertificates({ now, limit: 10, status: 'expired' })).items.map((c) => c.serial)).toEqual(['03']);
      expect((await s.listCertificates({ now, limit: 10, status: 'revoked' })).items.map((c) => c.serial)).toEqual(['01']);
      const p1 = await s.listCertificates({ now, limit: 2, host: 'h' });
      expect(p1.items.map((c) => c.serial)).toEqual(['03', '02']);
      const p2 = await s.listCertificates({ now, limit: 2, host: 'h', cursor: p1.nextCursor });
      expect([p2.items.map((c) => c.serial), p2.nextCursor]).toEqual([['01'], undefined]);
      expect(await codeOf(s.listCertificates({ now, limit: 2, cursor: 'bogus!' }))).toBe('invalid_request');
      const serials = await s.revokeHost({ host: 'h', revokedAt: now, reason: null, audit: (list) => audit('host.revoke', { serials: [...list] }) });
      expect([...serials]).toEqual(['02', '03']);
      expect(await s.isHostBlocked('h')).toBe(true);
      expect(await s.isHostBlocked('other')).toBe(false);
      // 03 expired before `now`: the CRL does not need it.
      expect(await s.listRevokedUnexpired(ISSUER, now)).toEqual([
        { serial: '01', revokedAt: now, reason: 'keyCompromise', notAfter: at(86_400_000) },
        { serial: '02', revokedAt: now, reason: null, notAfter: at(86_400_000) },
      ]);
      expect(await s.unblockHost({ host: 'h', audit: audit('host.unblock') })).toBe(true);
      expect(await s.unblockHost({ host: 'h', audit: audit('host.unblock') })).toBe(false);
      const log = await s.listAudit(0, 100);
      expect(log.filter((x) => x.action === 'host.unblock')).toHaveLength(1);
      expect(verifyAuditChain(log).ok).toBe(true);
    });

    it('a certificate has at most one successor; findRenewalOf finds it', async () => {
      const s = await freshStore();
      await s.createToken(token('t', 'r'), audit('token.create'));
      await s.issueWithToken({ tokenHash: 't', now: T0, certificate: cert('a1', 'r'), audit: audit('certificate.issue') });
      expect(await s.findRenewalOf('a1')).toBeUndefined();
      await s.recordRenewal({ oldSerial: 'a1', now: T0, certificate: cert('a2', 'r', { renewedFrom: 'a1' }), audit: audit('certificate.renew') });
      expect((await s.findRenewalOf('a1'))?.serial).toBe('a2');
      expect(await codeOf(s.recordRenewal({ oldSerial: 'a1', now: T0, certificate: cert('a3', 'r', { renewedFrom: 'a1' }), audit: audit('x') }))).toBe(
        'certificate_superseded',
      );
      expect(await s.getCertificate('a3')).toBeUndefined();
    });

    it('CRL numbers are allocated by the store, above every stored one; a stored CRL never goes backwards', async () => {
      const s = await freshStore();
      expect(await s.allocateCrlNumber(ISSUER)).toBe(1);
      expect(await s.allocateCrlNumber(ISSUER)).toBe(2);
      const crl = (n: number) => ({ issuerId: ISSUER, number: n, thisUpdate: T0, nextUpdate: T0, der: Uint8Array.of(n) });
      await s.saveCrl(crl(5), undefined);
      await expect(s.saveCrl(crl(5), undefined)).rejects.toThrow(/must increase/);
      await expect(s.saveCrl(crl(4), undefined)).rejects.toThrow(/must increase/);
      expect((await s.getCrl(ISSUER))?.number).toBe(5);
      // Above the stored number, even though the counter was lower.
      expect(await s.allocateCrlNumber(ISSUER)).toBe(6);
      expect(await s.allocateCrlNumber('other-issuer')).toBe(1);
      await s.saveCrl(crl(6), audit('crl.publish'));
      expect((await s.getCrl(ISSUER))?.der).toEqual(Uint8Array.of(6));
    });

    it('admin tokens: lifecycle, lock-out protection, throttled last use', async () => {
      const s = await freshStore();
      await s.createAdminToken({ hash: adminHash('a'), role: 'admin', name: 'initial', createdAt: T0 }, audit('admin_token.create'));
      await s.createAdminToken({ hash: adminHash('b'), role: 'operator', name: 'ops', createdAt: at(1), expiresAt: at(60_000) }, audit('admin_token.create'));
      const idA = adminHash('a').slice(0, 16);
      expect(await codeOf(s.revokeAdminToken({ id: idA, revokedAt: at(5), revokedBy: 'x', audit: audit('admin_token.revoke') }))).toBe('last_admin_token');
      expect(await codeOf(s.revokeAdminToken({ id: 'nope', revokedAt: at(5), revokedBy: 'x', audit: audit('admin_token.revoke') }))).toBe(
        'admin_token_not_found',
      );
      await s.createAdminToken({ hash: adminHash('c'), role: 'admin', name: 'second', createdAt: at(2) }, audit('admin_token.create'));
      const rec = await s.revokeAdminToken({ id: idA, revokedAt: at(5), revokedBy: 'admin:c', audit: (r) => audit('admin_token.revoke', { id: r.id }) });
      expect(rec).toMatchObject({ id: idA, revokedAt: at(5) });
      expect(await codeOf(s.revokeAdminToken({ id: idA, revokedAt: at(6), revokedBy: 'x', audit: audit('x') }))).toBe('admin_token_revoked');
      expect((await s.listAdminTokens()).map((t) => t.name)).toEqual(['initial', 'ops', 'second']);
      await s.touchAdminToken(idA, at(100), 60_000);
      await s.touchAdminToken(idA, at(200), 60_000);
      expect((await s.findAdminToken(adminHash('a')))?.lastUsedAt).toEqual(at(100));
      await s.touchAdminToken(idA, at(60_100), 60_000);
      expect((await s.findAdminToken(adminHash('a')))?.lastUsedAt).toEqual(at(60_100));
      const log = await s.listAudit(0, 100);
      expect(log.filter((x) => x.action === 'admin_token.revoke')).toEqual([expect.objectContaining({ details: { id: idA } })]);
    });

    it('a CA certificate is revoked once, with its reason; unknown ones are refused', async () => {
      const s = await freshStore();
      await s.putCaCertificates(
        [{ id: 'inter', role: 'intermediate', der: Uint8Array.of(8), notAfter: new Date('2029-01-01Z'), issuing: false }],
        audit('ca.rotation_certificate'),
      );
      const r = await s.revokeCaCertificate({ id: 'inter', revokedAt: at(5), reason: 'cACompromise', audit: audit('ca.revoke_certificate') });
      expect(r).toMatchObject({ id: 'inter', revokedAt: at(5), reason: 'cACompromise' });
      expect(await codeOf(s.revokeCaCertificate({ id: 'inter', revokedAt: at(6), reason: 'superseded', audit: audit('x') }))).toBe('already_revoked');
      expect(await codeOf(s.revokeCaCertificate({ id: 'nope', revokedAt: at(6), reason: 'superseded', audit: audit('x') }))).toBe('certificate_not_found');
      const all = await s.getCaCertificates();
      expect(all.find((c) => c.id === 'inter')).toMatchObject({ revokedAt: at(5), reason: 'cACompromise' });
      expect(all.find((c) => c.id === ISSUER)).toMatchObject({ revokedAt: null });
      const log = await s.listAudit(0, 100);
      expect(log.filter((x) => x.action === 'ca.revoke_certificate')).toHaveLength(1);
      expect(log.some((x) => x.action === 'x')).toBe(false);
    });

    it('the inventory names the successor of a renewed certificate and filters on it', async () => {
      const s = await freshStore();
      await s.createToken(token('t', 'sup'), audit('token.create'));
      await s.issueWithToken({ tokenHash: 't', now: T0, certificate: cert('b1', 'sup'), audit: audit('certificate.issue') });
      await s.recordRenewal({ oldSerial: 'b1', now: T0, certificate: cert('b2', 'sup', { renewedFrom: 'b1' }), audit: audit('certificate.renew') });
      const all = await s.listCertificates({ now: T0, limit: 10 });
      expect(all.items.map((c) => [c.serial, c.renewedBy])).toEqual([
        ['b2', null],
        ['b1', 'b2'],
      ]);
      expect((await s.listCertificates({ now: T0, limit: 10, superseded: true })).items.map((c) => c.serial)).toEqual(['b1']);
      expect((await s.listCertificates({ now: T0, limit: 10, superseded: false, status: 'active' })).items.map((c) => c.serial)).toEqual(['b2']);
    });

    describe('the console', () => {
      const HOUR = 3_600_000;
      const sec = (n: number): Date => at(n * 1000);
      const session = (id: string, over: Partial<UiSessionRecord> = {}): UiSessionRecord => ({
        idHash: id.repeat(64),
        adminTokenId: 'a'.repeat(16),
        createdAt: T0,
        lastSeenAt: T0,
        idleExpiresAt: sec(900),
        expiresAt: sec(8 * 3600),
        ...over,
      });
      const consoleStore = async (): Promise<CaStore> => {
        const s = await freshStore();
        await s.putCaCertificates(
          [{ id: 'other', role: 'intermediate', der: Uint8Array.of(8), notAfter: new Date('2030-01-01Z'), issuing: false }],
          audit('x.ca'),
        );
        await s.createAdminToken({ hash: 'a'.repeat(64), role: 'admin', name: 'alice', createdAt: T0 }, audit('admin_token.create'));
        return s;
      };
      const issue = async (s: CaStore, c: CertificateRecord): Promise<void> => {
        const hash = `t${c.serial}`.padEnd(64, '0');
        await s.createToken({ ...token(hash, c.host, 3_600_000), sans: c.sans }, audit('token.create'));
        await s.issueWithToken({ tokenHash: hash, now: T0, certificate: c, audit: audit('certificate.issue') });
      };

      it('sessions: stored by hash, found with their admin token, touched, deleted once; sign-in and sign-out audited', async () => {
        const s = await consoleStore();
        await s.createUiSession(session('1'), audit('console.sign_in'));
        const found = await s.findUiSession('1'.repeat(64));
        expect(found?.session).toEqual(session('1'));
        expect(found?.adminToken).toMatchObject({ id: 'a'.repeat(16), name: 'alice', role: 'admin', revokedAt: null });
        expect(await s.findUiSession('2'.repeat(64))).toBeUndefined();
        await s.touchUiSession('1'.repeat(64), sec(60), sec(960));
        expect((await s.findUiSession('1'.repeat(64)))?.session).toMatchObject({ lastSeenAt: sec(60), idleExpiresAt: sec(960) });
        expect(await s.deleteUiSession('1'.repeat(64), audit('console.sign_out'))).toBe(true);
        expect(await s.deleteUiSession('1'.repeat(64), audit('console.sign_out'))).toBe(false);
        expect(await s.deleteUiSession('1'.repeat(64), undefined)).toBe(false);
        expect(await s.findUiSession('1'.repeat(64))).toBeUndefined();
        const log = await s.listAudit(0, 100);
        expect(log.map((r) => r.action).filter((a) => a.startsWith('console.'))).toEqual(['console.sign_in', 'console.sign_out']);
        expect(verifyAuditChain(log).ok).toBe(true);
      });

      it('a new session purges the ones that ended (idle or absolute), and only those', async () => {
        const s = await consoleStore();
        await s.createUiSession(session('1', { idleExpiresAt: sec(100) }), audit('console.sign_in'));
        await s.createUiSession(session('2', { expiresAt: sec(100), idleExpiresAt: sec(100) }), audit('console.sign_in'));
        await s.createUiSession(session('3'), audit('console.sign_in'));
        await s.createUiSession(session('4', { createdAt: sec(100), lastSeenAt: sec(100), idleExpiresAt: sec(1000) }), audit('console.sign_in'));
        const left: string[] = [];
        for (const id of ['1', '2', '3', '4']) if (await s.findUiSession(id.repeat(64))) left.push(id);
        expect(left).toEqual(['3', '4']);
      });

      it('search: host and SAN prefixes (lower-case, binary order), serial alternatives, filters, sorts and keyset cursors', async () => {
        const s = await consoleStore();
        await issue(s, cert('0a', 'Web-1', { sans: ['dns:web-1.example', 'ip:10.0.0.7'], notAfter: sec(3 * 3600) }));
        await issue(s, cert('0b', 'web-2', { sans: ['dns:web-2.example'], notAfter: sec(2 * 3600) }));
        await issue(s, cert('0c', 'db-1', { sans: [], notAfter: sec(1 * 3600), issuerId: 'other' }));
        // Upper-case ASCII sorts before lower-case in binary order: a locale collation would put it inside the prefix range.
        await issue(s, cert('0d', 'webz', { sans: ['dns:WEB_Q.example'], notAfter: sec(4 * 3600) }));
        await s.revokeCertificate({ serial: '0b', revokedAt: T0, reason: null, audit: audit('certificate.revoke') });
        const q = (over: object) => s.searchCertificates({ now: T0, sort: 'newest', limit: 10, ...over });
        const serialsOf = async (over: object) => (await q(over)).items.map((c) => c.serial);
        expect(await serialsOf({ namePrefix: 'web' })).toEqual(['0d', '0b', '0a']);
        expect(await serialsOf({ namePrefix: 'web-1' })).toEqual(['0a']);
        expect(await serialsOf({ namePrefix: 'web_' })).toEqual(['0d']);
        expect(await serialsOf({ namePrefix: '10.0.0' })).toEqual(['0a']);
        expect(await serialsOf({ namePrefix: 'web-2.example' })).toEqual(['0b']);
        expect(await serialsOf({ namePrefix: 'example' })).toEqual([]);
        expect(await serialsOf({ namePrefix: '0c', serials: ['0c'] })).toEqual(['0c']);
        expect(await serialsOf({ serials: ['0a', '0c', 'ff'] })).toEqual(['0c', '0a']);
        expect(await serialsOf({ status: 'revoked' })).toEqual(['0b']);
        expect(await serialsOf({ status: 'active' })).toEqual(['0d', '0c', '0a']);
        expect(await serialsOf({ status: 'expired' })).toEqual([]);
        expect(await serialsOf({ status: 'active', now: sec(2.5 * 3600) })).toEqual(['0d', '0a']);
        expect(await serialsOf({ status: 'expired', now: sec(2.5 * 3600) })).toEqual(['0c']);
        expect(await serialsOf({ issuerId: 'other' })).toEqual(['0c']);
        expect(await serialsOf({ sort: 'expiry_asc' })).toEqual(['0c', '0b', '0a', '0d']);
        expect(await serialsOf({ sort: 'expiry_desc' })).toEqual(['0d', '0a', '0b', '0c']);
        const pages: string[] = [];
        let cursor: string | undefined;
        for (let i = 0; i < 4; i++) {
          const p = await q({ sort: 'expiry_asc', limit: 1, cursor });
          pages.push(...p.items.map((c) => c.serial));
          cursor = p.nextCursor;
        }
        expect([pages, cursor]).toEqual([['0c', '0b', '0a', '0d'], undefined]);
        const d1 = await q({ sort: 'expiry_desc', limit: 3 });
        expect((await q({ sort: 'expiry_desc', limit: 3, cursor: d1.nextCursor })).items.map((c) => c.serial)).toEqual(['0c']);
        const n1 = await q({ sort: 'newest', limit: 2 });
        expect((await q({ sort: 'newest', limit: 2, cursor: n1.nextCursor })).items.map((c) => c.serial)).toEqual(['0b', '0a']);
        await expect(q({ sort: 'newest', cursor: d1.nextCursor })).rejects.toMatchObject({ code: 'invalid_request' });
        await expect(q({ sort: 'newest', cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'invalid_request' });
      });

      it('stats: by status at now, and unrevoked expiries per bucket', async () => {
        const s = await consoleStore();
        await issue(s, cert('01', 'a', { notAfter: sec(30 * 60) }));
        await issue(s, cert('02', 'b', { notAfter: sec(90 * 60) }));
        await issue(s, cert('03', 'c', { notAfter: sec(100 * 60) }));
        await issue(s, cert('04', 'd', { notAfter: sec(100 * 60) }));
        await s.revokeCertificate({ serial: '04', revokedAt: T0, reason: null, audit: audit('certificate.revoke') });
        expect(await s.certificateStats(sec(45 * 60), [sec(45 * 60), sec(105 * 60), sec(165 * 60)])).toEqual({
          active: 2,
          expired: 1,
          revoked: 1,
          expiring: [2, 0],
        });
        expect(await s.certificateStats(sec(45 * 60), [])).toEqual({ active: 2, expired: 1, revoked: 1, expiring: [] });
        expect(HOUR).toBe(3_600_000);
      });

      it('audit filter: exact action, actor prefix, time window, newest first, pages by seq', async () => {
        const s = await consoleStore();
        await s.appendAudit({ time: sec(10), actor: 'admin:alice via=ui token=aaaaaaaaaaaaaaaa', action: 'certificate.revoke', details: {} });
        await s.appendAudit({ time: sec(20), actor: 'admin:bob', action: 'certificate.revoke', details: {} });
        await s.appendAudit({ time: sec(30), actor: 'admin:alice', action: 'token.create', details: {} });
        await s.appendAudit({ time: sec(40), actor: 'admin:ALICE', action: 'token.create', details: {} });
        const actions = async (q: object) => (await s.searchAudit({ limit: 10, ...q })).map((r) => `${r.actor}/${r.action}`);
        expect(await actions({ action: 'certificate.revoke' })).toEqual([
          'admin:bob/certificate.revoke',
          'admin:alice via=ui token=aaaaaaaaaaaaaaaa/certificate.revoke',
        ]);
        expect(await actions({ actorPrefix: 'admin:alice' })).toEqual([
          'admin:alice/token.create',
          'admin:alice via=ui token=aaaaaaaaaaaaaaaa/certificate.revoke',
        ]);
        expect(await actions({ since: sec(15), until: sec(30) })).toEqual(['admin:bob/certificate.revoke']);
        expect(await actions({ since: sec(41) })).toEqual([]);
        const newest = await s.searchAudit({ limit: 1 });
        expect((await s.searchAudit({ limit: 1, beforeSeq: newest[0]!.seq }))[0]!.action).toBe('token.create');
        expect((await s.searchAudit({ limit: 1, beforeSeq: newest[0]!.seq - 1 }))[0]!.action).toBe('certificate.revoke');
      });
    });

    describe('the CA state', () => {
      const config = (over: Partial<CaConfigRecord> = {}): CaConfigRecord => ({
        keyType: 'ec-p256',
        subject: 'CN=Test Root',
        intermediate: false,
        createdAt: T0,
        rootId: ISSUER,
        issuerId: ISSUER,
        pkcs11Module: null,
        rotatedAt: null,
        ...over,
      });
      const slot = (targetId: string, n: number | null, over: Partial<CrlSlotRecord> = {}): CrlSlotRecord => ({
        slot: CRL_SLOTS.primary,
        targetId,
        crlArn: 'arn:aws:rolesanywhere:us-east-1:123456789012:crl/1',
        pushedNumber: n === null ? null : String(n),
        pushedSha256: n === null ? null : n.toString(16).padStart(64, '0'),
        lastSuccessAt: n === null ? null : at(n),
        ...over,
      });
      const target = (id: string) => ({
        id,
        trustAnchorArn: `arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/${id}`,
        region: 'us-east-1',
        endpoint: null,
        createdAt: T0,
      });

      it('init stores configuration, keys and the first admin token in one transaction, once', async () => {
        loc = await h.fresh();
        const s = await handle();
        const empty = await s.getCaState();
        expect([empty.config, empty.rotation, empty.retained, empty.certificates]).toEqual([undefined, undefined, [], []]);
        const v0 = await s.getCaStateVersion();
        const init = {
          requireNoCa: true,
          addCertificates: [{ id: ISSUER, role: 'root' as const, der: Uint8Array.of(9), notAfter: new Date('2030-01-01Z'), issuing: true }],
          putKeys: [{ caId: ISSUER, kind: 'encrypted' as const, value: 'encrypted-pem' }],
          config: config(),
          adminTokens: [{ hash: adminHash('i'), role: 'admin' as const, name: 'initial', createdAt: T0 }],
          audit: [audit('ca.init'), audit('admin_token.create')],
        };
        const v = await s.updateCaState(init);
        expect(v).toEqual({ version: v0 + 1, rotationVersion: 0 });
        const st = await s.getCaState();
        expect(st.config).toEqual(config());
        expect(st.certificates).toEqual([expect.objectContaining({ id: ISSUER, state: 'active' })]);
        expect(await s.getCaKey(ISSUER)).toEqual({ caId: ISSUER, kind: 'encrypted', value: 'encrypted-pem' });
        expect(await s.getCaKey('nope')).toBeUndefined();
        expect((await s.findAdminToken(adminHash('i')))?.name).toBe('initial');
        // A second init on the same store is refused, and changes nothing (not even the admin token).
        expect(await codeOf(s.updateCaState({ ...init, adminTokens: [{ hash: adminHash('j'), role: 'admin', name: 'second', createdAt: T0 }] }))).toBe(
          'ca_exists',
        );
        expect(await s.findAdminToken(adminHash('j'))).toBeUndefined();
        expect(await s.getCaStateVersion()).toBe(v0 + 1);
        expect((await s.listAudit(0, 10)).map((r) => r.action)).toEqual(['ca.init', 'admin_token.create']);
      });

      it('the rotation document changes by compare-and-set; a stale change is refused whole; close moves it to the history', async () => {
        const s = await freshStore();
        await s.updateCaState({ config: config(), putKeys: [{ caId: ISSUER, kind: 'encrypted', value: 'k-root' }] });
        const next = { id: 'next', role: 'root' as const, der: Uint8Array.of(7), notAfter: new Date('2036-01-01Z'), issuing: true, state: 'next' as const };
        const r1 = await s.updateCaState({
          rotation: { expectVersion: 0, state: { id: 'b1', phase: 'preparing', done: ['generate', 'register'] } },
          addCertificates: [next],
          putKeys: [{ caId: 'next', kind: 'encrypted', value: 'k-next' }],
          audit: [audit('rotation.generate')],
        });
        expect(r1.rotationVersion).toBe(1);
        const st1 = await s.getCaState();
        expect(st1.rotation).toEqual({ version: 1, id: 'b1', state: { id: 'b1', phase: 'preparing', done: ['generate', 'register'] } });
        expect(st1.certificates.find((c) => c.id === 'next')).toMatchObject({ state: 'next', revokedAt: null });
        // Someone else moved it on (version 2); a change based on version 1 is refused with all its parts.
        await s.updateCaState({ rotation: { expectVersion: 1, state: { id: 'b1', phase: 'active' } } });
        expect(
          await codeOf(
            s.updateCaState({
              rotation: { expectVersion: 1, state: { id: 'b1', phase: 'aborting' } },
              config: config({ issuerId: 'next' }),
              audit: [audit('x')],
            }),
          ),
        ).toBe('store_state_conflict');
        expect(await codeOf(s.updateCaState({ rotation: { expectVersion: 0, state: { id: 'b2', phase: 'preparing' } } }))).toBe('store_state_conflict');
        const st2 = await s.getCaState();
        expect([st2.rotation?.version, st2.rotation?.state.phase, st2.config?.issuerId]).toEqual([2, 'active', ISSUER]);
        // Finish: the next CA becomes the CA, the old key goes, the rotation is closed, in one change.
        const fin = await s.updateCaState({
          rotation: { expectVersion: 2, state: { id: 'b1', phase: 'finishing', done: ['handover'] }, close: { outcome: 'finished', at: at(5) } },
          config: config({ rootId: 'next', issuerId: 'next', rotatedAt: at(5) }),
          certificateStates: { next: 'active', [ISSUER]: 'retired' },
          deleteKeys: [ISSUER],
          audit: [audit('rotation.finish')],
        });
        expect(fin.rotationVersion).toBe(0);
        const st3 = await s.getCaState();
        expect(st3.rotation).toBeUndefined();
        expect(st3.config).toMatchObject({ rootId: 'next', issuerId: 'next', rotatedAt: at(5) });
        expect(Object.fromEntries(st3.certificates.map((c) => [c.id, c.state]))).toEqual({ next: 'active', [ISSUER]: 'retired' });
        expect(await s.getCaKey(ISSUER)).toBeUndefined();
        expect(await s.getCaKey('next')).toMatchObject({ value: 'k-next' });
        expect(await s.listRotationHistory()).toEqual([
          { id: 'b1', outcome: 'finished', endedAt: at(5), state: { id: 'b1', phase: 'finishing', done: ['handover'] } },
        ]);
        expect(await codeOf(s.updateCaState({ certificateStates: { nope: 'retired' } }))).toBe('certificate_not_found');
        const log = await s.listAudit(0, 100);
        expect(log.map((x) => x.action).filter((a) => a !== 'ca.init')).toEqual(['rotation.generate', 'rotation.finish']);
        expect(verifyAuditChain(log).ok).toBe(true);
      });

      it('kept CRLs: added once, removed with their CRL slots', async () => {
        const s = await freshStore();
        await s.putSyncTarget(target('t1'), audit('sync_target.add'));
        const kept = { issuerId: ISSUER, kind: 'retired' as const, since: at(1), rotationId: 'r1' };
        await s.updateCaState({ addRetained: [kept] });
        await s.updateCaState({ addRetained: [{ ...kept, since: at(2) }] });
        expect((await s.getCaState()).retained).toEqual([kept]);
        await s.saveCrlSlot(slot('t1', 3, { slot: CRL_SLOTS.retained(ISSUER) }), 'forward');
        await s.saveCrlSlot(slot('t1', 4), 'forward');
        await s.updateCaState({ removeRetained: [ISSUER], audit: [audit('rotation.crl_released')] });
        expect((await s.getCaState()).retained).toEqual([]);
        expect((await s.listCrlSlots()).map((x) => x.slot)).toEqual([CRL_SLOTS.primary]);
      });

      it('sync targets: registered and removed once (audited, the version moves), slots cascade', async () => {
        const s = await freshStore();
        const v0 = await s.getCaStateVersion();
        expect(await s.putSyncTarget(target('t1'), audit('sync_target.add'))).toBe(true);
        expect(await s.putSyncTarget(target('t1'), audit('sync_target.add'))).toBe(false);
        expect(await s.putSyncTarget(target('t2'), audit('sync_target.add'))).toBe(true);
        expect(await s.getCaStateVersion()).toBe(v0 + 2);
        expect(await s.listSyncTargets()).toEqual([target('t1'), target('t2')]);
        await s.saveCrlSlot(slot('t1', 1), 'forward');
        await s.saveCrlSlot(slot('t1', 1, { slot: CRL_SLOTS.next }), 'forward');
        await s.saveCrlSlot(slot('t2', 1), 'forward');
        expect(await s.removeSyncTarget('t1', audit('sync_target.remove'))).toBe(true);
        expect(await s.removeSyncTarget('t1', audit('sync_target.remove'))).toBe(false);
        expect((await s.listCrlSlots()).map((x) => `${x.slot}/${x.targetId}`)).toEqual(['primary/t2']);
        expect(await s.saveCrlSlot(slot('t1', 2), 'forward')).toBeUndefined();
        const log = await s.listAudit(0, 100);
        expect(log.map((x) => x.action).filter((a) => a.startsWith('sync_target'))).toEqual(['sync_target.add', 'sync_target.add', 'sync_target.remove']);
      });

      it('a CRL slot moves forward only, unless replaced; an ARN-only update keeps the number', async () => {
        const s = await freshStore();
        await s.putSyncTarget(target('t1'), audit('sync_target.add'));
        expect(await s.saveCrlSlot(slot('t1', null, { crlArn: null }), 'forward')).toMatchObject({ applied: true });
        expect(await s.saveCrlSlot(slot('t1', 5), 'forward')).toEqual({ applied: true, slot: slot('t1', 5) });
        expect(await s.saveCrlSlot(slot('t1', 4), 'forward')).toEqual({ applied: false, slot: slot('t1', 5) });
        expect(await s.saveCrlSlot(slot('t1', 5, { crlArn: 'arn:aws:rolesanywhere:us-east-1:123456789012:crl/2' }), 'forward')).toMatchObject({
          applied: true,
        });
        // 20-octet CRL numbers compare as numbers, not as text.
        expect(await s.saveCrlSlot(slot('t1', 10), 'forward')).toMatchObject({ applied: true });
        expect(await s.saveCrlSlot({ ...slot('t1', 10), pushedNumber: '1461501637330902918203684832716283019655932542975' }, 'forward')).toMatchObject({
          applied: true,
        });
        expect(await s.saveCrlSlot(slot('t1', 99), 'forward')).toMatchObject({ applied: false });
        // A slot handed to another CRL (its numbers start again) is replaced.
        expect(await s.saveCrlSlot(slot('t1', 2), 'replace')).toMatchObject({ applied: true });
        expect(await s.listCrlSlots(CRL_SLOTS.primary)).toEqual([slot('t1', 2)]);
        await s.deleteCrlSlots(CRL_SLOTS.primary, 't1');
        expect(await s.listCrlSlots()).toEqual([]);
      });

      it('CRLs stay readable by number (the last 100 of each issuer)', async () => {
        const s = await freshStore();
        for (let n = 1; n <= 103; n++)
          await s.saveCrl({ issuerId: ISSUER, number: n, thisUpdate: at(n), nextUpdate: at(n + 1000), der: Uint8Array.of(n) }, undefined);
        expect(await s.getCrlByNumber(ISSUER, 103)).toEqual({
          issuerId: ISSUER,
          number: 103,
          thisUpdate: at(103),
          nextUpdate: at(1103),
          der: Uint8Array.of(103),
        });
        expect((await s.getCrlByNumber(ISSUER, 4))?.der).toEqual(Uint8Array.of(4));
        expect(await s.getCrlByNumber(ISSUER, 3)).toBeUndefined();
        expect(await s.getCrlByNumber('other', 1)).toBeUndefined();
      });

      it('a snapshot of every table loads into an empty store, equal row for row; a non-empty target or a failed check leaves the target as it was', async () => {
        const s = await freshStore();
        await s.updateCaState({
          config: config(),
          putKeys: [{ caId: ISSUER, kind: 'encrypted', value: 'k' }],
          addRetained: [{ issuerId: ISSUER, kind: 'root', since: at(1), rotationId: 'r0' }],
        });
        await s.updateCaState({ rotation: { expectVersion: 0, state: { id: 'a1', phase: 'active' } } });
        await s.updateCaState({ rotation: { expectVersion: 1, state: { id: 'a0', phase: 'finishing' }, close: { outcome: 'aborted', at: at(2) } } });
        await s.updateCaState({ rotation: { expectVersion: 0, state: { id: 'a1', phase: 'active' } } });
        await s.putSyncTarget(target('t1'), audit('sync_target.add'));
        await s.saveCrlSlot(slot('t1', 7), 'forward');
        await s.createToken(token('st', 'snap'), audit('token.create'));
        await s.issueWithToken({
          tokenHash: 'st',
          now: T0,
          certificate: cert('c1', 'snap', { sans: ['dns:snap.example'] }),
          audit: audit('certificate.issue'),
        });
        await s.recordRenewal({ oldSerial: 'c1', now: T0, certificate: cert('c2', 'snap', { renewedFrom: 'c1' }), audit: audit('certificate.renew') });
        await s.revokeHost({ host: 'gone', revokedAt: T0, reason: 'keyCompromise', audit: audit('host.revoke') });
        await s.createAdminToken({ hash: adminHash('s'), role: 'admin', name: 'snap', createdAt: T0, expiresAt: at(9) }, audit('admin_token.create'));
        await s.saveCrl(
          { issuerId: ISSUER, number: await s.allocateCrlNumber(ISSUER), thisUpdate: T0, nextUpdate: at(5), der: Uint8Array.of(1, 2) },
          audit('crl.publish'),
        );
        await s.createUiSession(
          { idHash: 'f'.repeat(64), adminTokenId: adminHash('s').slice(0, 16), createdAt: T0, lastSeenAt: T0, idleExpiresAt: at(60), expiresAt: at(600) },
          audit('console.sign_in'),
        );
        const dump = async (x: typeof s): Promise<Record<string, unknown[]>> => {
          const out: Record<string, unknown[]> = {};
          await x.exportSnapshot(async (c: SnapshotChunk) => {
            out[c.table] = [...(out[c.table] ?? []), ...c.rows.map((r) => Object.fromEntries(c.columns.map((col, i) => [col, r[i]])))];
          });
          return out;
        };
        const before = await dump(s);
        expect(Object.keys(before)).toEqual(SNAPSHOT_TABLES.map((t) => t.name));
        expect(before.ca_keys).toEqual([{ ca_id: ISSUER, kind: 'encrypted', value: 'k' }]);
        const srcLoc = loc;
        loc = await h.fresh();
        const target2 = await handle();
        const heads: string[] = [];
        const counts = await copySnapshot(s, target2, async (r) => {
          const log = await r.listAudit(0, 1000);
          heads.push(`${log.length}:${log[log.length - 1]!.hash}`);
          expect(verifyAuditChain(log).ok).toBe(true);
          expect(await r.count('certificates')).toBe(2);
        });
        expect(counts).toMatchObject({ certificates: 2, audit_log: before.audit_log!.length, sync_targets: 1, crl_slots: 1 });
        expect(await dump(target2)).toEqual(before);
        expect((await target2.getCaState()).rotation).toMatchObject({ id: 'a1', version: 1 });
        // The target works on: sequences, the audit head and the name index follow the loaded rows.
        await target2.createToken(token('st2', 'snap'), audit('token.create'));
        await target2.issueWithToken({ tokenHash: 'st2', now: T0, certificate: cert('c3', 'snap'), audit: audit('certificate.issue') });
        expect((await target2.listCertificates({ now: T0, limit: 5, host: 'snap' })).items.map((c) => c.serial)).toEqual(['c3', 'c2', 'c1']);
        expect((await target2.searchCertificates({ now: T0, sort: 'newest', limit: 5, namePrefix: 'snap.ex' })).items.map((c) => c.serial)).toEqual(['c1']);
        expect(verifyAuditChain(await target2.listAudit(0, 1000)).ok).toBe(true);
        // Console sessions are not carried over.
        expect(await target2.findUiSession('f'.repeat(64))).toBeUndefined();
        // Into a non-empty store: refused, nothing added.
        const n = (await target2.listAudit(0, 1000)).length;
        expect(await codeOf(copySnapshot(s, target2, async () => {}))).toBe('store_not_empty');
        expect((await target2.listAudit(0, 1000)).length).toBe(n);
        // A failing check inside the import leaves the target empty.
        loc = await h.fresh();
        const target3 = await handle();
        await expect(copySnapshot(s, target3, async () => Promise.reject(new Error('check failed')))).rejects.toThrow('check failed');
        expect((await dump(target3)).audit_log).toEqual([]);
        expect((await target3.getCaState()).config).toBeUndefined();
        loc = srcLoc;
      });
    });

    describe('with concurrent writers', () => {
      const HANDLES = 4;

      it('a token is consumed once, whichever handle races for it', async () => {
        const first = await freshStore();
        const hs = [first, ...(await Promise.all(Array.from({ length: HANDLES - 1 }, handle)))];
        for (let round = 0; round < 10; round++) {
          await first.createToken(token(`race${round}`, 'tok'), audit('token.create'));
          const results = await Promise.all(
            hs.flatMap((s, k) =>
              [0, 1].map((j) =>
                codeOf(
                  s.issueWithToken({
                    tokenHash: `race${round}`,
                    now: T0,
                    certificate: cert(`${round}${k}${j}`.padStart(6, '0'), 'tok'),
                    audit: audit('certificate.issue'),
                  }),
                ),
              ),
            ),
          );
          expect(results.filter((r) => r === 'ok')).toHaveLength(1);
          expect(results.filter((r) => r !== 'ok').every((r) => r === 'token_used')).toBe(true);
        }
        expect((await first.listCertificates({ now: T0, limit: 100, host: 'tok' })).items).toHaveLength(10);
      });

      it('two admins revoked at once from two handles: one stays', async () => {
        const a = await freshStore();
        const b = await handle();
        for (let round = 0; round < 8; round++) {
          const h1 = adminHash(`${round}x`);
          const h2 = adminHash(`${round}y`);
          await a.createAdminToken({ hash: h1, role: 'admin', name: `a${round}`, createdAt: T0 }, audit('admin_token.create'));
          await a.createAdminToken({ hash: h2, role: 'admin', name: `b${round}`, createdAt: T0 }, audit('admin_token.create'));
          // Only these two are usable admins when they race.
          for (const t of await a.listAdminTokens()) {
            if (t.role === 'admin' && t.revokedAt === null && t.hash !== h1 && t.hash !== h2) {
              await a.revokeAdminToken({ id: t.id, revokedAt: T0, revokedBy: 'x', audit: audit('admin_token.revoke') });
            }
          }
          const res = await Promise.all([
            codeOf(a.revokeAdminToken({ id: h1.slice(0, 16), revokedAt: T0, revokedBy: 'x', audit: audit('admin_token.revoke') })),
            codeOf(b.revokeAdminToken({ id: h2.slice(0, 16), revokedAt: T0, revokedBy: 'x', audit: audit('admin_token.revoke') })),
          ]);
          expect(res.sort()).toEqual(['last_admin_token', 'ok']);
          const usable = (await a.listAdminTokens()).filter((t) => t.role === 'admin' && t.revokedAt === null);
          expect(usable).toHaveLength(1);
        }
      });

      it('concurrent renewals of one certificate store one successor', async () => {
        const first = await freshStore();
        const hs = [first, ...(await Promise.all(Array.from({ length: HANDLES - 1 }, handle)))];
        await first.createToken(token('rt', 'ren'), audit('token.create'));
        await first.issueWithToken({ tokenHash: 'rt', now: T0, certificate: cert('r0', 'ren'), audit: audit('certificate.issue') });
        let old = 'r0';
        for (let round = 0; round < 8; round++) {
          const from = old;
          const results = await Promise.all(
            hs.flatMap((s, k) =>
              [0, 1].map((j) =>
                codeOf(
                  s.recordRenewal({
                    oldSerial: from,
                    now: T0,
                    certificate: cert(`s${round}${k}${j}`, 'ren', { renewedFrom: from }),
                    audit: audit('certificate.renew'),
                  }),
                ),
              ),
            ),
          );
          expect(results.filter((r) => r === 'ok')).toHaveLength(1);
          expect(results.filter((r) => r !== 'ok').every((r) => r === 'certificate_superseded')).toBe(true);
          const winner = (await first.findRenewalOf(from))!;
          const all = (await first.listCertificates({ now: T0, limit: 1000, host: 'ren' })).items.filter((c) => c.renewedFrom === from);
          expect(all.map((c) => c.serial)).toEqual([winner.serial]);
          old = winner.serial;
        }
      });

      it('a host revocation racing enrollments leaves no valid certificate for the host', async () => {
        const first = await freshStore();
        const hs = [first, ...(await Promise.all(Array.from({ length: HANDLES - 1 }, handle)))];
        for (let round = 0; round < 6; round++) {
          const host = `hr${round}`;
          await Promise.all(Array.from({ length: 12 }, (_, i) => first.createToken(token(`${host}t${i}`, host), audit('token.create'))));
          const enrolls = Array.from({ length: 12 }, (_, i) =>
            codeOf(
              hs[i % hs.length]!.issueWithToken({
                tokenHash: `${host}t${i}`,
                now: T0,
                certificate: cert(`${host}c${i}`, host),
                audit: audit('certificate.issue'),
              }),
            ),
          );
          const revoke = hs[round % hs.length]!.revokeHost({ host, revokedAt: T0, reason: null, audit: () => audit('host.revoke') });
          const [codes] = await Promise.all([Promise.all(enrolls), revoke]);
          expect(codes.filter((c) => c !== 'ok' && c !== 'host_blocked')).toEqual([]);
          const valid = (await first.listCertificates({ now: T0, limit: 100, host })).items.filter((c) => c.status === 'valid');
          expect(valid.map((c) => c.serial)).toEqual([]);
        }
      });

      it('many handles and processes append to one audit chain: one head, no gap, no fork', async () => {
        const first = await freshStore();
        const hs = [first, ...(await Promise.all(Array.from({ length: HANDLES - 1 }, handle)))];
        const inProcess = Promise.all(hs.flatMap((s, k) => Array.from({ length: 40 }, (_, i) => s.appendAudit(audit('test.append', { k, i })))));
        const workers = runWorkers(['p1', 'p2', 'p3'].map((id) => ({ location: loc, id, kind: 'audit' as const, n: 60, concurrency: 6 })));
        const [records, results] = await Promise.all([inProcess, workers]);
        const seqs = [...records.map((r) => r.seq), ...results.flatMap((r) => r.auditSeqs)];
        expect(results.flatMap((r) => r.errors)).toEqual([]);
        expect(new Set(seqs).size).toBe(seqs.length);
        const log = await first.listAudit(0, 10_000);
        expect(log).toHaveLength(1 + 4 * 40 + 3 * 60);
        expect(verifyAuditChain(log)).toMatchObject({ ok: true, count: log.length });
        expect(new Set(log.map((r) => r.prevHash)).size).toBe(log.length);
      });

      it('CRL numbers from many handles and processes are distinct; the stored number only grows', async () => {
        const first = await freshStore();
        const hs = [first, ...(await Promise.all(Array.from({ length: HANDLES - 1 }, handle)))];
        const seen: number[] = [];
        let watching = true;
        const watcher = (async () => {
          while (watching) {
            const c = await hs[1]!.getCrl(ISSUER);
            if (c) seen.push(c.number);
            await new Promise((r) => setTimeout(r, 2));
          }
        })();
        const inProcess = Promise.all(
          hs.flatMap((s) =>
            Array.from({ length: 25 }, async () => {
              const n = await s.allocateCrlNumber(ISSUER);
              await s.saveCrl({ issuerId: ISSUER, number: n, thisUpdate: T0, nextUpdate: T0, der: Uint8Array.of(n % 256) }, undefined).catch((e: Error) => {
                if (!/must increase/.test(e.message)) throw e;
              });
              return n;
            }),
          ),
        );
        const workers = runWorkers(['q1', 'q2', 'q3'].map((id) => ({ location: loc, id, kind: 'crl' as const, n: 30, concurrency: 4, issuerId: ISSUER })));
        const [mine, results] = await Promise.all([inProcess, workers]);
        watching = false;
        await watcher;
        const all = [...mine, ...results.flatMap((r) => r.crlNumbers)];
        expect(results.flatMap((r) => r.errors)).toEqual([]);
        expect(new Set(all).size).toBe(all.length);
        expect(Math.max(...all)).toBe(all.length);
        for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
        expect((await first.getCrl(ISSUER))?.number).toBe(all.length);
      });

      it('rotation transitions from many handles and processes are applied once each: one version after another, no lost step', async () => {
        const first = await freshStore();
        const hs = [first, ...(await Promise.all(Array.from({ length: HANDLES - 1 }, handle)))];
        const mine: number[] = [];
        let conflicts = 0;
        const inProcess = Promise.all(
          hs.map(async (s, k) => {
            for (let i = 0; i < 15; i++) {
              const cur = (await s.getCaState()).rotation;
              try {
                const r = await s.updateCaState({
                  rotation: { expectVersion: cur?.version ?? 0, state: { id: 'abc123', by: `h${k}`, i } },
                  audit: [audit('test.rotation_step', { k, i })],
                });
                mine.push(r.rotationVersion);
              } catch (e) {
                if ((e as { code?: string }).code !== 'store_state_conflict') throw e;
                conflicts++;
              }
            }
          }),
        );
        const workers = runWorkers(['r1', 'r2'].map((id) => ({ location: loc, id, kind: 'rotation' as const, n: 20, concurrency: 3 })));
        const [, results] = await Promise.all([inProcess, workers]);
        const versions = [...mine, ...results.flatMap((r) => r.rotationVersions)];
        const failed = results.flatMap((r) => r.errors);
        expect(failed.every((e) => e === 'store_state_conflict')).toBe(true);
        // Every success made the next version; no two made the same one; the stored version counts them.
        expect(new Set(versions).size).toBe(versions.length);
        expect(versions.sort((a, b) => a - b)).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
        expect((await first.getCaState()).rotation?.version).toBe(versions.length);
        expect(versions.length + conflicts + failed.length).toBe(4 * 15 + 2 * 20);
        const log = await first.listAudit(0, 10_000);
        expect(log.filter((x) => x.action === 'test.rotation_step')).toHaveLength(versions.length);
        expect(verifyAuditChain(log).ok).toBe(true);
      });

      it('the push state of a CRL slot never goes backwards, whoever writes last', async () => {
        const first = await freshStore();
        const hs = [first, ...(await Promise.all(Array.from({ length: HANDLES - 1 }, handle)))];
        await first.putSyncTarget(
          { id: 'tt', trustAnchorArn: 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/tt', region: 'us-east-1', endpoint: null, createdAt: T0 },
          audit('sync_target.add'),
        );
        // A fixed, shuffled order of numbers (seeded), so a failure is reproducible.
        let seed = 1234567;
        const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
        const numbers = Array.from({ length: 160 }, (_, i) => i + 1).sort(() => rnd() - 0.5);
        const seen: number[] = [];
        let watching = true;
        const watcher = (async () => {
          while (watching) {
            const [row] = await hs[1]!.listCrlSlots(CRL_SLOTS.primary);
            if (row?.pushedNumber) seen.push(Number(row.pushedNumber));
            await new Promise((r) => setTimeout(r, 2));
          }
        })();
        const write = (s: CaStore, n: number) =>
          s.saveCrlSlot(
            {
              slot: CRL_SLOTS.primary,
              targetId: 'tt',
              crlArn: 'arn:x',
              pushedNumber: String(n),
              pushedSha256: n.toString(16).padStart(64, '0'),
              lastSuccessAt: at(n),
            },
            'forward',
          );
        const inProcess = Promise.all(hs.map(async (s, k) => Promise.all(numbers.filter((_, i) => i % 6 === k).map((n) => write(s, n)))));
        const workers = runWorkers(
          ['s1', 's2'].map((id, j) => ({
            location: loc,
            id,
            kind: 'slots' as const,
            n: 0,
            concurrency: 4,
            numbers: numbers.filter((_, i) => i % 6 === 4 + j),
            slot: CRL_SLOTS.primary,
            targetId: 'tt',
          })),
        );
        const [, results] = await Promise.all([inProcess, workers]);
        watching = false;
        await watcher;
        expect(results.flatMap((r) => r.errors)).toEqual([]);
        const [final] = await first.listCrlSlots(CRL_SLOTS.primary);
        expect(final).toMatchObject({ pushedNumber: '160', pushedSha256: (160).toString(16).padStart(64, '0') });
        for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
      });

      it('processes racing for the same tokens consume each once', async () => {
        const first = await freshStore();
        const hashes = Array.from({ length: 40 }, (_, i) => `pt${i}`);
        for (const x of hashes) await first.createToken(token(x, 'proc-host'), audit('token.create'));
        const results = await runWorkers(
          ['w1', 'w2', 'w3'].map((id) => ({
            location: loc,
            id,
            kind: 'tokens' as const,
            n: 0,
            concurrency: 5,
            tokens: hashes,
            host: 'proc-host',
            issuerId: ISSUER,
          })),
        );
        const consumed = results.flatMap((r) => r.consumed);
        expect(consumed.sort()).toEqual([...hashes].sort());
        expect(results.flatMap((r) => r.errors).every((e) => e === 'token_used')).toBe(true);
        expect((await first.listCertificates({ now: T0, limit: 100, host: 'proc-host' })).items).toHaveLength(40);
        expect(verifyAuditChain(await first.listAudit(0, 1000)).ok).toBe(true);
      });
    });
  });
}
