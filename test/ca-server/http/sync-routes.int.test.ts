/**
 * The sync's admin routes over real HTTP on loopback (mounted the way the CA server mounts them,
 * minus authentication, which the CA app adds), and the targets kept in a real store (SQLite file)
 * through the registry the CA uses (`store-sync-targets.ts`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrlSync } from '../../../ca-server/src/sync/crl-sync.js';
import { createSyncRouter } from '../../../ca-server/src/http/sync-routes.js';
import { syncTargetId, validateTargetInput, type SyncTargetStore } from '../../../ca-server/src/sync/target-store.js';
import { SyncTargetRegistry } from '../../../ca-server/src/sync/store-sync-targets.js';
import { openStore, type OpenedStore } from '../../../ca-server/src/store/open-store.js';
import { CRL_SLOTS } from '../../../ca-server/src/store/types.js';
import { errorHandler } from '../../../ca-server/src/http/error-handler.js';
import { CaMetrics } from '../../../ca-server/src/http/metrics.js';
import { silentLogger } from '../../../ca-server/src/logger.js';
import { FakeCrlPlane } from '../sync/fakes.js';
import { makeTestCa } from '../sync/crl-fixture.js';

const TA = 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0b6c1f9e-5f55-4a0e-9d36-2b1b7f1c0a11';

describe('sync admin router', () => {
  let dir: string;
  let server: Server;
  let base: string;
  let sync: CrlSync;
  let store: SyncTargetStore;
  let db: OpenedStore;
  let plane: FakeCrlPlane;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rapki-sync-router-'));
    db = await openStore({ location: { backend: 'sqlite', file: join(dir, 'ca.db'), display: 'sqlite:test' } });
    const reg = new SyncTargetRegistry(db.store);
    await reg.refresh();
    store = reg.primary;
    plane = new FakeCrlPlane(() => Date.now());
    sync = new CrlSync({ store, controlPlaneFor: () => plane, minCallIntervalMs: 1 });
    const ca = await makeTestCa();
    sync.notify({ der: (await ca.crl(4)).der, number: 4 });
    const app = express();
    app.use(
      '/v1/admin/aws',
      createSyncRouter(sync, store, undefined, () => 'admin:router-test'),
    );
    // As the CA server mounts it: errors go to the one error handler (ca-server/src/http/error-mapper.ts).
    app.use(errorHandler(silentLogger(), new CaMetrics(() => new Date())));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/admin/aws`;
  });

  afterAll(async () => {
    sync.close();
    await new Promise((r) => server.close(r));
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('adds a target (201), is idempotent (200), pushes the current CRL to it, and reports state', async () => {
    const r = await post('/sync-targets', { trustAnchorArn: TA, region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
    expect(r.status).toBe(201);
    const { target } = (await r.json()) as { target: { id: string } };
    expect(target.id).toBe(syncTargetId({ trustAnchorArn: TA, region: 'us-east-1', endpoint: 'http://127.0.0.1:9' }));
    await sync.whenIdle();
    const again = await post('/sync-targets', { trustAnchorArn: TA, region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
    expect(again.status).toBe(200);
    await sync.whenIdle();
    expect(plane.calls.filter((c) => c.op === 'importCrl')).toHaveLength(1);
    const st = (await (await fetch(`${base}/status`)).json()) as {
      crl: { number: string };
      targets: { status: string; pushedNumber: string; crlArn: string }[];
    };
    expect(st.crl.number).toBe('4');
    expect(st.targets).toEqual([expect.objectContaining({ status: 'in_sync', pushedNumber: '4', crlArn: expect.stringMatching(/:crl\//) })]);
    const list = (await (await fetch(`${base}/sync-targets`)).json()) as { targets: unknown[] };
    expect(list.targets).toHaveLength(1);
    // In the store: the target, its CRL slot as read back, and one audit record of the registration.
    expect(await db.store.listSyncTargets()).toEqual([expect.objectContaining({ id: target.id, trustAnchorArn: TA, endpoint: 'http://127.0.0.1:9' })]);
    expect(await db.store.listCrlSlots(CRL_SLOTS.primary)).toEqual([
      expect.objectContaining({ targetId: target.id, pushedNumber: '4', crlArn: expect.stringMatching(/:crl\//) }),
    ]);
    const adds = (await db.store.listAudit(0, 100)).filter((r) => r.action === 'sync_target.add');
    expect(adds).toEqual([expect.objectContaining({ actor: 'admin:router-test', details: expect.objectContaining({ id: target.id }) })]);
  });

  it('POST /push forces a push of the current CRL', async () => {
    const before = plane.calls.filter((c) => c.op === 'updateCrl').length;
    const r = await post('/push', {});
    expect(r.status).toBe(202);
    await sync.whenIdle();
    expect(plane.calls.filter((c) => c.op === 'updateCrl').length).toBe(before + 1);
  });

  it('refuses bad targets with {code, message}', async () => {
    for (const body of [
      { trustAnchorArn: 'arn:aws:iam::123456789012:role/x', region: 'us-east-1' },
      { trustAnchorArn: TA, region: 'mars-1' },
      { trustAnchorArn: TA, region: 'us-east-1', endpoint: 'ftp://x' },
      { trustAnchorArn: TA, region: 'us-east-1', extra: 1 },
      { trustAnchorArn: TA, region: 'us-east-1', pushedCrlSha256: 'zz' },
    ]) {
      const r = await post('/sync-targets', body);
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ code: 'sync_target_invalid', message: expect.any(String) });
    }
    const bad = await post('/sync-targets', '{not json');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid_json' });
    const big = await post('/sync-targets', { trustAnchorArn: TA, region: 'us-east-1', pad: 'x'.repeat(20_000) });
    expect(big.status).toBe(413);
    const unknown = await post('/push', { targetId: 'ffffffffffffffff' });
    expect(unknown.status).toBe(404);
  });

  it('removes a target (DELETE and POST …/delete), 404 for an unknown one', async () => {
    const id = syncTargetId({ trustAnchorArn: TA, region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
    const r = await fetch(`${base}/sync-targets/${id}`, { method: 'DELETE' });
    expect(r.status).toBe(200);
    expect(store.list()).toEqual([]);
    expect(await db.store.listSyncTargets()).toEqual([]);
    expect((await db.store.listAudit(0, 100)).filter((x) => x.action === 'sync_target.remove')).toHaveLength(1);
    const gone = await post(`/sync-targets/${id}/delete`, {});
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ code: 'sync_target_not_found' });
  });
});

describe('SyncTargetRegistry', () => {
  it('round-trips through the store; a push never moves a slot backwards; another handle sees targets after a refresh', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapki-sync-store-'));
    const loc = { backend: 'sqlite' as const, file: join(dir, 'ca.db'), display: 'sqlite:test' };
    const a = await openStore({ location: loc });
    const b = await openStore({ location: loc });
    try {
      const ra = new SyncTargetRegistry(a.store);
      const rb = new SyncTargetRegistry(b.store);
      await Promise.all([ra.refresh(), rb.refresh()]);
      const s = ra.primary;
      expect(s.list()).toEqual([]);
      const t = validateTargetInput({ trustAnchorArn: TA, region: 'eu-west-1' }, new Date(0));
      expect(await s.register(t, 'ca-host')).toBe(true);
      expect(await s.register(t, 'ca-host')).toBe(false);
      await s.put({ ...t, lastPushedNumber: '3', lastPushedSha256: 'a'.repeat(64) });
      // The other replica's older push does not win.
      await rb.refresh();
      await rb.primary.put({ ...t, lastPushedNumber: '2', lastPushedSha256: 'b'.repeat(64) });
      expect(rb.primary.get(t.id)).toMatchObject({ lastPushedNumber: '3', lastPushedSha256: 'a'.repeat(64) });
      await ra.refresh();
      expect(s.list()).toEqual([{ ...t, lastPushedNumber: '3', lastPushedSha256: 'a'.repeat(64) }]);
      // A slot handed to another CRL is reset; other slots are views of the same targets.
      await s.reset({ ...t, lastPushedNumber: '1', lastPushedSha256: 'c'.repeat(64) });
      expect(s.get(t.id)?.lastPushedNumber).toBe('1');
      expect(ra.slot(CRL_SLOTS.next).get(t.id)).toMatchObject({ id: t.id, crlArn: undefined, lastPushedNumber: undefined });
      expect(await s.remove(t.id, 'ca-host')).toBe(true);
      expect(await s.remove(t.id, 'ca-host')).toBe(false);
      await rb.refresh();
      expect(rb.primary.list()).toEqual([]);
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
