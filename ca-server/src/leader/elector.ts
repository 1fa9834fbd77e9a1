/**
 * Chooses one leader among the replicas of a CA (docs/ha.md "Work done once"): the scheduled CRL
 * rebuilds, the CRL pushes to Roles Anywhere and the timed rotation work (releasing kept CRLs)
 * run only on the leader.
 *
 * Why a lease row and not a session advisory lock: an advisory lock is held as long as its
 * connection lives, and a connection to a frozen or partitioned replica may live for minutes
 * (until TCP keep-alive gives up) while the replica itself cannot tell whether it still holds the
 * lock. A lease has an expiry in the database's clock: a dead leader is replaced within
 * `ttlMs + renewMs` whatever happened to its connection, and a leader that cannot renew knows,
 * from its own monotonic clock, when to stop acting (`marginMs` before the lease can expire).
 * Hope is not the fence, though: every push also claims its CRL number in the database under
 * the lease (`LeaderLease.claimPush`), so a leader that lost its lease without noticing is
 * refused there.
 *
 * Time comes from an injected {@link SyncScheduler}, so the unit tests step a fake clock.
 */
import { realScheduler, type SyncScheduler } from '../sync/scheduler.js';
import { LEADER_DEFAULTS } from './constants.js';
import type { LeaderLease, PushClaim } from './lease.js';

/** What the rest of the server asks about leadership. */
export interface Leadership {
  /** Whether this replica may do the work done once, now. */
  isLeader(): boolean;
  /** The lease term this replica leads in (0 when it does not lead). */
  term(): number;
  /** Told on every change (`leader` true: just became leader in `term`). */
  onChange(listener: (leader: boolean, term: number) => void): void;
  /**
   * The fence every CRL push passes (`CrlSync`): true when this replica leads and the database
   * recorded that it pushes `number` into the slot; undefined when there is nothing to fence (one
   * process on SQLite).
   */
  readonly claimPush?: ((claim: PushClaim) => Promise<boolean>) | undefined;
  /** Prometheus text (`rapki_ca_leader*`). */
  metrics(): string;
  stop(): Promise<void>;
}

/** SQLite: one serving process per store (the serve lock), always the leader. */
export const soleLeader: Leadership = {
  isLeader: () => true,
  term: () => 0,
  onChange: () => {},
  claimPush: undefined,
  metrics: () => leaderMetrics(true, 0, 0),
  stop: async () => {},
};

export interface LeaderElectorOptions {
  readonly lease: LeaderLease;
  readonly scheduler?: SyncScheduler;
  readonly ttlMs?: number;
  readonly renewMs?: number;
  readonly marginMs?: number;
  readonly log?: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

export class LeaderElector implements Leadership {
  readonly #lease: LeaderLease;
  readonly #sched: SyncScheduler;
  readonly #ttl: number;
  readonly #renew: number;
  readonly #margin: number;
  readonly #log: LeaderElectorOptions['log'];
  readonly #listeners: ((leader: boolean, term: number) => void)[] = [];
  #leader = false;
  #term = 0;
  /** Local monotonic time until which this replica may act as leader. */
  #validUntil = 0;
  #timer: unknown;
  #expiryTimer: unknown;
  #stopped = false;
  #changes = 0;
  #ticking: Promise<void> | undefined;

  constructor(o: LeaderElectorOptions) {
    this.#lease = o.lease;
    this.#sched = o.scheduler ?? realScheduler;
    this.#ttl = o.ttlMs ?? LEADER_DEFAULTS.ttlMs;
    this.#renew = o.renewMs ?? LEADER_DEFAULTS.renewMs;
    this.#margin = Math.min(o.marginMs ?? LEADER_DEFAULTS.marginMs, this.#ttl / 2);
    this.#log = o.log;
    if (!(this.#renew > 0 && this.#renew < this.#ttl - this.#margin)) throw new RangeError('leader election: renewMs must be shorter than ttlMs - marginMs');
  }

  readonly claimPush = async (claim: PushClaim): Promise<boolean> => {
    if (!this.isLeader()) return false;
    return this.#lease.claimPush(claim, this.#term);
  };

  /** First attempt now (resolves when it was made), then every `renewMs`. */
  async start(): Promise<void> {
    await this.tick();
  }

  isLeader(): boolean {
    return this.#leader && this.#sched.now() < this.#validUntil;
  }

  term(): number {
    return this.isLeader() ? this.#term : 0;
  }

  onChange(listener: (leader: boolean, term: number) => void): void {
    this.#listeners.push(listener);
  }

  /** One attempt to take or renew the lease (the timer calls it; tests call it directly). */
  tick(): Promise<void> {
    this.#ticking ??= this.#attempt().finally(() => {
      this.#ticking = undefined;
      if (!this.#stopped) {
        if (this.#timer !== undefined) this.#sched.clearTimeout(this.#timer);
        this.#timer = this.#sched.setTimeout(() => {
          this.#timer = undefined;
          void this.tick();
        }, this.#renew);
      }
    });
    return this.#ticking;
  }

  async #attempt(): Promise<void> {
    if (this.#stopped) return;
    const t0 = this.#sched.now();
    let term: number | undefined;
    try {
      term = await this.#lease.acquire(this.#ttl);
    } catch (err) {
      // Cannot tell: keep leading until the local deadline (the expiry timer steps down then).
      if (this.#leader) this.#log?.warn({ err }, 'leader: renewing the lease failed; stepping down at the lease deadline unless a renewal succeeds');
      this.#checkExpiry();
      return;
    }
    if (this.#stopped) return;
    if (term === undefined) {
      if (this.#leader) this.#set(false, 0, 'another replica holds the lease');
      return;
    }
    // Counted from before the call: the database set the expiry at some point after t0.
    this.#validUntil = t0 + this.#ttl - this.#margin;
    if (!this.#leader || term !== this.#term) this.#set(true, term, 'lease taken');
    if (this.#expiryTimer !== undefined) this.#sched.clearTimeout(this.#expiryTimer);
    this.#expiryTimer = this.#sched.setTimeout(
      () => {
        this.#expiryTimer = undefined;
        this.#checkExpiry();
      },
      Math.max(0, this.#validUntil - this.#sched.now()),
    );
  }

  #checkExpiry(): void {
    if (this.#leader && this.#sched.now() >= this.#validUntil) this.#set(false, 0, 'lease not renewed in time');
  }

  #set(leader: boolean, term: number, why: string): void {
    this.#leader = leader;
    this.#term = leader ? term : 0;
    if (!leader) this.#validUntil = 0;
    this.#changes++;
    this.#log?.info({ leader, term, why }, leader ? 'leader: this replica leads' : 'leader: this replica no longer leads');
    for (const l of this.#listeners) {
      try {
        l(leader, term);
      } catch (err) {
        this.#log?.warn({ err }, 'leader: a listener failed');
      }
    }
  }

  metrics(): string {
    return leaderMetrics(this.isLeader(), this.term(), this.#changes);
  }

  /** Stops trying; a held lease is given up at once so that another replica takes over without waiting for its expiry. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#sched.clearTimeout(this.#timer);
    if (this.#expiryTimer !== undefined) this.#sched.clearTimeout(this.#expiryTimer);
    await this.#ticking?.catch(() => undefined);
    const held = this.#leader ? this.#term : 0;
    if (this.#leader) this.#set(false, 0, 'stopping');
    if (held > 0) await this.#lease.release(held).catch(() => undefined);
  }
}

function leaderMetrics(leader: boolean, term: number, changes: number): string {
  return [
    '# HELP rapki_ca_leader Whether this replica is the leader (scheduled CRL rebuilds, CRL pushes, timed rotation work; docs/ha.md).',
    '# TYPE rapki_ca_leader gauge',
    `rapki_ca_leader ${leader ? 1 : 0}`,
    '# HELP rapki_ca_leader_term The lease term this replica leads in (0: not leading; always 0 on SQLite).',
    '# TYPE rapki_ca_leader_term gauge',
    `rapki_ca_leader_term ${term}`,
    '# HELP rapki_ca_leader_changes_total Times this replica became or stopped being the leader.',
    '# TYPE rapki_ca_leader_changes_total counter',
    `rapki_ca_leader_changes_total ${changes}`,
    '',
  ].join('\n');
}
