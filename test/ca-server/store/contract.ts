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
import { verifyAuditChain } from '../../../ca-server/src/authority/audit-chain.js';
import type { CaStore } from '../../../ca-server/src/store/ca-store.js';
import { openStore, type OpenedStore } from '../../../ca-server/src/store/open-store.js';
import type { StoreLocation } from '../../../ca-server/src/store/store-url.js';
import type { CertificateRecord, TokenRecord } from '../../../ca-server/src/store/types.js';
import { runWorkers } from './store-processes.js';

export interface StoreBackendHarness {
  /** A location of a new, empty store. */
  fresh(): Promise<StoreLocation>;
}

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);
const audit = (action: string, details: Record<string, unknown> = {}) => ({ time: T0, actor: 'test', action, details });
const ISSUER = 'issuer';
const codeOf = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: { code?: string; message?: string }) => e.code ?? `error: ${e.message}`);

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
      expect(await s.getCaCertificates()).toEqual([{ id: ISSUER, role: 'root', der: Uint8Array.of(9), notAfter: new Date('2030-01-01Z'), issuing: true }]);
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
        hash: adminHash('a'), id: adminHash('a').slice(0, 16), role: 'admin', name: 'initial', createdAt: T0, expiresAt: null, lastUsedAt: null, revokedAt: null,
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
      const ops = Array.from({ length: 8 }, (_, i) => s.issueWithToken({ tokenHash: `g${i}`, now: T0, certificate: cert(`2${i}`, 'g'), audit: audit('certificate.issue', { i }) }));
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
      await s.recordRenewal({ oldSerial: '02', now, certificate: cert('03', 'h', { renewedFrom: '02', notAfter: at(500) }), audit: audit('certificate.renew') });
      const r = await s.revokeCertificate({ serial: '01', revokedAt: now, reason: 'keyCompromise', audit: (c) => audit('certificate.revoke', { host: c.host }) });
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
      expect(await codeOf(s.recordRenewal({ oldSerial: 'a1', now: T0, certificate: cert('a3', 'r', { renewedFrom: 'a1' }), audit: audit('x') }))).toBe('certificate_superseded');
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
      expect(await codeOf(s.revokeAdminToken({ id: 'nope', revokedAt: at(5), revokedBy: 'x', audit: audit('admin_token.revoke') }))).toBe('admin_token_not_found');
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

    describe('with concurrent writers', () => {
      const HANDLES = 4;

      it('a token is consumed once, whichever handle races for it', async () => {
        const first = await freshStore();
        const hs = [first, ...(await Promise.all(Array.from({ length: HANDLES - 1 }, handle)))];
        for (let round = 0; round < 10; round++) {
          await first.createToken(token(`race${round}`, 'tok'), audit('token.create'));
          const results = await Promise.all(
            hs.flatMap((s, k) => [0, 1].map((j) => codeOf(s.issueWithToken({ tokenHash: `race${round}`, now: T0, certificate: cert(`${round}${k}${j}`.padStart(6, '0'), 'tok'), audit: audit('certificate.issue') })))),
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
            hs.flatMap((s, k) => [0, 1].map((j) => codeOf(s.recordRenewal({ oldSerial: from, now: T0, certificate: cert(`s${round}${k}${j}`, 'ren', { renewedFrom: from }), audit: audit('certificate.renew') })))),
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
            codeOf(hs[i % hs.length]!.issueWithToken({ tokenHash: `${host}t${i}`, now: T0, certificate: cert(`${host}c${i}`, host), audit: audit('certificate.issue') })),
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

      it('processes racing for the same tokens consume each once', async () => {
        const first = await freshStore();
        const hashes = Array.from({ length: 40 }, (_, i) => `pt${i}`);
        for (const x of hashes) await first.createToken(token(x, 'proc-host'), audit('token.create'));
        const results = await runWorkers(['w1', 'w2', 'w3'].map((id) => ({ location: loc, id, kind: 'tokens' as const, n: 0, concurrency: 5, tokens: hashes, host: 'proc-host', issuerId: ISSUER })));
        const consumed = results.flatMap((r) => r.consumed);
        expect(consumed.sort()).toEqual([...hashes].sort());
        expect(results.flatMap((r) => r.errors).every((e) => e === 'token_used')).toBe(true);
        expect((await first.listCertificates({ now: T0, limit: 100, host: 'proc-host' })).items).toHaveLength(40);
        expect(verifyAuditChain(await first.listAudit(0, 1000)).ok).toBe(true);
      });
    });
  });
}
