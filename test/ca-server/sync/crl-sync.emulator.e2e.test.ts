/**
 * The CRL sync with the real control-plane client against `rapki emulator` as a child process:
 * push on notify, 1 call/s spacing measured at the client, retries while the emulator is stopped
 * and landing when it is back (same port, same state file), and the >300,000-byte refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlane } from '../../../common/src/aws/control-plane.js';
import { crlToPem } from '../../../common/src/x509/crl.js';
import type { RolesAnywhereControlPlane, TrustAnchor } from '../../../common/src/aws/types.js';
import { idFromArn } from '../../../common/src/aws/arn.js';
import { CrlSync, type CrlControlPlane } from '../../../ca-server/src/sync/crl-sync.js';
import { crlSyncMetrics } from '../../../ca-server/src/sync/metrics.js';
import { MemorySyncTargetStore, syncTargetId } from '../../../ca-server/src/sync/target-store.js';
import { startEmulatorProcess, TEST_AWS_ENV, type EmulatorProcess } from '../../cli/aws/emulator-process.js';
import { makeTestCa, type TestCa } from './crl-fixture.js';

const creds = { accessKeyId: TEST_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: TEST_AWS_ENV.AWS_SECRET_ACCESS_KEY };

describe('CrlSync against rapki emulator', () => {
  let emu: EmulatorProcess;
  let ca: TestCa;
  let cp: RolesAnywhereControlPlane;
  let ta: TrustAnchor;
  const calls: { op: string; at: number }[] = [];

  beforeAll(async () => {
    emu = await startEmulatorProcess();
    ca = await makeTestCa();
    cp = createControlPlane({ endpoint: emu.url, region: 'us-east-1', credentials: creds, maxAttempts: 1, timeoutMs: 3000 });
    ta = await cp.createTrustAnchor({ name: 'sync-test', bundlePem: ca.certPem, enabled: true, tags: [] });
  }, 60_000);

  afterAll(async () => {
    cp?.close();
    await emu?.dispose();
  });

  const recording: CrlControlPlane = {
    importCrl: (i) => (calls.push({ op: 'importCrl', at: Date.now() }), cp.importCrl(i)),
    updateCrl: (id, pem) => (calls.push({ op: 'updateCrl', at: Date.now() }), cp.updateCrl(id, pem)),
    enableCrl: (id) => (calls.push({ op: 'enableCrl', at: Date.now() }), cp.enableCrl(id)),
    getCrl: (id) => (calls.push({ op: 'getCrl', at: Date.now() }), cp.getCrl(id)),
  };

  it('pushes on notify within a second, spaced at 1 call/s; retries while the emulator is down and lands when it is back', async () => {
    const store = new MemorySyncTargetStore();
    const base = { trustAnchorArn: ta.trustAnchorArn, region: 'us-east-1', endpoint: emu.url };
    store.put({ ...base, id: syncTargetId(base), createdAt: new Date().toISOString() });
    const sync = new CrlSync({ store, controlPlaneFor: () => recording, backoffInitialMs: 300, backoffMaxMs: 600 });
    try {
      const crl1 = await ca.crl(1, 3);
      const t0 = Date.now();
      sync.notify({ der: crl1.der, number: 1 });
      await sync.whenIdle();
      expect(calls[0]!.at - t0).toBeLessThan(1000);
      // ImportCrl with enabled=true; EnableCrl only if the service left it disabled.
      expect(calls.map((c) => c.op).filter((op) => op !== 'enableCrl')).toEqual(['importCrl', 'getCrl']);
      for (let i = 1; i < calls.length; i++) expect(calls[i]!.at - calls[i - 1]!.at).toBeGreaterThanOrEqual(990);
      const crlArn = store.list()[0]!.crlArn!;
      let held = await cp.getCrl(idFromArn(crlArn));
      expect(held.enabled).toBe(true);
      expect(Buffer.from(held.crlData).toString()).toBe(crlToPem(crl1.der));

      // Control plane down during a revocation.
      await emu.stop();
      calls.length = 0;
      const crl2 = await ca.crl(2, 4);
      sync.notify({ der: crl2.der, number: 2 });
      await new Promise((r) => setTimeout(r, 2500));
      const down = sync.state().targets[0]!;
      expect(['retrying', 'pushing']).toContain(down.status);
      expect(down.lastError?.code).toBe('aws_unreachable');
      expect(calls.length).toBeGreaterThanOrEqual(2);
      expect(crlSyncMetrics(sync)).toMatch(/^rapki_crl_sync_in_sync\{.*\} 0$/m);

      await emu.start();
      await sync.whenIdle();
      const up = sync.state().targets[0]!;
      expect(up).toMatchObject({ status: 'in_sync', pushedNumber: '2', consecutiveFailures: 0 });
      held = await cp.getCrl(idFromArn(crlArn));
      expect(Buffer.from(held.crlData).toString()).toBe(crlToPem(crl2.der));
      expect(crlSyncMetrics(sync)).toMatch(/^rapki_crl_sync_in_sync\{.*\} 1$/m);
    } finally {
      sync.close();
      await emu.start();
    }
  }, 60_000);

  it('refuses a CRL over 300,000 bytes with an alarm and leaves AWS holding the previous one', async () => {
    const store = new MemorySyncTargetStore();
    const base = { trustAnchorArn: ta.trustAnchorArn, region: 'us-east-1', endpoint: emu.url };
    const existing = (await cp.listCrls()).find((c) => c.trustAnchorArn === ta.trustAnchorArn)!;
    store.put({ ...base, id: syncTargetId(base), crlArn: existing.crlArn, createdAt: new Date().toISOString() });
    const sync = new CrlSync({ store, controlPlaneFor: () => recording });
    try {
      calls.length = 0;
      const big = await ca.bigCrl(3, 4600);
      sync.notify({ der: big.der, number: 3 });
      await sync.whenIdle();
      expect(calls).toEqual([]);
      expect(sync.state().alarm).toMatchObject({ code: 'crl_too_large', crlNumber: '3' });
      expect(crlSyncMetrics(sync)).toMatch(/^rapki_crl_sync_crl_too_large 1$/m);
      const held = await cp.getCrl(existing.crlId);
      expect(Buffer.from(held.crlData).equals(Buffer.from(existing.crlData))).toBe(true);
    } finally {
      sync.close();
    }
  }, 60_000);
});
