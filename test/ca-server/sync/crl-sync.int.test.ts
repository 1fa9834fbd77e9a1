import { beforeAll, describe, expect, it } from 'vitest';
import { CrlSync } from '../../../ca-server/src/sync/crl-sync.js';
import { MemorySyncTargetStore, syncTargetId } from '../../../ca-server/src/sync/target-store.js';
import type { SyncTarget } from '../../../ca-server/src/sync/target-store.js';
import { crlSyncMetrics } from '../../../ca-server/src/sync/metrics.js';
import { crlToPem } from '../../../common/src/x509/crl.js';
import { FakeCrlPlane, ManualScheduler } from './fakes.js';
import { makeTestCa } from './crl-fixture.js';
import type { TestCa } from './crl-fixture.js';

const TA = 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0b6c1f9e-5f55-4a0e-9d36-2b1b7f1c0a11';
const TA2 = 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/1c7d2a0f-6a66-4b1f-8e47-3c2c8a2d1b22';

function target(trustAnchorArn = TA): SyncTarget {
  const base = { trustAnchorArn, region: 'us-east-1', endpoint: 'http://127.0.0.1:1' };
  return { ...base, id: syncTargetId(base), createdAt: new Date(0).toISOString() };
}

function setup(extra: Partial<ConstructorParameters<typeof CrlSync>[0]> = {}) {
  const sched = new ManualScheduler();
  const plane = new FakeCrlPlane(() => sched.now());
  const store = new MemorySyncTargetStore();
  const logs: { level: string; msg: string; obj: object }[] = [];
  const logger = {
    info: (obj: object, msg: string) => logs.push({ level: 'info', msg, obj }),
    warn: (obj: object, msg: string) => logs.push({ level: 'warn', msg, obj }),
    error: (obj: object, msg: string) => logs.push({ level: 'error', msg, obj }),
  };
  const sync = new CrlSync({ store, controlPlaneFor: () => plane, scheduler: sched, logger, random: () => 0, ...extra });
  return { sched, plane, store, sync, logs };
}

let ca: TestCa;
beforeAll(async () => {
  ca = await makeTestCa();
});

describe('CrlSync', () => {
  it('imports, enables and reads back on the first push, within a second of notify', async () => {
    const { sched, plane, store, sync } = setup();
    store.put(target());
    const t0 = sched.now();
    const crl = await ca.crl(1);
    sync.notify({ der: crl.der, number: 1 });
    await sched.advance(0);
    expect(plane.calls[0]).toEqual({ op: 'importCrl', at: t0 });
    await sched.advance(5000);
    expect(plane.calls.map((c) => c.op)).toEqual(['importCrl', 'enableCrl', 'getCrl']);
    const [stored] = [...plane.crls.values()];
    expect(stored?.enabled).toBe(true);
    expect(Buffer.from(stored!.data).toString()).toBe(crlToPem(crl.der));
    const st = sync.state();
    expect(st.targets[0]).toMatchObject({ status: 'in_sync', pushedNumber: '1', consecutiveFailures: 0 });
    expect(store.get(target().id)?.crlArn).toMatch(/:crl\//);
    expect(st.counters.pushes).toBe(1);
  });

  it('updates afterwards and spaces every CRL API call by at least 1 s', async () => {
    const { sched, plane, store, sync } = setup();
    store.put(target());
    store.put(target(TA2));
    sync.notify({ der: (await ca.crl(1)).der, number: 1 });
    await sched.advance(20_000);
    sync.notify({ der: (await ca.crl(2)).der, number: 2 });
    await sched.advance(20_000);
    const ops = plane.calls.map((c) => c.op);
    expect(ops.filter((o) => o === 'importCrl')).toHaveLength(2);
    expect(ops.filter((o) => o === 'updateCrl')).toHaveLength(2);
    for (let i = 1; i < plane.calls.length; i++) {
      expect(plane.calls[i]!.at - plane.calls[i - 1]!.at).toBeGreaterThanOrEqual(1000);
    }
    expect(sync.state().targets.every((t) => t.status === 'in_sync' && t.pushedNumber === '2')).toBe(true);
  });

  it('coalesces: CRLs arriving during a push collapse into one push of the latest', async () => {
    const { sched, plane, store, sync } = setup();
    store.put(target());
    sync.notify({ der: (await ca.crl(1)).der, number: 1 });
    await sched.advance(10_000);
    plane.calls = [];
    const crls = [];
    for (let n = 2; n <= 6; n++) crls.push(await ca.crl(n));
    sync.notify({ der: crls[0]!.der, number: 2 });
    await sched.advance(0); // UpdateCrl(2) in flight / done; GetCrl waits for its slot
    for (let i = 1; i < crls.length; i++) sync.notify({ der: crls[i]!.der, number: i + 2 });
    await sched.advance(20_000);
    const updates = plane.calls.filter((c) => c.op === 'updateCrl');
    expect(updates.length).toBe(2); // CRL 2 (already started) and CRL 6; 3, 4, 5 skipped
    const [stored] = [...plane.crls.values()];
    expect(Buffer.from(stored!.data).toString()).toBe(crlToPem(crls[4]!.der));
    expect(sync.state().targets[0]?.pushedNumber).toBe('6');
  });

  it('ignores an older CRL number', async () => {
    const { sched, store, sync, logs } = setup();
    store.put(target());
    sync.notify({ der: (await ca.crl(5)).der, number: 5 });
    sync.notify({ der: (await ca.crl(4)).der, number: 4 });
    await sched.advance(10_000);
    expect(sync.state().crl?.number).toBe('5');
    expect(sync.state().targets[0]?.pushedNumber).toBe('5');
    expect(logs.some((l) => l.level === 'warn' && /older/.test(l.msg))).toBe(true);
  });

  it('retries with exponential backoff while the endpoint is down, and lands the latest CRL when it is back', async () => {
    const { sched, plane, store, sync } = setup({ backoffInitialMs: 1000, backoffMaxMs: 8000 });
    store.put(target());
    plane.down = true;
    sync.notify({ der: (await ca.crl(1)).der, number: 1 });
    await sched.advance(0);
    const crl2 = await ca.crl(2);
    sync.notify({ der: crl2.der, number: 2 });
    await sched.advance(30_000);
    const attempts = plane.calls.map((c) => c.at - plane.calls[0]!.at);
    // 0, +1 s, +2 s, +4 s, +8 s, +8 s …
    expect(attempts.slice(0, 6)).toEqual([0, 1000, 3000, 7000, 15000, 23000]);
    const st = sync.state().targets[0]!;
    expect(st.status).toBe('retrying');
    expect(st.lastError?.code).toBe('aws_unreachable');
    expect(st.consecutiveFailures).toBeGreaterThanOrEqual(5);
    expect(crlSyncMetrics(sync)).toMatch(/rapki_crl_sync_in_sync\{[^}]+\} 0/);
    plane.down = false;
    await sched.advance(10_000);
    const after = sync.state().targets[0]!;
    expect(after).toMatchObject({ status: 'in_sync', pushedNumber: '2', consecutiveFailures: 0 });
    const [stored] = [...plane.crls.values()];
    expect(Buffer.from(stored!.data).toString()).toBe(crlToPem(crl2.der));
    expect(sync.state().counters.failures).toBeGreaterThanOrEqual(5);
  });

  it('refuses a CRL over 300,000 PEM bytes, raises the alarm, and keeps the previous CRL in AWS', async () => {
    const { sched, plane, store, sync, logs } = setup();
    store.put(target());
    const small = await ca.crl(1);
    sync.notify({ der: small.der, number: 1 });
    await sched.advance(10_000);
    plane.calls = [];
    const big = await ca.bigCrl(2, 4600); // ~49 DER bytes per entry → > 300,000 PEM bytes
    expect(crlToPem(big.der).length).toBeGreaterThan(300_000);
    sync.notify({ der: big.der, number: 2 });
    await sched.advance(10_000);
    expect(plane.calls).toEqual([]);
    const st = sync.state();
    expect(st.alarm).toMatchObject({ code: 'crl_too_large', crlNumber: '2', limitBytes: 300_000 });
    expect(st.alarm!.sizeBytes).toBeGreaterThan(300_000);
    expect(st.targets[0]?.status).toBe('refused');
    expect(st.counters.refused).toBe(1);
    expect(logs.some((l) => l.level === 'error' && /too large/.test(l.msg))).toBe(true);
    const m = crlSyncMetrics(sync);
    expect(m).toMatch(/^rapki_crl_sync_crl_too_large 1$/m);
    expect(m).toMatch(/^rapki_crl_sync_refused_total 1$/m);
    const [stored] = [...plane.crls.values()];
    expect(Buffer.from(stored!.data).toString()).toBe(crlToPem(small.der));
    // A CRL that fits again clears the alarm.
    sync.notify({ der: (await ca.crl(3)).der, number: 3 });
    await sched.advance(10_000);
    expect(sync.state().alarm).toBeUndefined();
    expect(crlSyncMetrics(sync)).toMatch(/^rapki_crl_sync_crl_too_large 0$/m);
    expect(sync.state().targets[0]?.pushedNumber).toBe('3');
  });

  it('treats a read-back that differs as a failure and retries', async () => {
    const { sched, plane, store, sync } = setup();
    store.put(target());
    plane.corruptReadBack = true;
    sync.notify({ der: (await ca.crl(1)).der, number: 1 });
    await sched.advance(2500); // import 0 s, enable 1 s, get 2 s → mismatch; retry due at 3 s
    expect(sync.state().targets[0]).toMatchObject({ status: 'retrying', lastError: { code: 'crl_readback_mismatch' } });
    plane.corruptReadBack = false;
    await sched.advance(10_000);
    expect(sync.state().targets[0]?.status).toBe('in_sync');
  });

  it('re-imports when the CRL was deleted in AWS', async () => {
    const { sched, plane, store, sync } = setup();
    store.put(target());
    sync.notify({ der: (await ca.crl(1)).der, number: 1 });
    await sched.advance(10_000);
    plane.crls.clear();
    sync.notify({ der: (await ca.crl(2)).der, number: 2 });
    await sched.advance(30_000);
    expect(plane.calls.filter((c) => c.op === 'importCrl')).toHaveLength(2);
    expect(sync.state().targets[0]).toMatchObject({ status: 'in_sync', pushedNumber: '2' });
  });

  it('metrics text is valid exposition format with one sample per target', async () => {
    const { sched, store, sync } = setup();
    store.put(target());
    store.put(target(TA2));
    sync.notify({ der: (await ca.crl(7)).der, number: 7 });
    await sched.advance(20_000);
    const m = crlSyncMetrics(sync);
    expect(m).toMatch(/^rapki_crl_sync_targets 2$/m);
    expect(m.match(/^rapki_crl_sync_in_sync\{.*\} 1$/gm)).toHaveLength(2);
    expect(m.match(/^rapki_crl_sync_pushed_crl_number\{.*\} 7$/gm)).toHaveLength(2);
    for (const line of m.trim().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) rapki_crl_sync_\w+ .+|rapki_crl_sync_\w+(\{[^}]*\})? -?[0-9.e+]+)$/);
    }
  });

  it('close() cancels pending retries', async () => {
    const { sched, plane, store, sync } = setup();
    store.put(target());
    plane.down = true;
    sync.notify({ der: (await ca.crl(1)).der, number: 1 });
    await sched.advance(100);
    sync.close();
    const n = plane.calls.length;
    await sched.advance(60_000);
    expect(plane.calls.length).toBe(n);
    await sync.whenIdle();
  });
});
