/**
 * The CRL sync behind the replicas' fence (docs/ha.md "Work done once"): a push goes out only when
 * the fence claims its CRL number; a refused claim is `standby` (no failure, no retry), and each
 * CRL number reaches Roles Anywhere through one replica only, across a change of leader.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readCrl } from '../../../common/src/x509/crl.js';
import { CrlSync } from '../../../ca-server/src/sync/crl-sync.js';
import { MemorySyncTargetStore, syncTargetId, type SyncTarget } from '../../../ca-server/src/sync/target-store.js';
import { FakeCrlPlane, ManualScheduler } from './fakes.js';
import { makeTestCa, type TestCa } from './crl-fixture.js';

const TA = 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0b6c1f9e-5f55-4a0e-9d36-2b1b7f1c0a11';
const base = { trustAnchorArn: TA, region: 'us-east-1', endpoint: 'http://127.0.0.1:1' };
const target: SyncTarget = { ...base, id: syncTargetId(base), createdAt: new Date(0).toISOString() };

/** The database's claim table and lease, shared by the replicas. */
class Fence {
  leader = 'a';
  term = 1;
  claimed: { replica: string; number: bigint; term: number }[] = [];
  issuers = new Set<string>();
  #last: { number: bigint; term: number } | undefined;
  claim(replica: string, number: bigint): boolean {
    if (replica !== this.leader) return false;
    const l = this.#last;
    if (l && !(l.number < number || (l.number === number && l.term === this.term))) return false;
    this.#last = { number, term: this.term };
    this.claimed.push({ replica, number, term: this.term });
    return true;
  }
}

class FencedStore extends MemorySyncTargetStore {
  constructor(
    readonly fence: Fence,
    readonly replica: string,
  ) {
    super();
  }
  claimPush(_targetId: string, issuer: string, number: bigint): Promise<boolean> {
    this.fence.issuers.add(issuer);
    return Promise.resolve(this.fence.claim(this.replica, number));
  }
}

let ca: TestCa;
beforeAll(async () => {
  ca = await makeTestCa();
});

describe('CrlSync behind the replicas fence', () => {
  it('only the leader pushes; the other stands by without failures or retries; a new leader pushes new numbers only', async () => {
    const sched = new ManualScheduler();
    const plane = new FakeCrlPlane(() => sched.now());
    const fence = new Fence();
    const mk = (replica: string) => {
      const store = new FencedStore(fence, replica);
      void store.put(target);
      return new CrlSync({ store, controlPlaneFor: () => plane, scheduler: sched, random: () => 0 });
    };
    const a = mk('a');
    const b = mk('b');
    const crl1 = (await ca.crl(1)).der;
    a.notify({ der: crl1, number: 1 });
    b.notify({ der: crl1, number: 1 });
    await sched.advance(10_000);
    expect(plane.calls.map((c) => c.op)).toEqual(['importCrl', 'enableCrl', 'getCrl']);
    expect(a.state().targets[0]).toMatchObject({ status: 'in_sync', pushedNumber: '1' });
    expect(b.state().targets[0]!.status).toBe('standby');
    expect(b.state().counters).toMatchObject({ failures: 0, pushes: 0, calls: 0 });
    expect(sched.pending()).toBe(0); // nothing scheduled to retry
    // b takes over (a new term); a, deposed, still gets CRLs from its store poll: refused.
    fence.leader = 'b';
    fence.term = 2;
    const crl2 = (await ca.crl(2)).der;
    a.notify({ der: crl2, number: 2 });
    b.notify({ der: crl2, number: 2 });
    await sched.advance(10_000);
    expect(a.state().targets[0]!.status).toBe('standby');
    expect(fence.claimed.map((c) => `${c.replica}:${c.number}:${c.term}`)).toEqual(['a:1:1', 'b:2:2']);
    // Claimed per issuer: the CRL's authority key identifier.
    expect([...fence.issuers]).toEqual([readCrl(crl1).authorityKeyId]);
    expect([...fence.issuers][0]).toMatch(/^[0-9a-f]{40}$/);
    // Each number pushed once, by one replica.
    const numbers = fence.claimed.map((c) => c.number);
    expect(new Set(numbers).size).toBe(numbers.length);
  });
});
