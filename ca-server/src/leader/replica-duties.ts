/**
 * What `ca serve` does about leadership (docs/ha.md "Work done once"), in one place so that the
 * server wiring stays a few lines:
 *
 * - on PostgreSQL, a {@link LeaderElector} on the store's lease, and the fence of every CRL push
 *   (the sync target registry asks it before each push); on SQLite the process is the sole leader
 *   and nothing changes;
 * - a replica that becomes leader rebuilds every CRL it is responsible for (a fresh number, never
 *   one an earlier leader claimed) and so pushes them;
 * - every `crlPollMs` each replica takes the newest stored CRLs (`adoptStored`): a revocation made
 *   on another replica is served here, and reaches the leader's sync, within one poll;
 * - every `checkMs` the leader compares each CRL with the store's revoked certificates and rebuilds
 *   one that differs (a replica that died between a revocation's commit and its CRL).
 */
import type { RotatingCrlManager } from '../rotation/rotating-crl.js';
import type { LeaderLease } from './lease.js';
import type { SyncTargetRegistry } from '../sync/store-sync-targets.js';
import { LEADER_DEFAULTS } from './constants.js';
import { LeaderElector, soleLeader, type Leadership } from './elector.js';

export interface ReplicaTiming {
  readonly ttlMs?: number | undefined;
  readonly renewMs?: number | undefined;
  readonly marginMs?: number | undefined;
  readonly crlPollMs?: number | undefined;
  readonly checkMs?: number | undefined;
}

interface Log {
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
  error(o: object, m: string): void;
}

export class ReplicaDuties {
  #leadership: Leadership = soleLeader;
  #lease: LeaderLease | undefined;
  #poll: NodeJS.Timeout | undefined;
  #check: NodeJS.Timeout | undefined;
  #polling = false;
  #stopped = false;
  readonly #log: Log;
  readonly #timing: ReplicaTiming;

  constructor(o: { log: Log; timing?: ReplicaTiming | undefined }) {
    this.#log = o.log;
    this.#timing = o.timing ?? {};
  }

  /** Whether this replica leads now (safe to call before `elect`: the sole leader until then). */
  readonly leader = (): boolean => this.#leadership.isLeader();

  get leadership(): Leadership {
    return this.#leadership;
  }

  /** PostgreSQL: joins the election (first attempt made when this resolves) and fences the pushes. */
  async elect(openLease: (() => LeaderLease) | undefined, registry: SyncTargetRegistry): Promise<void> {
    if (!openLease) return;
    this.#lease = openLease();
    const el = new LeaderElector({
      lease: this.#lease,
      ttlMs: this.#timing.ttlMs,
      renewMs: this.#timing.renewMs,
      marginMs: this.#timing.marginMs,
      log: this.#log,
    });
    this.#leadership = el;
    registry.setFence(el.claimPush);
    await el.start();
  }

  /**
   * Once the CRLs and syncs run: takeover rebuilds, and the poll of stored CRLs (PostgreSQL only);
   * on the leader each poll also hands every sync its slot's CRL (`catchUpSyncs`), so that what
   * another replica built or a rotation step it made is pushed without waiting for a rebuild.
   */
  run(crl: RotatingCrlManager, catchUpSyncs: () => Promise<void>): void {
    if (!this.#lease) return;
    const takeover = (why: string): void => {
      crl
        .rebuildEverything(why)
        .catch((err: unknown) => this.#log.error({ err }, 'leader: rebuilding the CRLs after taking the lead failed; the next scheduled rebuild retries'));
    };
    this.#leadership.onChange((leader) => {
      if (leader && !this.#stopped) takeover('leader takeover');
    });
    if (this.#leadership.isLeader()) takeover('leader at start');
    this.#poll = setInterval(() => {
      if (this.#polling) return;
      this.#polling = true;
      crl
        .adoptStored()
        .then(() => (this.#leadership.isLeader() ? catchUpSyncs() : undefined))
        .catch((err: unknown) => this.#log.warn({ err }, 'reading the newest CRLs from the store failed; retrying at the next poll'))
        .finally(() => {
          this.#polling = false;
        });
    }, this.#timing.crlPollMs ?? LEADER_DEFAULTS.crlPollMs);
    this.#poll.unref();
    // A revocation committed by a replica that died before building its CRL, and never came back.
    this.#check = setInterval(() => {
      if (!this.#leadership.isLeader()) return;
      crl
        .checkEverything('leader check: CRL entries differ from the revoked certificates')
        .catch((err: unknown) => this.#log.warn({ err }, 'comparing the CRLs with the store failed; retrying at the next check'));
    }, this.#timing.checkMs ?? LEADER_DEFAULTS.checkMs);
    this.#check.unref();
  }

  metrics(): string {
    return this.#leadership.metrics();
  }

  /** Stops polling and gives the lease up (another replica takes over at its next attempt). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#poll) clearInterval(this.#poll);
    if (this.#check) clearInterval(this.#check);
    await this.#leadership.stop();
    await this.#lease?.close();
  }
}
