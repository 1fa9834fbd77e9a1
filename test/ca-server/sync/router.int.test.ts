/**
 * The sync's admin routes over real HTTP on loopback (mounted the way the CA server mounts them,
 * minus authentication, which the CA app adds), and the file-backed target store.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrlSync } from '../../../ca-server/src/sync/crl-sync.js';
import { createSyncRouter } from '../../../ca-server/src/sync/router.js';
import { FileSyncTargetStore, syncTargetId, validateTargetInput } from '../../../ca-server/src/sync/target-store.js';
import { FakeCrlPlane } from './fakes.js';
import { makeTestCa } from './crl-fixture.js';

const TA = 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0b6c1f9e-5f55-4a0e-9d36-2b1b7f1c0a11';

describe('sync admin router', () => {
  let dir: string;
  let server: Server;
  let base: string;
  let sync: CrlSync;
  let store: FileSyncTargetStore;
  let plane: FakeCrlPlane;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rapki-sync-router-'));
    store = new FileSyncTargetStore(dir);
    plane = new FakeCrlPlane(() => Date.now());
    sync = new CrlSync({ store, controlPlaneFor: () => plane, minCallIntervalMs: 1 });
    const ca = await makeTestCa();
    sync.notify({ der: (await ca.crl(4)).der, number: 4 });
    const app = express();
    app.use('/v1/admin/aws', createSyncRouter(sync, store));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/admin/aws`;
  });

  afterAll(async () => {
    sync.close();
    await new Promise((r) => server.close(r));
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
    const st = (await (await fetch(`${base}/status`)).json()) as { crl: { number: string }; targets: { status: string; pushedNumber: string; crlArn: string }[] };
    expect(st.crl.number).toBe('4');
    expect(st.targets).toEqual([expect.objectContaining({ status: 'in_sync', pushedNumber: '4', crlArn: expect.stringMatching(/:crl\//) })]);
    const list = (await (await fetch(`${base}/sync-targets`)).json()) as { targets: unknown[] };
    expect(list.targets).toHaveLength(1);
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
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
    const gone = await post(`/sync-targets/${id}/delete`, {});
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ code: 'sync_target_not_found' });
  });
});

describe('FileSyncTargetStore', () => {
  it('round-trips, replaces atomically with 0600, and refuses a corrupt file with a coded error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapki-sync-store-'));
    try {
      const s = new FileSyncTargetStore(dir);
      expect(s.list()).toEqual([]);
      const t = validateTargetInput({ trustAnchorArn: TA, region: 'eu-west-1' }, new Date(0));
      s.put(t);
      s.put({ ...t, lastPushedNumber: '3' });
      expect(s.list()).toEqual([{ ...t, lastPushedNumber: '3' }]);
      expect(statSync(s.path).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(s.path, 'utf8'))).toMatchObject({ version: 1 });
      expect(s.remove(t.id)).toBe(true);
      expect(s.remove(t.id)).toBe(false);
      writeFileSync(s.path, '{"version":1,"targets":');
      expect(() => s.list()).toThrow(expect.objectContaining({ code: 'sync_store_invalid' }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
