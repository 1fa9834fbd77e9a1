import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../../common/src/audit/audit-chain.js';
import { SqliteCaStore } from '../../../ca-server/src/store/sqlite-store.js';
import { startWalCheckpointer } from '../../../ca-server/src/store/wal-checkpointer.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const autocheckpoint = (s: SqliteCaStore) => s.db.pragma('wal_autocheckpoint', { simple: true });

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('WAL checkpoints on a worker thread', () => {
  let dir: string;
  let file: string;
  let s: SqliteCaStore | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rapki-store-wal-'));
    file = join(dir, 'ca.db');
  });
  afterEach(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies committed pages into the database file while the serving connection never checkpoints', async () => {
    s = SqliteCaStore.open(file);
    s.checkpointInBackground(50);
    expect(autocheckpoint(s)).toBe(0);
    const before = statSync(file).size;
    const details = { pad: 'x'.repeat(2000) };
    await Promise.all(Array.from({ length: 300 }, (_, i) => s!.appendAudit({ time: T0, actor: 'test', action: `a${i}`, details })));
    // ~600 KB of audit rows reach the main file only through the checkpoint thread.
    await waitFor(() => statSync(file).size > before + 500_000);
    await s.close();
    // Everything is there, in order, after a reopen.
    s = SqliteCaStore.open(file);
    const records = await s.listAudit(0, 1000);
    expect(records).toHaveLength(300);
    expect(verifyAuditChain(records).ok).toBe(true);
    expect(autocheckpoint(s)).toBe(1000);
  });

  it('gives the serving connection its auto-checkpoint back when the thread fails, and says so', async () => {
    s = SqliteCaStore.open(file);
    const errors: unknown[] = [];
    const c = startWalCheckpointer(s.db, join(dir, 'missing.db'), 50, (e) => errors.push(e));
    expect(autocheckpoint(s)).toBe(0);
    await waitFor(() => errors.length > 0);
    expect(autocheckpoint(s)).toBe(1000);
    await c.stop();
    expect(errors).toHaveLength(1);
  });
});
