/**
 * The rotation state machine over a real CA (real SQLite store holding its state and keys) and the
 * real control-plane client against the in-process emulator: an intermediate CA (new intermediate
 * under the same root; one anchor holds the intermediate, one the root), the drain rule of finish,
 * openssl as the independent checker of the new chain and of the new CA's CRL, emergency
 * revocation, abort with its drain, and resuming after a failed step. What finish and abort leave
 * is read from the store (configuration, certificate states, keys, slots, history).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isRapkiError } from '../../../common/src/errors.js';
import { createControlPlane } from '../../../common/src/aws/control-plane.js';
import type { RolesAnywhereControlPlane, TrustAnchor } from '../../../common/src/aws/types.js';
import { idFromArn } from '../../../common/src/aws/arn.js';
import { authorityConfig } from '../../../ca-server/src/authority/authority-config.js';
import { caPaths } from '../../../ca-server/src/ca-dir.js';
import { openCa } from '../../../ca-server/src/open-ca.js';
import type { RotationControlPlane } from '../../../ca-server/src/rotation/manager.js';
import { CrlSync } from '../../../ca-server/src/sync/crl-sync.js';
import { syncTargetId } from '../../../ca-server/src/sync/target-store.js';
import { CRL_SLOTS } from '../../../ca-server/src/store/types.js';
import { decryptCaKey } from '../../../ca-server/src/keys/key-encryption.js';
import { derToPem, pemToDer } from '../../../common/src/x509/pem.js';
import { issuerFrom, makeLeaf } from '../../support/emulator-pki.js';
import { sendCreateSession } from '../../emulator/helpers/x509-request-signer.js';
import { startEmulator, type RunningEmulator } from '../../../emulator/src/index.js';
import { csrPem, ecKey, FAST_KDF, makeTestCa, TEST_PASSPHRASE, type TestCa } from '../authority/fixtures.js';

const creds = { accessKeyId: 'AKIDRAPKITESTONLY000', secretAccessKey: 'test-only-secret-access-key' };
const ROLE = 'arn:aws:iam::123456789012:role/rotation-test';
const pemCount = (pem: string | undefined): number => (pem ?? '').split('-----BEGIN CERTIFICATE-----').length - 1;
const norm = (serial: string): string => serial.toLowerCase().replace(/^0+/, '');

/** openssl as the independent reader of a CRL: its serials, and whether it verifies under `caFile`. */
function opensslCrl(dir: string, pem: string, caFile: string): { serials: string[]; verified: boolean; text: string } {
  const f = join(dir, `check-${Math.random().toString(16).slice(2)}.crl`);
  writeFileSync(f, pem);
  const text = execFileSync('openssl', ['crl', '-in', f, '-noout', '-text']).toString();
  const v = spawnSync('openssl', ['crl', '-in', f, '-noout', '-CAfile', caFile]);
  const verified = v.status === 0 && /verify OK/.test(`${v.stdout}${v.stderr}`);
  return { serials: [...text.matchAll(/Serial Number: ([0-9A-F]+)/gi)].map((m) => norm(m[1]!)), verified, text };
}

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
    const store = t.ca.rotation.registry.primary;
    const tas: TrustAnchor[] = [];
    for (const a of anchors) {
      const ta = await cp.createTrustAnchor({ name: a.name, bundlePem: a.pem, enabled: true, tags: [] });
      const base = { trustAnchorArn: ta.trustAnchorArn, region: 'us-east-1', endpoint: emu.url };
      await store.register({ ...base, id: syncTargetId(base), createdAt: new Date().toISOString() }, 'admin:test');
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
      // A leaf of the old CA revoked before the rotation: it must stay refused through and after it.
      const tok0 = await a.createEnrollmentToken({ subject: 'h0', sans: [], certTtlSeconds: 3600 }, 'admin:test');
      const leaf0 = await a.enroll(tok0.token, csrPem('CN=h0', []));
      await a.revokeSerial(leaf0.serial, 'keyCompromise', 'admin:test');
      await sync.whenIdle();

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
      const newInterPem = derToPem(t.ca.rotation.switch.next!.certificate, 'CERTIFICATE');
      expect((await t.ca.store.getCaState()).certificates.find((c) => c.id === st.next!.issuerId)).toMatchObject({ state: 'next' });
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
          execFileSync(
            'openssl',
            [
              'verify',
              '-crl_check',
              '-CAfile',
              p.rootCert,
              '-untrusted',
              join(t.dir, 'new-inter.pem'),
              '-CRLfile',
              join(t.dir, 'next.crl'),
              join(t.dir, 'leaf2.pem'),
            ],
            { stdio: 'pipe' },
          );
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

      const slotArns = Object.fromEntries((await t.ca.store.listCrlSlots(CRL_SLOTS.next)).map((x) => [x.targetId, x.crlArn!]));
      const oldArns = Object.fromEntries(t.ca.rotation.registry.primary.list().map((x) => [x.id, x.crlArn!]));
      const oldIssuerId = st.current.issuerId;
      const fin = await m.finish({ actor: 'admin:test' });
      expect(fin.current.issuerId).toBe(st.next!.issuerId);
      expect(pemCount((await cp.getTrustAnchor(tas[0]!.trustAnchorId)).x509CertificateData)).toBe(1);
      expect((await cp.getTrustAnchor(tas[0]!.trustAnchorId)).x509CertificateData?.replace(/\s/g, '')).toBe(newInterPem.replace(/\s/g, ''));
      expect((await cp.getTrustAnchor(tas[1]!.trustAnchorId)).x509CertificateData?.replace(/\s/g, '')).toBe(rootPem.replace(/\s/g, ''));
      // Two CRLs per anchor: the new CA's (the sync target points at it now) and the OLD one's,
      // kept because the old intermediate still chains to the root and its leaves are unexpired.
      const targets = t.ca.rotation.registry.primary.list();
      expect(fin.retainedCrls).toEqual([expect.objectContaining({ issuerId: oldIssuerId, kind: 'retired', until: leaf1.notAfter.toISOString() })]);
      const oldInterFile = join(t.dir, 'old-inter.pem');
      writeFileSync(oldInterFile, oldInterPem);
      for (const ta of tas) {
        const crls = await crlsOf(ta.trustAnchorArn);
        expect(crls).toHaveLength(2);
        expect(crls.every((c) => c.enabled)).toBe(true);
        const target = targets.find((x) => x.trustAnchorArn === ta.trustAnchorArn)!;
        expect(slotArns[target.id]).toBe(target.crlArn);
        const held = Buffer.from((await cp.getCrl(idFromArn(target.crlArn!))).crlData).toString();
        expect(held.replace(/\s/g, '')).toBe(nextCrl.pem.replace(/\s/g, ''));
        // The old CA's CRL, still in Roles Anywhere under its ARN, signed by the old intermediate, lists h0 (openssl).
        expect(crls.map((c) => c.crlArn).sort()).toEqual([target.crlArn, oldArns[target.id]].sort());
        const kept = Buffer.from((await cp.getCrl(idFromArn(oldArns[target.id]!))).crlData).toString();
        expect(opensslCrl(t.dir, kept, oldInterFile).serials).toContain(norm(leaf0.serial));
      }
      // A revocation of an old-CA leaf AFTER finish (h1's old certificate, renewed) reaches every anchor.
      await a.revokeSerial(leaf1.serial, 'keyCompromise', 'admin:test');
      const keptSync = t.ca.rotation.retained.get(oldIssuerId)!.sync;
      await keptSync.whenIdle();
      for (const ta of tas) {
        const target = targets.find((x) => x.trustAnchorArn === ta.trustAnchorArn)!;
        const kept = Buffer.from((await cp.getCrl(idFromArn(oldArns[target.id]!))).crlData).toString();
        const c = opensslCrl(t.dir, kept, oldInterFile);
        expect(c.verified).toBe(true);
        expect(c.serials).toEqual(expect.arrayContaining([norm(leaf0.serial), norm(leaf1.serial)]));
      }
      // A new rotation cannot start while the old CA's CRL fills the second slot.
      await expect(m.start({ actor: 'admin:test' })).rejects.toMatchObject({ code: 'rotation_crl_slots_full' });
      // One transaction made the new CA the CA: the configuration names it, the old one is retired
      // with its key kept (its CRL is kept), the second slot is empty, the rotation is in the history.
      const after = await t.ca.store.getCaState();
      expect(after.config).toMatchObject({ issuerId: st.next!.issuerId, rootId: t.init.fingerprint });
      expect(Object.fromEntries(after.certificates.map((c) => [c.id, c.state]))).toMatchObject({
        [oldIssuerId]: 'retired',
        [st.next!.issuerId]: 'active',
        [t.init.fingerprint]: 'active',
      });
      expect(after.rotation).toBeUndefined();
      expect(after.retained).toEqual([expect.objectContaining({ issuerId: oldIssuerId, kind: 'retired', rotationId: st.state!.id })]);
      expect(await t.ca.store.getCaKey(oldIssuerId)).toMatchObject({ kind: 'encrypted' });
      expect(await t.ca.store.listCrlSlots(CRL_SLOTS.next)).toEqual([]);
      expect((await t.ca.store.listRotationHistory()).map((h) => [h.id, h.outcome])).toEqual([[st.state!.id, 'finished']]);
      expect(t.ca.rotation.manager.config()).toMatchObject({ issuerId: st.next!.issuerId });
      // Still issuing from the new CA in this process, and after a reopen.
      const tok3 = await a.createEnrollmentToken({ subject: 'h3', sans: [], certTtlSeconds: 600 }, 'admin:test');
      expect((await a.enroll(tok3.token, csrPem('CN=h3', []))).chainPem.trim()).toBe(newInterPem.trim());
      sync.close();
      await t.ca.close();
      // After a restart the kept CRL is loaded again (its key from the store), rebuilt on
      // revocation and re-published on its schedule.
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      const again = await openCa({
        dir: t.dir,
        passphrase: TEST_PASSPHRASE,
        clock: t.clock.now,
        authority: authorityConfig({ crlRefreshSeconds: 600, crlValiditySeconds: 3600 }),
        rotation: rotationOverrides,
      });
      try {
        expect(again.issuer.id).toBe(st.next!.issuerId);
        const audit = JSON.stringify(await again.store.listAudit(0, 1000));
        for (const action of [
          'rotation.start',
          'rotation.publish',
          'rotation.crl',
          'rotation.switch',
          'rotation.finish_start',
          'rotation.crl_retained',
          'rotation.retire',
          'rotation.finish',
        ]) {
          expect(audit).toContain(`"${action}"`);
        }
        const sync2 = new CrlSync({ store: again.rotation.registry.primary, controlPlaneFor, minCallIntervalMs: 0 });
        await again.crl.start();
        await again.rotation.manager.bind({ primarySync: sync2 });
        const kept = again.rotation.retained.get(oldIssuerId)!;
        const n0 = (await kept.crl.current())!.number;
        const tok4 = await again.authority.createEnrollmentToken({ subject: 'h4', sans: [], certTtlSeconds: 600 }, 'admin:test');
        const leaf4 = await again.authority.enroll(tok4.token, csrPem('CN=h4', []));
        await again.authority.revokeSerial(leaf4.serial, 'keyCompromise', 'admin:test');
        // Revoking a leaf of the new CA does not re-sign the old CA's CRL (nothing changed in it).
        expect((await kept.crl.current())!.number).toBe(n0);
        // The schedule (crlRefreshSeconds) re-signs and re-pushes it.
        t.clock.advance(600_000);
        await vi.advanceTimersByTimeAsync(600_000);
        await kept.crl.rebuildIfChanged('test: wait for the scheduled build');
        await kept.sync.whenIdle();
        const scheduled = (await kept.crl.current())!;
        expect(scheduled.number).toBeGreaterThan(n0);
        for (const ta of tas) {
          const target = targets.find((x) => x.trustAnchorArn === ta.trustAnchorArn)!;
          const held = Buffer.from((await cp.getCrl(idFromArn(oldArns[target.id]!))).crlData).toString();
          expect(held.replace(/\s/g, '')).toBe(scheduled.pem.replace(/\s/g, ''));
        }
        // Once the last old-CA certificate expired, the kept CRL leaves every anchor and its key is deleted from the store.
        t.clock.advance(3600_000);
        await vi.advanceTimersByTimeAsync(600_000);
        await vi.waitFor(async () => expect(again.rotation.retained.list()).toHaveLength(0), { timeout: 10_000 });
        for (const ta of tas) expect(await crlsOf(ta.trustAnchorArn)).toHaveLength(1);
        expect(await again.store.getCaKey(oldIssuerId)).toBeUndefined();
        expect((await again.store.getCaState()).retained).toEqual([]);
        expect(JSON.stringify(await again.store.listAudit(0, 2000))).toContain('"rotation.crl_released"');
        sync2.close();
      } finally {
        vi.useRealTimers();
        await again.close();
      }
      t.ca = await openCa({ dir: t.dir, passphrase: TEST_PASSPHRASE, clock: t.clock.now });
    } finally {
      await t.cleanup();
    }
  }, 60_000);

  it('emergency, root CA: every leaf revoked (cACompromise); the old root leaves every anchor at start; finish at once', async () => {
    const t = await makeTestCa({ open: { rotation: rotationOverrides } });
    try {
      const oldRootPem = readFileSync(caPaths(t.dir).rootCert, 'utf8');
      const { tas, sync } = await register(t, [{ name: 'em-root', pem: oldRootPem }]);
      const a = t.ca.authority;
      const leaves = [];
      for (const h of ['e1', 'e2']) {
        const tok = await a.createEnrollmentToken({ subject: h, sans: [] }, 'admin:test');
        leaves.push(await a.enroll(tok.token, csrPem(`CN=${h}`, [])));
      }
      const st = await t.ca.rotation.manager.start({ emergency: true, actor: 'admin:test' });
      expect(st.warnings.join()).toMatch(/revoked 2 certificate/);
      for (const l of leaves) expect(await t.ca.store.getCertificate(l.serial)).toMatchObject({ status: 'revoked', reason: 'cACompromise' });
      // A root cannot be revoked by a CRL: it leaves the bundle at once, the new root takes its place.
      const ta = await cp.getTrustAnchor(tas[0]!.trustAnchorId);
      expect(pemCount(ta.x509CertificateData)).toBe(1);
      expect(ta.x509CertificateData!.replace(/\s/g, '')).toBe(derToPem(t.ca.rotation.switch.next!.root, 'CERTIFICATE').replace(/\s/g, ''));
      // One CRL: the new root's, in the first slot; the old root's is deleted with the root.
      const crls = await crlsOf(tas[0]!.trustAnchorArn);
      expect(crls).toHaveLength(1);
      expect(t.ca.rotation.registry.primary.list()[0]!.crlArn).toBe(crls[0]!.crlArn);
      // Renewal with a revoked certificate is refused: hosts re-enroll with new tokens.
      await expect(a.renew(pemToDer(leaves[0]!.certificatePem, 'CERTIFICATE'), csrPem('CN=e1', []))).rejects.toMatchObject({ code: 'certificate_revoked' });
      const tok = await a.createEnrollmentToken({ subject: 'e1', sans: [] }, 'admin:test');
      const fresh = await a.enroll(tok.token, csrPem('CN=e1', []));
      expect(fresh.rootPem.split('BEGIN CERTIFICATE').length - 1).toBe(2);
      expect(fresh.rootPem.startsWith(derToPem(t.ca.rotation.switch.next!.root, 'CERTIFICATE'))).toBe(true);
      await expect(t.ca.rotation.manager.abort({ actor: 'admin:test' })).rejects.toMatchObject({ code: 'rotation_wrong_phase' });
      const fin = await t.ca.rotation.manager.finish({ actor: 'admin:test' });
      expect(fin.warnings).toEqual([]);
      expect(fin.retainedCrls).toEqual([]);
      const fin2 = await t.ca.store.getCaState();
      expect(fin2.config?.rootId).toBe(st.next!.rootFingerprint);
      // The compromised root's key is gone from the store: nothing needs it any more.
      expect(await t.ca.store.getCaKey(st.current.issuerId)).toBeUndefined();
      expect(fin2.certificates.find((c) => c.id === st.current.issuerId)).toMatchObject({ state: 'retired' });
      expect(await crlsOf(tas[0]!.trustAnchorArn)).toHaveLength(1);
      sync.close();
    } finally {
      await t.cleanup();
    }
  }, 60_000);

  it('emergency, intermediate CA: the old intermediate is revoked in the root CRL at start; a leaf minted with its stolen key is refused', async () => {
    const t = await makeTestCa({ intermediate: true, open: { rotation: rotationOverrides } });
    try {
      const p = caPaths(t.dir);
      const rootPem = readFileSync(p.rootCert, 'utf8');
      const oldInterPem = readFileSync(p.intermediateCert, 'utf8');
      const { tas, sync } = await register(t, [
        { name: 'em-inter', pem: oldInterPem },
        { name: 'em-root', pem: rootPem },
      ]);
      const profile = await cp.createProfile({
        name: 'em-profile',
        roleArns: [ROLE],
        managedPolicyArns: [],
        durationSeconds: 900,
        acceptRoleSessionName: false,
        enabled: true,
        tags: [],
      });
      // The attacker: a copy of the old intermediate's key, and a leaf the CA never saw.
      const stolen = join(t.dir, 'stolen');
      mkdirSync(stolen);
      const stolenKey = (await t.ca.store.getCaKey(t.ca.rotation.switch.primary.id))!.value;
      writeFileSync(join(stolen, 'inter.key'), decryptCaKey(stolenKey, TEST_PASSPHRASE).export({ type: 'pkcs8', format: 'pem' }) as string);
      writeFileSync(join(stolen, 'inter.pem'), oldInterPem);
      const evil = makeLeaf(issuerFrom(join(stolen, 'ca'), 'stolen', join(stolen, 'inter.pem'), join(stolen, 'inter.key')), {
        cn: 'attacker',
        notAfter: new Date(Date.now() + 3600_000),
      });
      const session = (leaf: { certPem: string; keyPem: string }, ta: TrustAnchor, chain: string[]) =>
        sendCreateSession({
          url: emu.url,
          certPem: leaf.certPem,
          keyPem: leaf.keyPem,
          chainPems: chain,
          trustAnchorArn: ta.trustAnchorArn,
          profileArn: profile.profileArn,
          roleArn: ROLE,
          durationSeconds: 900,
        });
      const reason = (r: { status: number; headers: Record<string, unknown> }) => `${r.status} ${String(r.headers['x-rapki-emulator-reason'] ?? '')}`;
      // Before: the stolen key works with both anchors.
      expect(reason(await session(evil, tas[0]!, []))).toBe('201 ');
      expect(reason(await session(evil, tas[1]!, [oldInterPem]))).toBe('201 ');
      const a = t.ca.authority;
      const tok = await a.createEnrollmentToken({ subject: 'x1', sans: [] }, 'admin:test');
      await a.enroll(tok.token, csrPem('CN=x1', []));

      const m = t.ca.rotation.manager;
      const oldId = t.ca.rotation.switch.primary.id;
      const st = await m.start({ emergency: true, actor: 'admin:test' });
      const newInterPem = derToPem(t.ca.rotation.switch.next!.certificate, 'CERTIFICATE');
      // From this moment: refused by the anchor that holds the root (the intermediate is revoked)
      // and by the one that held the intermediate (it left the bundle).
      expect(reason(await session(evil, tas[1]!, [oldInterPem]))).toBe('403 certificate_revoked');
      expect(reason(await session(evil, tas[0]!, []))).toBe('403 untrusted_chain');
      expect((await cp.getTrustAnchor(tas[0]!.trustAnchorId)).x509CertificateData!.replace(/\s/g, '')).toBe(newInterPem.replace(/\s/g, ''));
      expect(await t.ca.store.getCaCertificates()).toContainEqual(expect.objectContaining({ id: oldId, reason: 'cACompromise' }));
      // The root's CRL (openssl: signed by the root, lists the old intermediate as CA Compromise)
      // and the new CA's CRL are the two CRLs of every anchor.
      const rootId = st.retainedCrls.find((r) => r.kind === 'root')!.issuerId;
      const rootSlots = t.ca.rotation.retained.get(rootId)!.slots;
      const oldInterSerial = execFileSync('openssl', ['x509', '-noout', '-serial'], { input: oldInterPem })
        .toString()
        .trim()
        .replace(/^serial=/, '');
      for (const ta of tas) {
        const crls = await crlsOf(ta.trustAnchorArn);
        expect(crls).toHaveLength(2);
        const rootArn = rootSlots.list().find((x) => x.trustAnchorArn === ta.trustAnchorArn)!.crlArn!;
        expect(crls.map((c) => c.crlArn)).toContain(rootArn);
        const held = Buffer.from((await cp.getCrl(idFromArn(rootArn))).crlData).toString();
        const c = opensslCrl(t.dir, held, p.rootCert);
        expect(c.verified).toBe(true);
        expect(c.serials).toEqual([norm(oldInterSerial)]);
        expect(c.text).toContain('CA Compromise');
      }
      // openssl refuses the attacker's leaf with the root's CRL (and the old intermediate's).
      writeFileSync(join(stolen, 'root.crl'), (await t.ca.rotation.retained.get(rootId)!.crl.current())!.pem);
      writeFileSync(join(stolen, 'inter.crl'), derToPem((await t.ca.store.getCrl(oldId))!.der, 'X509 CRL'));
      const v = spawnSync('openssl', [
        'verify',
        '-crl_check_all',
        '-CAfile',
        p.rootCert,
        '-untrusted',
        join(stolen, 'inter.pem'),
        '-CRLfile',
        join(stolen, 'root.crl'),
        '-CRLfile',
        join(stolen, 'inter.crl'),
        evil.certPath,
      ]);
      expect(v.status).not.toBe(0);
      expect(`${v.stdout}${v.stderr}`).toMatch(/certificate revoked/);
      // A host re-enrolled from the new intermediate works with both anchors.
      const tok2 = await a.createEnrollmentToken({ subject: 'x1', sans: [] }, 'admin:test');
      const key2 = ecKey();
      const fresh = await a.enroll(tok2.token, csrPem('CN=x1', [], key2));
      const freshLeaf = { certPem: fresh.certificatePem, keyPem: key2.export({ type: 'pkcs8', format: 'pem' }) as string };
      expect(reason(await session(freshLeaf, tas[0]!, []))).toBe('201 ');
      expect(reason(await session(freshLeaf, tas[1]!, [newInterPem]))).toBe('201 ');
      // No way back to the compromised CA; finish at once; the root's CRL stays, also after a reopen.
      await expect(m.abort({ actor: 'admin:test' })).rejects.toMatchObject({ code: 'rotation_wrong_phase' });
      const fin = await m.finish({ actor: 'admin:test' });
      expect(fin.retainedCrls).toEqual([expect.objectContaining({ kind: 'root', issuerId: rootId })]);
      expect(reason(await session(evil, tas[1]!, [oldInterPem]))).toBe('403 certificate_revoked');
      sync.close();
      await t.ca.close();
      t.ca = await openCa({ dir: t.dir, passphrase: TEST_PASSPHRASE, clock: t.clock.now, rotation: rotationOverrides });
      const sync2 = new CrlSync({ store: t.ca.rotation.registry.primary, controlPlaneFor, minCallIntervalMs: 0 });
      await t.ca.rotation.manager.bind({ primarySync: sync2 });
      expect(t.ca.rotation.retained.get(rootId)).toBeDefined();
      for (const ta of tas) expect(await crlsOf(ta.trustAnchorArn)).toHaveLength(2);
      expect(reason(await session(evil, tas[1]!, [oldInterPem]))).toBe('403 certificate_revoked');
      // The root's CRL holds the second slot: a normal rotation cannot start, an emergency one can,
      // and its root CRL lists both intermediates.
      await expect(t.ca.rotation.manager.start({ actor: 'admin:test' })).rejects.toMatchObject({ code: 'rotation_crl_slots_full' });
      await t.ca.rotation.manager.start({ emergency: true, actor: 'admin:test' });
      for (const ta of tas) expect(await crlsOf(ta.trustAnchorArn)).toHaveLength(2);
      const second = (await t.ca.rotation.retained.get(rootId)!.crl.current())!;
      expect(opensslCrl(t.dir, second.pem, p.rootCert).serials).toHaveLength(2);
      sync2.close();
    } finally {
      await t.cleanup();
    }
  }, 90_000);

  it("emergency on an active rotation: the old CA's leaves are revoked then, once", async () => {
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
      // The new CA is retired and its key gone; nothing of it is left to sign with.
      const ab = await t.ca.store.getCaState();
      expect(ab.certificates.find((c) => c.id === st.next!.issuerId)).toMatchObject({ state: 'retired' });
      expect(await t.ca.store.getCaKey(st.next!.issuerId)).toBeUndefined();
      expect(ab.config?.issuerId).toBe(st.current.issuerId);
      expect((await t.ca.store.listRotationHistory()).map((h) => h.outcome)).toEqual(['aborted']);
      expect(m.state()).toBeUndefined();
      expect(t.ca.rotation.switch.next).toBeUndefined();
      sync.close();
    } finally {
      await t.cleanup();
    }
  }, 60_000);

  it("abort, intermediate CA: the new intermediate's CRL stays while its leaves are unexpired (they chain to the root)", async () => {
    const t = await makeTestCa({ intermediate: true, open: { rotation: rotationOverrides } });
    try {
      const p = caPaths(t.dir);
      const { tas, sync } = await register(t, [{ name: 'ab-root', pem: readFileSync(p.rootCert, 'utf8') }]);
      const a = t.ca.authority;
      const m = t.ca.rotation.manager;
      const st = await m.start({ actor: 'admin:test' });
      const nextId = st.next!.issuerId;
      const newInterFile = join(t.dir, 'new-inter.pem');
      writeFileSync(newInterFile, derToPem(t.ca.rotation.switch.next!.certificate, 'CERTIFICATE'));
      const issue = async (h: string) => {
        const key = ecKey();
        const tok = await a.createEnrollmentToken({ subject: h, sans: [], certTtlSeconds: 3600 }, 'admin:test');
        return { key, leaf: await a.enroll(tok.token, csrPem(`CN=${h}`, [], key)) };
      };
      const n1 = await issue('n1');
      const n2 = await issue('n2');
      await a.revokeSerial(n1.leaf.serial, 'keyCompromise', 'admin:test');
      expect((await m.abort({ actor: 'admin:test' })).completed).toBe(false);
      await a.renew(pemToDer(n2.leaf.certificatePem, 'CERTIFICATE'), csrPem('CN=n2', [], n2.key));
      const slotArn = (await t.ca.store.listCrlSlots(CRL_SLOTS.next))[0]!.crlArn!;
      const done = await m.abort({ actor: 'admin:test' });
      expect(done.completed).toBe(true);
      expect(done.retainedCrls).toEqual([expect.objectContaining({ issuerId: nextId, kind: 'retired' })]);
      // Both CRLs stay: the CA's own, and the aborted intermediate's (same ARN as during the overlap).
      const crls = await crlsOf(tas[0]!.trustAnchorArn);
      expect(crls.map((c) => c.crlArn)).toContain(slotArn);
      expect(crls).toHaveLength(2);
      // A revocation of a leaf of the aborted CA after abort still reaches Roles Anywhere.
      await a.revokeSerial(n2.leaf.serial, 'keyCompromise', 'admin:test');
      await t.ca.rotation.retained.get(nextId)!.sync.whenIdle();
      const held = Buffer.from((await cp.getCrl(idFromArn(slotArn))).crlData).toString();
      const c = opensslCrl(t.dir, held, newInterFile);
      expect(c.verified).toBe(true);
      expect(c.serials.sort()).toEqual([norm(n1.leaf.serial), norm(n2.leaf.serial)].sort());
      // Its key stays in the store while its kept CRL is signed; the certificate is retired.
      expect(await t.ca.store.getCaKey(nextId)).toMatchObject({ kind: 'encrypted' });
      expect((await t.ca.store.getCaState()).certificates.find((c) => c.id === nextId)).toMatchObject({ state: 'retired' });
      sync.close();
    } finally {
      await t.cleanup();
    }
  }, 60_000);
});
