/**
 * The leader election's state machine on a manual clock (ca-server/src/leader/elector.ts): a lease
 * double that arbitrates like the database row (expiry in its own clock, a new term at every change
 * of holder) and can stall or fail like an unreachable database.
 */
import { describe, expect, it } from 'vitest';
import { LeaderElector, soleLeader } from '../../../ca-server/src/leader/elector.js';
import type { LeaderLease, PushClaim } from '../../../ca-server/src/leader/lease.js';
import { ManualScheduler } from '../sync/fakes.js';

/** The shared lease row, in the scheduler's clock. */
class LeaseRow {
  holder: string | undefined;
  term = 0;
  expiresAt = 0;
  claims = new Map<string, { n: bigint; term: number }>();
  constructor(readonly sched: ManualScheduler) {}
}

class FakeLease implements LeaderLease {
  /** 'ok', 'fail' (rejects at once), 'hang' (never answers). */
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  calls = 0;
  constructor(
    readonly row: LeaseRow,
    readonly holder: string,
  ) {}
  async acquire(ttlMs: number): Promise<number | undefined> {
    this.calls++;
    if (this.mode === 'fail') throw Object.assign(new Error('connection refused'), { code: 'store_unavailable' });
    if (this.mode === 'hang') return new Promise(() => {});
    const r = this.row;
    const now = r.sched.now();
    const live = r.expiresAt > now;
    if (live && r.holder !== this.holder) return undefined;
    if (!(live && r.holder === this.holder)) r.term++;
    r.holder = this.holder;
    r.expiresAt = now + ttlMs;
    return r.term;
  }
  async release(term: number): Promise<void> {
    if (this.row.holder === this.holder && this.row.term === term) this.row.expiresAt = this.row.sched.now() - 1;
  }
  async claimPush({ slot, targetId, issuer, number }: PushClaim, term: number): Promise<boolean> {
    const r = this.row;
    if (this.mode !== 'ok' || r.holder !== this.holder || r.term !== term || r.expiresAt <= r.sched.now()) return false;
    const k = `${slot}|${targetId}|${issuer}`;
    const c = r.claims.get(k);
    if (c && !(c.n < number || (c.n === number && c.term === term))) return false;
    r.claims.set(k, { n: number, term });
    return true;
  }
  async close(): Promise<void> {}
}

const c = (number: bigint): PushClaim => ({ slot: 'primary', targetId: 't1', issuer: 'aa01', number });
const TIMING = { ttlMs: 3_000, renewMs: 500, marginMs: 1_000 };

function pair() {
  const sched = new ManualScheduler();
  const row = new LeaseRow(sched);
  const la = new FakeLease(row, 'a');
  const lb = new FakeLease(row, 'b');
  const a = new LeaderElector({ lease: la, scheduler: sched, ...TIMING });
  const b = new LeaderElector({ lease: lb, scheduler: sched, ...TIMING });
  return { sched, row, la, lb, a, b };
}

describe('LeaderElector', () => {
  it('exactly one of two replicas leads, and keeps leading while it renews', async () => {
    const { sched, a, b } = pair();
    await a.start();
    await b.start();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    for (let i = 0; i < 20; i++) {
      await sched.advance(500);
      expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    }
    expect(a.term()).toBe(1);
    expect(b.term()).toBe(0);
    await a.stop();
    await b.stop();
  });

  it('a leader that dies is replaced within ttl + renew (5 s bound), in a new term', async () => {
    const { sched, la, a, b } = pair();
    await a.start();
    await b.start();
    await sched.advance(1_234);
    // Dies: never renews again (its timers stop too; what is left is the row in the database).
    la.mode = 'hang';
    const diedAt = sched.now();
    let tookOverAt: number | undefined;
    b.onChange((leader) => {
      if (leader) tookOverAt = sched.now();
    });
    await sched.advance(6_000);
    expect(b.isLeader()).toBe(true);
    expect(b.term()).toBe(2);
    const took = tookOverAt! - diedAt;
    expect(took).toBeLessThanOrEqual(TIMING.ttlMs + TIMING.renewMs);
    expect(took).toBeLessThan(5_000);
    // The dead one stepped down on its own clock, before the lease could expire in the database.
    expect(a.isLeader()).toBe(false);
    await b.stop();
  });

  it('a leader whose renewals fail steps down before its lease expires; never two leaders at once', async () => {
    const { sched, row, la, a, b } = pair();
    await a.start();
    await b.start();
    await sched.advance(700);
    la.mode = 'fail';
    const changes: string[] = [];
    a.onChange((l) => changes.push(`a:${l}@${sched.now()}`));
    b.onChange((l) => changes.push(`b:${l}@${sched.now()}`));
    for (let i = 0; i < 100; i++) {
      await sched.advance(50);
      // The invariant: b never leads while a still believes it leads.
      expect(a.isLeader() && b.isLeader()).toBe(false);
      // And a never believes it leads past the row's expiry.
      if (a.isLeader()) expect(sched.now()).toBeLessThan(row.expiresAt);
    }
    expect(a.isLeader()).toBe(false);
    expect(b.isLeader()).toBe(true);
    expect(changes[0]).toMatch(/^a:false@/);
    await a.stop();
    await b.stop();
  });

  it('fencing: a deposed leader cannot claim a push; the new term cannot claim a number the old term claimed', async () => {
    const { sched, la, a, b } = pair();
    await a.start();
    await b.start();
    expect(await a.claimPush(c(7n))).toBe(true);
    expect(await a.claimPush(c(7n))).toBe(true); // a retry in the same term
    expect(await b.claimPush(c(8n))).toBe(false); // not the leader
    la.mode = 'hang';
    await sched.advance(4_000);
    expect(b.isLeader()).toBe(true);
    expect(await a.claimPush(c(9n))).toBe(false); // deposed (its own clock says so)
    expect(await b.claimPush(c(7n))).toBe(false); // claimed by the old term
    expect(await b.claimPush(c(6n))).toBe(false); // never backwards
    expect(await b.claimPush(c(8n))).toBe(true);
    await b.stop();
  });

  it('a leader that stops gives the lease up: the other takes over at its next attempt, not after the ttl', async () => {
    const { sched, a, b } = pair();
    await a.start();
    await b.start();
    await a.stop();
    await sched.advance(TIMING.renewMs);
    expect(b.isLeader()).toBe(true);
    await b.stop();
  });

  it('a leader whose lease was taken (its row expired and another holds it) steps down at its next renewal', async () => {
    const { sched, row, a, b } = pair();
    await a.start();
    await b.start();
    // The row is taken behind a's back (as if a's renewals had been lost and b had taken it).
    row.holder = 'b';
    row.term++;
    row.expiresAt = sched.now() + TIMING.ttlMs;
    await sched.advance(TIMING.renewMs);
    expect([a.isLeader(), b.isLeader()]).toEqual([false, true]);
    expect(row.term).toBe(2);
    await a.stop();
    await b.stop();
  });

  it('rejects a renewal period that leaves no margin', () => {
    const sched = new ManualScheduler();
    const lease = new FakeLease(new LeaseRow(sched), 'x');
    expect(() => new LeaderElector({ lease, scheduler: sched, ttlMs: 1_000, renewMs: 600, marginMs: 500 })).toThrow(RangeError);
  });

  it('SQLite: the one process is always the leader and nothing is fenced', () => {
    expect(soleLeader.isLeader()).toBe(true);
    expect(soleLeader.claimPush).toBeUndefined();
    expect(soleLeader.metrics()).toContain('rapki_ca_leader 1');
  });
});
