/**
 * The leader lease and the fenced CRL-push claims on a real PostgreSQL (ca-server/src/store/
 * pg-leader-lease.ts, migration 4): one holder at a time, expiry in the database's clock, a new
 * term at every change of holder, and claims that only the current leader makes, forward only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type OpenedStore } from '../../../ca-server/src/store/open-store.js';
import { parseStoreUrl } from '../../../ca-server/src/store/store-url.js';
import type { LeaderLease } from '../../../ca-server/src/leader/lease.js';
import { LeaderElector } from '../../../ca-server/src/leader/elector.js';
import { startPostgres, type PostgresCluster } from '../../support/postgres.js';

const ISSUER = '0a1b2c';
let pg: PostgresCluster;
let store: OpenedStore;
let db: string;
const leases: LeaderLease[] = [];

beforeAll(async () => {
  pg = await startPostgres();
  const url = `${await pg.createDatabase()}?sslmode=disable`;
  db = new URL(url).pathname.slice(1);
  store = await openStore({ location: parseStoreUrl(url, { origin: 'env', dir: '/nonexistent' }) });
  await store.store.putSyncTarget(
    {
      id: 't1',
      trustAnchorArn: 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/00000000-0000-4000-8000-000000000001',
      region: 'us-east-1',
      endpoint: null,
      createdAt: new Date(),
    },
    { time: new Date(), actor: 'test', action: 'sync_target.add', details: {} },
  );
});
afterAll(async () => {
  for (const l of leases) await l.close();
  await store?.close();
  await pg?.close();
});

const lease = (): LeaderLease => {
  const l = store.openLeaderLease!();
  leases.push(l);
  return l;
};

/** Polls `fn` until it holds (bounded). */
async function until(fn: () => Promise<boolean>, ms: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await fn()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`not within ${ms} ms`);
}

describe('PgLeaderLease', () => {
  it('one holder at a time; renewal keeps the term; expiry (database clock) hands it over in a new term', async () => {
    const a = lease();
    const b = lease();
    const t1 = await a.acquire(800);
    expect(t1).toBeGreaterThan(0);
    expect(await b.acquire(800)).toBeUndefined();
    expect(await a.acquire(800)).toBe(t1);
    // a stops renewing: b gets it once the row expired, in the next term.
    const waited = await until(async () => (await b.acquire(800)) !== undefined, 5_000);
    expect(waited).toBeGreaterThan(300);
    const row = (await pg.query('SELECT term FROM leader_lease', [], db)).rows[0];
    expect(Number(row.term)).toBe(t1! + 1);
    expect(await a.acquire(800)).toBeUndefined();
    // Release hands it over at once.
    await b.release(t1! + 1);
    expect(await a.acquire(800)).toBe(t1! + 2);
  });

  it('claims: only the holder in its term, forward only, the same number again only in the same term; an unknown anchor is refused', async () => {
    const a = lease();
    const b = lease();
    let ta: number | undefined;
    await until(async () => (ta = await a.acquire(1_000)) !== undefined, 5_000);
    expect(await a.claimPush({ slot: 'primary', targetId: 't1', issuer: ISSUER, number: 10n }, ta!)).toBe(true);
    expect(await a.claimPush({ slot: 'primary', targetId: 't1', issuer: ISSUER, number: 10n }, ta!)).toBe(true);
    expect(await a.claimPush({ slot: 'primary', targetId: 't1', issuer: ISSUER, number: 9n }, ta!)).toBe(false);
    expect(await a.claimPush({ slot: 'primary', targetId: 't1', issuer: ISSUER, number: 10n }, ta! - 1)).toBe(false);
    expect(await b.claimPush({ slot: 'primary', targetId: 't1', issuer: ISSUER, number: 11n }, ta!)).toBe(false);
    expect(await a.claimPush({ slot: 'primary', targetId: 'no-such-target', issuer: ISSUER, number: 11n }, ta!)).toBe(false);
    expect(await a.claimPush({ slot: 'next', targetId: 't1', issuer: ISSUER, number: 1n }, ta!)).toBe(true);
    // Take-over: the old holder is fenced out even with a greater number; the new one cannot re-claim 10.
    let tb: number | undefined;
    await until(async () => (tb = await b.acquire(1_000)) !== undefined, 5_000);
    expect(tb).toBe(ta! + 1);
    expect(await a.claimPush({ slot: 'primary', targetId: 't1', issuer: ISSUER, number: 12n }, ta!)).toBe(false);
    expect(await b.claimPush({ slot: 'primary', targetId: 't1', issuer: ISSUER, number: 10n }, tb!)).toBe(false);
    expect(await b.claimPush({ slot: 'primary', targetId: 't1', issuer: ISSUER, number: 12n }, tb!)).toBe(true);
    // CRL numbers up to 20 octets (RFC 5280 §5.2.3) compare as numbers, not text.
    expect(await b.claimPush({ slot: 'primary', targetId: 't1', issuer: ISSUER, number: 2n ** 159n }, tb!)).toBe(true);
    expect(await b.claimPush({ slot: 'primary', targetId: 't1', issuer: ISSUER, number: 99n }, tb!)).toBe(false);
    // The slot handed to a new CA (rotation finish): its CRL numbers count from its own start.
    expect(await b.claimPush({ slot: 'primary', targetId: 't1', issuer: 'ffee01', number: 1n }, tb!)).toBe(true);
    expect(await a.claimPush({ slot: 'primary', targetId: 't1', issuer: 'ffee01', number: 2n }, ta!)).toBe(false);
    await b.release(tb!);
  });

  it('two electors on real leases: one leader; killing its lease client hands over within ttl + renew', async () => {
    const a = new LeaderElector({ lease: lease(), ttlMs: 1_500, renewMs: 200, marginMs: 500 });
    const b = new LeaderElector({ lease: lease(), ttlMs: 1_500, renewMs: 200, marginMs: 500 });
    await until(async () => (await a.start(), a.isLeader()), 5_000);
    await b.start();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    // a's process "dies": its timers stop and it never renews (stop() would release; this does not).
    const killedAt = Date.now();
    (a as unknown as { tick: () => Promise<void> }).tick = async () => {};
    await until(async () => b.isLeader(), 5_000);
    const took = Date.now() - killedAt;
    expect(took).toBeLessThan(1_500 + 200 + 1_000);
    expect(a.isLeader()).toBe(false);
    await b.stop();
    await a.stop();
  });
});
