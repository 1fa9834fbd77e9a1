/**
 * The rotation state machine over a real CA directory (real SQLite file, real keys) and the real
 * control-plane client against the in-process emulator: an intermediate CA (new intermediate under
 * the same root; one anchor holds the intermediate, one the root), the drain rule of finish,
 * openssl as the independent checker of the new chain and of the new CA's CRL, emergency
 * revocation, abort with its drain, and resuming after a failed step.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRapkiError } from '../../../common/src/errors.js';
import { createControlPlane } from '../../../ca-server/src/aws/control-plane.js';
import type { RolesAnywhereControlPlane, TrustAnchor } from '../../../ca-server/src/aws/types.js';
import { idFromArn } from '../../../ca-server/src/aws/types.js';
import { caPaths } from '../../../ca-server/src/ca-dir.js';
import { openCa } from '../../../ca-server/src/open-ca.js';
import type { RotationControlPlane } from '../../../ca-server/src/rotation/manager.js';
import { CrlSync } from '../../../ca-server/src/sync/crl-sync.js';
import { FileSyncTargetStore, syncTargetId } from '../../../ca-server/src/sync/target-store.js';
import { derToPem, pemToDer } from '../../../ca-server/src/x509/pem.js';
import { startEmulator, type RunningEmulator } from '../../../emulator/src/index.js';
import { csrPem, ecKey, FAST_KDF, makeTestCa, TEST_PASSPHRASE, type TestCa } from '../authority/fixtures.js';

const creds = { accessKeyId: 'AKIDRAPKITESTONLY000', secretAccessKey: 'test-only-secret-access-key' };
const pemCount = (pem: string | undefined): number => (pem ?? '').split('-----BEGIN CERTIFICATE-----').length - 1;

describe('RotationManager (in-process emulator, real CA directory)', () => {
  let emu: RunningEmulator;
  let cp: RolesAnywhereControlPlane;
  let failNextUpdate = false;
  const controlPlaneFor = (): RotationControlPlane => ({
    getTrustAnchor: (id) => cp.getTrustAnchor(id),
    updateTrustAnchor: (id, i) => {
      if (failNextUpdate) {
        failNextUpdate = false;
        return Promise.reject(Object.assign(new Error('injected: control plane down'), { code: 'aws_unreachable' }));
      }
      return cp.updateTrustAnchor(id, i);
    },
    importCrl: (i) => cp.importCrl(i),
    updateCrl: (id, pem) => cp.updateCrl(id, pem),
    enableCrl: (id) => cp.enableCrl(id),
    getCrl: (id) => cp.getCrl(id),
    deleteCrl: (id) => cp.deleteCrl(id),
    listProfiles: () => cp.listProfiles(),
    listTags: (arn) => cp.listTags(arn),
    tagResource: (arn, tags) => cp.tagResource(arn, tags),
  });
  const rotationOverrides = { controlPlaneFor, slotSyncOptions: { minCallIntervalMs: 0, backoffInitialMs: 50 }, publishWaitMs: 5000, keyEncryption: FAST_KDF };

  beforeAll(async () => {
    emu = await startEmulator();
    cp = createControlPlane({ endpoint: emu.url, region: 'us-east-1', credentials: creds, maxAttempts: 1, timeoutMs: 3000 });
  });
  afterAll(async () => {
    cp?.close();
    await emu?.close();
  });

  async function register(t: TestCa, anchors: { name: string; pem: string }[]): Promise<{ tas: TrustAnchor[]; sync: CrlSync }> {
    const store = new FileSyncTargetStore(t.dir);
    const tas: TrustAnchor[] = [];
    for (const a of anchors) {
      const ta = await cp.createTrustAnchor({ name: a.name, bundlePem: a.pem, enabled: true, tags: [] });
      const base = { trustAnchorArn: ta.trustAnchorArn, region: 'us-east-1', endpoint: emu.url };
      store.put({ ...base, id: syncTargetId(base), createdAt: new Date().toISOString() });
      tas.push(ta);
    }
    const sync = new CrlSync({ store, controlPlaneFor, minCallIntervalMs: 0 });
    await t.ca.rotation.manager.bind({ primarySync: sync });
    sync.notify((await t.ca.crl.current())!);
    await sync.whenIdle();
    expect(store.list().every((x) => x.crlArn)).toBe(true);
    return { tas, sync };
  }

  const crlsOf = async (taArn: string) => (await cp.listCrls()).filter((c) => c.trustAnchorArn === taArn);

  it('intermediate CA: new intermediate under the same root, bundles by anchor kind, second CRL slot, drain, finish, reopen', async () => {
    const t = await makeTestCa({ intermediate: true, open: { rotation: rotationOverrides } });
    try {
      const p = caPaths(t.dir);
      const rootPem = readFileSync(p.rootCert, 'utf8');
      const oldInterPem = readFileSync(p.intermediateCert, 'utf8');
      const { tas, sync } = await register(t, [
        { name: 'rot-inter', pem: oldInterPem },
        { name: 'rot-root', pem: rootPem },
      ]);
      const a = t.ca.authority;
      const key1 = ecKey();
      const tok1 = await a.createEnrollmentToken({ subject: 'h1', sans: [], certTtlSeconds: 3600 }, 'admin:test');
      const leaf1 = await a.enroll(tok1.token, csrPem('CN=h1', [], key1));

      const m = t.ca.rotation.manager;
      const plan = await m.plan();
      expect(plan).toMatchObject({ phase: 'idle', pendingLeaves: 1, longestLeafLifetimeSeconds: 3600, overlapSeconds: 3900 });

      const st = await m.start({ actor: 'admin:test' });
      expect(st.issuing).toBe('new');
      expect(st.state?.phase).toBe('active');
      expect(st.next?.rootFingerprint).toBe(t.init.fingerprint);
      expect(st.next?.issuerId).not.toBe(st.current.issuerId);
      // The anchor that holds the intermediate gets old + new intermediate; the root anchor is unchanged.
      const taInter = await cp.getTrustAnchor(tas[0]!.trustAnchorId);
      const taRoot = await cp.getTrustAnchor(tas[1]!.trustAnchorId);
      expect(pemCount(taInter.x509CertificateData)).toBe(2);
      expect(taInter.x509CertificateData).toContain(oldInterPem.trim().split('\n')[1]);
      expect(pemCount(taRoot.x509CertificateData)).toBe(1);
      for (const ta of tas) {
        const crls = await crlsOf(ta.trustAnchorArn);
        expect(crls).toHaveLength(2);
        expect(crls.every((c) => c.enabled)).toBe(true);
      }

      // New leaves come from the new intermediate; openssl verifies them against root + new intermediate.
      const tok2 = await a.createEnrollmentToken({ subject: 'h2', sans: [], certTtlSeconds: 3600 }, 'admin:test');
      const leaf2 = await a.enroll(tok2.token, csrPem('CN=h2', []));
      const newInterPem = readFileSync(join(t.dir, 'rotation', 'next', 'intermediate.pem'), 'utf8');
      expect(leaf2.chainPem.trim()).toBe(newInterPem.trim());
      expect(leaf2.rootPem.trim()).toBe(rootPem.trim());
      writeFileSync(join(t.dir, 'leaf2.pem'), leaf2.certificatePem);
      writeFileSync(join(t.dir, 'new-inter.pem'), newInterPem);
      execFileSync('openssl', ['verify', '-CAfile', p.rootCert, '-untrusted', join(t.dir, 'new-inter.pem'), join(t.dir, 'leaf2.pem')]);

      // A revocation of a new-CA leaf lands in the new CA's CRL (openssl) and in its slot in AWS.
      await a.revokeSerial(leaf2.serial, 'keyCompromise', 'admin:test');
      const nextCrl = (await t.ca.rotation.crl.next!.current())!;
      writeFileSync(join(t.dir, 'next.crl'), nextCrl.pem);
      const crlText = execFileSync('openssl', ['crl', '-in', join(t.dir, 'next.crl'), '-noout', '-text']).toString();
      expect(crlText.toLowerCase().replace(/:/g, '')).toContain(leaf2.serial.toLowerCase());
      const verify = (() => {
        try {
          execFileSync('openssl', ['verify', '-crl_check', '-CAfile', p.rootCert, '-untrusted', join(t.dir, 'new-inter.pem'), '-CRLfile', join(t.dir, 'next.crl'), join(t.dir, 'leaf2.pem')], { stdio: 'pipe' });
          return 'ok';
        } catch (e) {
          return String((e as { stdout?: Buffer }).stdout) + String((e as { stderr?: Buffer }).stderr);
        }
      })();
      expect(verify).toMatch(/revoked/);

      // finish refuses while leaf1 (old CA) is valid and not renewed.
      await expect(m.finish({ actor: 'admin:test' })).rejects.toMatchObject({ code: 'rotation_not_drained' });
      // leaf1's host renews: the new leaf comes from the new CA, and the old CA is drained.
      const renewed = await a.renew(pemToDer(leaf1.certificatePem, 'CERTIFICATE'), csrPem('CN=h1', [], key1));
      expect(renewed.chainPem.trim()).toBe(newInterPem.trim());
      expect((await m.plan()).pendingLeaves).toBe(0);

      const slotArns = JSON.parse(readFileSync(join(t.dir, 'rotation', 'aws-sync-next.json'), 'utf8')) as { slots: Record<string, { crlArn: string }> };
      const fin = await m.finish({ actor: 'admin:test' });
      expect(fin.current.issuerId).toBe(st.next!.issuerId);
      expect(pemCount((await cp.getTrustAnchor(tas[0]!.trustAnchorId)).x509CertificateData)).toBe(1);
      expect((await cp.getTrustAnchor(tas[0]!.trustAnchorId)).x509CertificateData?.replace(/\s/g, '')).toBe(newInterPem.replace(/\s/g, ''));
      expect((await cp.getTrustAnchor(tas[1]!.trustAnchorId)).x509CertificateData?.replace(/\s/g, '')).toBe(rootPem.replace(/\s/g, ''));
      // One CRL per anchor: the new CA's (the old one deleted); the sync target now points at it.
      const targets = new FileSyncTargetStore(t.dir).list();
      for (const ta of tas) {
        const crls = await crlsOf(ta.trustAnchorArn);
        expect(crls).toHaveLength(1);
        const target = targets.find((x) => x.trustAnchorArn === ta.trustAnchorArn)!;
        expect(target.crlArn).toBe(crls[0]!.crlArn);
        expect(slotArns.slots[target.id]!.crlArn).toBe(target.crlArn);
        const held = Buffer.from((await cp.getCrl(idFromArn(target.crlArn!))).crlData).toString();
        expect(held.replace(/\s/g, '')).toBe(nextCrl.pem.replace(/\s/g, ''));
      }
      // Files swapped; the old ones kept under rotation/retired-<id>/; state closed.
      expect(readFileSync(p.intermediateCert, 'utf8')).toBe(newInterPem);
      expect(existsSync(join(t.dir, 'rotation', `retired-${st.state!.id}`, 'intermediate.pem'))).toBe(true);
      expect(existsSync(join(t.dir, 'rotation', 'state.json'))).toBe(false);
      expect(existsSync(join(t.dir, 'rotation', 'history', `${st.state!.id}.json`))).toBe(true);
      // Still issuing from the new CA in this process, and after a reopen.
      const tok3 = await a.createEnrollmentToken({ subject: 'h3', sans: [], certTtlSeconds: 600 }, 'admin:test');
      expect((await a.enroll(tok3.token, csrPem('CN=h3', []))).chainPem.trim()).toBe(newInterPem.trim());
      sync.close();
      await t.ca.close();
      const again = await openCa({ dir: t.dir, passphrase: TEST_PASSPHRASE, clock: t.clock.now });
      try {
        expect(again.issuer.id).toBe(st.next!.issuerId);
        const audit = JSON.stringify(await again.store.listAudit(0, 1000));
        for (const action of ['rotation.start', 'rotation.publish', 'rotation.crl', 'rotation.switch', 'rotation.finish_start', 'rotation.retire', 'rotation.finish']) {
          expect(audit).toContain(`"${action}"`);
        }
      } finally {
        await again.close();
      }
      t.ca = await openCa({ dir: t.dir, passphrase: TEST_PASSPHRASE, clock: t.clock.now });
    } finally {
      await t.cleanup();
    }
  }, 60_000);

  it('emergency: every leaf of the old CA revoked (cACompromise) at start; finish allowed at once', async () => {
    const t = await makeTestCa({ open: { rotation: rotationOverrides } });
    try {
      const a = t.ca.authority;
      const leaves = [];
      for (const h of ['e1', 'e2']) {
        const tok = await a.createEnrollmentToken({ subject: h, sans: [] }, 'admin:test');
        leaves.push(await a.enroll(tok.token, csrPem(`CN=${h}`, [])));
      }
      const st = await t.ca.rotation.manager.start({ emergency: true, actor: 'admin:test' });
      expect(st.warnings.join()).toMatch(/revoked 2 certificate/);
      for (const l of leaves) expect(await t.ca.store.getCertificate(l.serial)).toMatchObject({ status: 'revoked', reason: 'cACompromise' });
      // The old CA's CRL lists them (openssl).
      writeFileSync(join(t.dir, 'old.crl'), (await t.ca.crl.current())!.pem);
      const text = execFileSync('openssl', ['crl', '-in', join(t.dir, 'old.crl'), '-noout', '-text']).toString();
      expect(text).toContain('CA Compromise');
      // Renewal with a revoked certificate is refused: hosts re-enroll with new tokens.
      await expect(a.renew(pemToDer(leaves[0]!.certificatePem, 'CERTIFICATE'), csrPem('CN=e1', []))).rejects.toMatchObject({ code: 'certificate_revoked' });
      const tok = await a.createEnrollmentToken({ subject: 'e1', sans: [] }, 'admin:test');
      const fresh = await a.enroll(tok.token, csrPem('CN=e1', []));
      expect(fresh.rootPem.split('BEGIN CERTIFICATE').length - 1).toBe(2);
      expect(fresh.rootPem.startsWith(derToPem(t.ca.rotation.switch.next!.root, 'CERTIFICATE'))).toBe(true);
      const fin = await t.ca.rotation.manager.finish({ actor: 'admin:test' });
      expect(fin.warnings).toEqual([]);
      expect(JSON.parse(readFileSync(join(t.dir, 'ca.json'), 'utf8')).fingerprint).toBe(st.next!.rootFingerprint);
    } finally {
      await t.cleanup();
    }
  }, 60_000);

  it('emergency on an active rotation: the old CA\'s leaves are revoked then, once', async () => {
    const t = await makeTestCa({ open: { rotation: rotationOverrides } });
    try {
      const a = t.ca.authority;
      const tok = await a.createEnrollmentToken({ subject: 'm1', sans: [] }, 'admin:test');
      const old = await a.enroll(tok.token, csrPem('CN=m1', []));
      const m = t.ca.rotation.manager;
      await m.start({ actor: 'admin:test' });
      const tok2 = await a.createEnrollmentToken({ subject: 'm2', sans: [] }, 'admin:test');
      const fresh = await a.enroll(tok2.token, csrPem('CN=m2', []));
      const em = await m.start({ emergency: true, actor: 'admin:test' });
      expect(em.warnings).toEqual(['the rotation is already active', 'revoked 1 certificate(s) of the old CA; those hosts must re-enroll with new tokens']);
      expect(await t.ca.store.getCertificate(old.serial)).toMatchObject({ status: 'revoked', reason: 'cACompromise' });
      expect(await t.ca.store.getCertificate(fresh.serial)).toMatchObject({ status: 'valid' });
      expect((await m.start({ emergency: true, actor: 'admin:test' })).warnings).toEqual(['the rotation is already active']);
    } finally {
      await t.cleanup();
    }
  }, 60_000);

  it('abort: issuance back to the old CA at once; completes after the new CA drained; a failed step resumes', async () => {
    const t = await makeTestCa({ open: { rotation: rotationOverrides } });
    try {
      const { tas, sync } = await register(t, [{ name: 'rot-abort', pem: readFileSync(caPaths(t.dir).rootCert, 'utf8') }]);
      const a = t.ca.authority;
      const m = t.ca.rotation.manager;
      // The bundle update fails once: start stops with the state in "preparing"; again resumes.
      failNextUpdate = true;
      await expect(m.start({ actor: 'admin:test' })).rejects.toSatisfy((e: unknown) => isRapkiError(e) || e instanceof Error);
      expect(m.state()).toMatchObject({ phase: 'preparing' });
      expect(m.state()!.done).toEqual(expect.arrayContaining(['generate', 'register']));
      const oldTok = await a.createEnrollmentToken({ subject: 'b0', sans: [] }, 'admin:test');
      expect((await a.enroll(oldTok.token, csrPem('CN=b0', []))).rootPem.split('BEGIN').length - 1).toBe(2);
      const st = await m.start({ actor: 'admin:test' });
      expect(st.state?.phase).toBe('active');
      expect(pemCount((await cp.getTrustAnchor(tas[0]!.trustAnchorId)).x509CertificateData)).toBe(2);

      const key = ecKey();
      const tok = await a.createEnrollmentToken({ subject: 'b1', sans: [], certTtlSeconds: 3600 }, 'admin:test');
      const newLeaf = await a.enroll(tok.token, csrPem('CN=b1', [], key));
      const first = await m.abort({ actor: 'admin:test' });
      expect(first.completed).toBe(false);
      expect(first.issuing).toBe('old');
      // Renewal of the new-CA leaf now comes from the old CA; then abort completes.
      const back = await a.renew(pemToDer(newLeaf.certificatePem, 'CERTIFICATE'), csrPem('CN=b1', [], key));
      expect(back.rootPem.startsWith(derToPem(t.ca.rotation.switch.primary.root, 'CERTIFICATE'))).toBe(true);
      const done = await m.abort({ actor: 'admin:test' });
      expect(done.completed).toBe(true);
      expect(pemCount((await cp.getTrustAnchor(tas[0]!.trustAnchorId)).x509CertificateData)).toBe(1);
      expect(await crlsOf(tas[0]!.trustAnchorArn)).toHaveLength(1);
      expect(existsSync(join(t.dir, 'rotation', 'next'))).toBe(false);
      expect(m.state()).toBeUndefined();
      expect(t.ca.rotation.switch.next).toBeUndefined();
      sync.close();
    } finally {
      await t.cleanup();
    }
  }, 60_000);
});
