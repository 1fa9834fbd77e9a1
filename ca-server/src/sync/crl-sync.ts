/**
 * The CA's CRL sync to IAM Roles Anywhere (docs/aws.md "The CRL sync").
 *
 * Why: Roles Anywhere never fetches CRLs; it only knows what ImportCrl/UpdateCrl gave it
 * (User Guide, "Revocation"). So every CRL change (a revocation, the scheduled re-issue) is pushed to
 * every registered trust anchor at once, which makes a revocation reach CreateSession in about a
 * second instead of whenever someone re-imports by hand.
 *
 * Rules it keeps:
 * - push within a second of `notify`: the first call goes out at once unless the 1 call/s quota
 *   (CRL API calls combined, per account and region) says to wait; all calls are spaced by
 *   `minCallIntervalMs` per (region, endpoint);
 * - coalesce: only the latest CRL matters; a CRL that arrives while a push is in flight or
 *   waiting for a retry replaces the pending one, and an older CRL number never replaces a newer;
 * - retries with exponential backoff (capped, with jitter) while the control plane fails;
 * - first push to a target: ImportCrl (enabled) + EnableCrl if needed; then UpdateCrl; every push
 *   is read back with GetCrl and compared byte for byte;
 * - refuses a PEM CRL over 300,000 bytes (ImportCrl/UpdateCrl limit) and raises an alarm (error
 *   log, `rapki_crl_sync_crl_too_large` gauge, `state().alarm`) instead of pushing something AWS
 *   would reject, leaving the previous CRL in place.
 */
import { createHash } from 'node:crypto';
import { crlToPem, readCrl } from '../../../common/src/x509/crl.js';
import { awsError } from '../../../common/src/aws/errors.js';
import type { Crl, RolesAnywhereControlPlane, Tag } from '../../../common/src/aws/types.js';
import { idFromArn } from '../../../common/src/aws/arn.js';
import { TAGS } from '../../../common/src/aws/constants.js';
import { SYNC_DEFAULTS, crlResourceName } from './constants.js';
import { CallSpacer, realScheduler } from './scheduler.js';
import type { SyncScheduler } from './scheduler.js';
import type { SyncTarget, SyncTargetStore } from './target-store.js';

/** The slice of the control plane the sync needs. */
export type CrlControlPlane = Pick<RolesAnywhereControlPlane, 'importCrl' | 'updateCrl' | 'enableCrl' | 'getCrl'>;

/** Minimal structured logger (pino-compatible). */
export interface SyncLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const silentLogger: SyncLogger = { info() {}, warn() {}, error() {} };

/** A CRL handed to `notify`: DER or PEM bytes and its RFC 5280 §5.2.3 number. */
export interface CrlChange {
  readonly der?: Uint8Array;
  readonly pem?: string | Uint8Array;
  readonly number: bigint | number;
}

/** `standby`: another replica leads and pushes (docs/ha.md "Work done once"). */
export type TargetStatus = 'in_sync' | 'pending' | 'pushing' | 'retrying' | 'refused' | 'standby' | 'unknown';

/** Thrown inside a push when the fence refused it: not a failure, nothing to retry here. */
class PushNotClaimed extends Error {}

export interface TargetState {
  readonly id: string;
  readonly trustAnchorArn: string;
  readonly crlArn: string | undefined;
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly status: TargetStatus;
  /** CRL number last confirmed by read-back (decimal string). */
  readonly pushedNumber: string | undefined;
  readonly lastSuccessAt: string | undefined;
  readonly lastAttemptAt: string | undefined;
  readonly nextAttemptAt: string | undefined;
  readonly consecutiveFailures: number;
  readonly lastError: { code: string; message: string; at: string } | undefined;
}

export interface SyncAlarm {
  readonly code: 'crl_too_large';
  readonly message: string;
  readonly crlNumber: string;
  readonly sizeBytes: number;
  readonly limitBytes: number;
  readonly at: string;
}

export interface SyncState {
  /** The CRL the CA last notified (what every target should hold). */
  readonly crl: { number: string; sizeBytes: number; sha256: string; receivedAt: string } | undefined;
  readonly alarm: SyncAlarm | undefined;
  readonly targets: TargetState[];
  readonly counters: { pushes: number; failures: number; refused: number; calls: number };
}

export interface CrlSyncOptions {
  readonly store: SyncTargetStore;
  /** A control-plane client for a target's region and endpoint (the real one: `createControlPlane({region, endpoint, maxAttempts: 1})`). */
  readonly controlPlaneFor: (target: SyncTarget) => CrlControlPlane;
  readonly scheduler?: SyncScheduler;
  readonly logger?: SyncLogger;
  /** [0,1) source for backoff jitter. */
  readonly random?: () => number;
  /** Tags put on CRLs the sync imports (the CA fingerprint, so `rapki aws unregister` finds them). */
  readonly crlTags?: readonly Tag[];
  readonly minCallIntervalMs?: number;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  readonly backoffFactor?: number;
  readonly backoffJitter?: number;
  readonly maxCrlBytes?: number;
}

interface Snapshot {
  readonly pem: Uint8Array;
  readonly number: bigint;
  readonly sha256: string;
  readonly receivedAt: number;
}

interface Runtime {
  status: TargetStatus;
  timer: unknown;
  inflight: boolean;
  consecutiveFailures: number;
  lastAttemptAt: number | undefined;
  nextAttemptAt: number | undefined;
  lastError: { code: string; message: string; at: string } | undefined;
}

export class CrlSync {
  private readonly store: SyncTargetStore;
  private readonly controlPlaneFor: (target: SyncTarget) => CrlControlPlane;
  private readonly scheduler: SyncScheduler;
  private readonly logger: SyncLogger;
  private readonly random: () => number;
  private readonly spacer: CallSpacer;
  private readonly opts: Required<Pick<CrlSyncOptions, 'backoffInitialMs' | 'backoffMaxMs' | 'backoffFactor' | 'backoffJitter' | 'maxCrlBytes'>>;
  private readonly crlTags: readonly Tag[];
  private readonly runtimes = new Map<string, Runtime>();
  private current: Snapshot | undefined;
  private alarm: SyncAlarm | undefined;
  private readonly counters = { pushes: 0, failures: 0, refused: 0, calls: 0 };
  private closed = false;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly ensureListeners: ((targetId: string) => void)[] = [];

  constructor(options: CrlSyncOptions) {
    this.store = options.store;
    this.controlPlaneFor = options.controlPlaneFor;
    this.scheduler = options.scheduler ?? realScheduler;
    this.logger = options.logger ?? silentLogger;
    this.random = options.random ?? Math.random;
    this.spacer = new CallSpacer(options.minCallIntervalMs ?? SYNC_DEFAULTS.minCallIntervalMs, this.scheduler);
    this.crlTags = options.crlTags ?? [{ key: TAGS.managedBy, value: TAGS.managedByValue }];
    this.opts = {
      backoffInitialMs: options.backoffInitialMs ?? SYNC_DEFAULTS.backoffInitialMs,
      backoffMaxMs: options.backoffMaxMs ?? SYNC_DEFAULTS.backoffMaxMs,
      backoffFactor: options.backoffFactor ?? SYNC_DEFAULTS.backoffFactor,
      backoffJitter: options.backoffJitter ?? SYNC_DEFAULTS.backoffJitter,
      maxCrlBytes: options.maxCrlBytes ?? SYNC_DEFAULTS.maxCrlBytes,
    };
  }

  /**
   * A new CRL exists: push it to every target. Returns at once (pushes run in the background);
   * `whenIdle()` resolves when nothing is pending.
   */
  notify(crl: CrlChange): void {
    if (this.closed) return;
    const source = crl.pem ?? crl.der;
    if (source === undefined) throw new TypeError('notify: der or pem required');
    const pem = new Uint8Array(Buffer.from(crlToPem(source), 'latin1'));
    const number = BigInt(crl.number);
    if (this.current && number < this.current.number) {
      this.logger.warn({ crlNumber: number.toString(), current: this.current.number.toString() }, 'crl sync: ignoring an older CRL');
      return;
    }
    const now = this.scheduler.now();
    const digest = sha256(pem);
    if (this.current?.sha256 === digest) {
      // The same CRL again (the leader's catch-up): keep when it arrived (the lag metric), push where missing.
      for (const t of this.store.list()) this.kick(t.id, 0);
      return;
    }
    const snap: Snapshot = { pem, number, sha256: digest, receivedAt: now };
    if (pem.length > this.opts.maxCrlBytes) {
      this.counters.refused++;
      this.alarm = {
        code: 'crl_too_large',
        message: `CRL ${number} is ${pem.length} bytes as PEM; Roles Anywhere accepts at most ${this.opts.maxCrlBytes}. Not pushed: AWS keeps the previous CRL, so certificates revoked since then are NOT refused by CreateSession. Prune expired entries or shorten certificate lifetimes.`,
        crlNumber: number.toString(),
        sizeBytes: pem.length,
        limitBytes: this.opts.maxCrlBytes,
        at: new Date(now).toISOString(),
      };
      this.logger.error({ alarm: this.alarm }, 'crl sync: CRL too large for Roles Anywhere, not pushed');
      for (const t of this.store.list()) this.runtime(t.id).status = 'refused';
      this.notifyIdle();
      return;
    }
    this.alarm = undefined;
    this.current = snap;
    for (const t of this.store.list()) this.kick(t.id, 0);
  }

  /** Push the current CRL to one target (or all) now, e.g. after a target was added or on `rapki aws crl-push`. */
  pushNow(targetId?: string): void {
    for (const t of this.store.list()) {
      if (targetId !== undefined && t.id !== targetId) continue;
      const rt = this.runtime(t.id);
      if (rt.timer !== undefined && !rt.inflight) {
        this.scheduler.clearTimeout(rt.timer);
        rt.timer = undefined;
      }
      this.kick(t.id, 0, true);
    }
  }

  /** Push the current CRL to a target unless it is known to hold it already (a target was added or re-registered). */
  ensure(targetId: string): void {
    this.kick(targetId, 0);
    for (const l of this.ensureListeners) {
      try {
        l(targetId);
      } catch (err) {
        this.logger.error({ err, target: targetId }, 'crl sync: ensure listener failed');
      }
    }
  }

  /**
   * Told on every `ensure` (a trust anchor was registered or registered again): the other CRLs a
   * trust anchor must hold, pushed by other syncs (the next CA's during a rotation, a retired CA's,
   * the root's, docs/rotation.md), go to the new anchor at once too, not at their next rebuild.
   */
  onEnsure(listener: (targetId: string) => void): void {
    this.ensureListeners.push(listener);
  }

  /** Forget a removed target's runtime state and timers. */
  forget(targetId: string): void {
    const rt = this.runtimes.get(targetId);
    if (rt?.timer !== undefined) this.scheduler.clearTimeout(rt.timer);
    this.runtimes.delete(targetId);
    this.notifyIdle();
  }

  state(): SyncState {
    const targets = this.store.list().map((t): TargetState => {
      const rt = this.runtimes.get(t.id);
      let status: TargetStatus = rt?.status ?? 'unknown';
      if (!rt && this.current && t.lastPushedSha256 === this.current.sha256) status = 'in_sync';
      return {
        id: t.id,
        trustAnchorArn: t.trustAnchorArn,
        crlArn: t.crlArn,
        region: t.region,
        endpoint: t.endpoint,
        status,
        pushedNumber: t.lastPushedNumber,
        lastSuccessAt: t.lastSuccessAt,
        lastAttemptAt: rt?.lastAttemptAt !== undefined ? new Date(rt.lastAttemptAt).toISOString() : undefined,
        nextAttemptAt: rt?.nextAttemptAt !== undefined ? new Date(rt.nextAttemptAt).toISOString() : undefined,
        consecutiveFailures: rt?.consecutiveFailures ?? 0,
        lastError: rt?.lastError,
      };
    });
    return {
      crl: this.current
        ? {
            number: this.current.number.toString(),
            sizeBytes: this.current.pem.length,
            sha256: this.current.sha256,
            receivedAt: new Date(this.current.receivedAt).toISOString(),
          }
        : undefined,
      alarm: this.alarm,
      targets,
      counters: { ...this.counters },
    };
  }

  /** Seconds since the current CRL was notified, for targets not yet holding it (0 when in sync). */
  lagSeconds(targetId: string): number {
    const t = this.store.get(targetId);
    if (!this.current || !t || t.lastPushedSha256 === this.current.sha256) return 0;
    return Math.max(0, (this.scheduler.now() - this.current.receivedAt) / 1000);
  }

  /** Resolves when no push is in flight and none is waiting (retries pending count as busy). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * The CA that signs the CRL changed (CA rotation `finish`, docs/rotation.md): drop the current
   * CRL and cancel waiting pushes, so that the old CA's CRL is never pushed again and the first CRL
   * of the new CA is accepted although its number may be lower (CRL numbers are per issuer,
   * RFC 5280 §5.2.3). A push in flight still completes; `whenIdle()` waits for it.
   */
  forgetCurrent(): void {
    this.current = undefined;
    for (const rt of this.runtimes.values()) {
      if (rt.timer !== undefined) this.scheduler.clearTimeout(rt.timer);
      rt.timer = undefined;
      rt.status = 'unknown';
    }
    this.notifyIdle();
  }

  /** Stop: cancel timers; in-flight calls finish but schedule nothing more. */
  close(): void {
    this.closed = true;
    for (const rt of this.runtimes.values()) {
      if (rt.timer !== undefined) this.scheduler.clearTimeout(rt.timer);
      rt.timer = undefined;
    }
    this.notifyIdle();
  }

  private isIdle(): boolean {
    for (const rt of this.runtimes.values()) if (rt.inflight || rt.timer !== undefined) return false;
    return true;
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private runtime(id: string): Runtime {
    let rt = this.runtimes.get(id);
    if (!rt) {
      rt = {
        status: 'unknown',
        timer: undefined,
        inflight: false,
        consecutiveFailures: 0,
        lastAttemptAt: undefined,
        nextAttemptAt: undefined,
        lastError: undefined,
      };
      this.runtimes.set(id, rt);
    }
    return rt;
  }

  /**
   * Make sure a push of the current CRL to `id` happens. If one is in flight, it re-checks when it
   * ends (coalescing); if a retry is already scheduled, that retry will carry the newest CRL, so the
   * backoff is kept rather than hammering a failing endpoint.
   */
  private kick(id: string, delayMs: number, force = false): void {
    if (this.closed || !this.current) return;
    const rt = this.runtime(id);
    const t = this.store.get(id);
    if (!t) return;
    if (!force && t.lastPushedSha256 === this.current.sha256 && rt.status !== 'retrying') {
      rt.status = 'in_sync';
      return;
    }
    if (rt.status !== 'retrying' && rt.status !== 'pushing') rt.status = 'pending';
    if (rt.inflight || rt.timer !== undefined) return;
    rt.nextAttemptAt = this.scheduler.now() + delayMs;
    rt.timer = this.scheduler.setTimeout(() => {
      rt.timer = undefined;
      void this.run(id, force);
    }, delayMs);
  }

  private async run(id: string, force: boolean): Promise<void> {
    const rt = this.runtime(id);
    const target = this.store.get(id);
    const snap = this.current;
    if (this.closed || !target || !snap) {
      this.notifyIdle();
      return;
    }
    if (!force && target.lastPushedSha256 === snap.sha256) {
      rt.status = 'in_sync';
      this.notifyIdle();
      return;
    }
    rt.inflight = true;
    rt.status = 'pushing';
    rt.lastAttemptAt = this.scheduler.now();
    rt.nextAttemptAt = undefined;
    let ok = false;
    try {
      await this.pushOnce(target, snap);
      ok = true;
      this.counters.pushes++;
      rt.consecutiveFailures = 0;
      rt.lastError = undefined;
      rt.status = 'in_sync';
      this.logger.info({ target: id, trustAnchorArn: target.trustAnchorArn, crlNumber: snap.number.toString() }, 'crl sync: pushed');
    } catch (e) {
      if (e instanceof PushNotClaimed) {
        // Another replica leads (or took this CRL number): it pushes; this one waits to lead.
        rt.status = 'standby';
        rt.inflight = false;
        this.notifyIdle();
        return;
      }
      this.counters.failures++;
      rt.consecutiveFailures++;
      const err = e as { code?: string; message?: string };
      rt.lastError = {
        code: err.code ?? 'internal_error',
        message: (err.message ?? String(e)).slice(0, 300),
        at: new Date(this.scheduler.now()).toISOString(),
      };
      rt.status = 'retrying';
      const delay = this.backoffDelay(rt.consecutiveFailures);
      this.logger.warn({ target: id, err: rt.lastError, retryInMs: delay }, 'crl sync: push failed, will retry');
      if (!this.closed) {
        rt.nextAttemptAt = this.scheduler.now() + delay;
        rt.timer = this.scheduler.setTimeout(() => {
          rt.timer = undefined;
          void this.run(id, false);
        }, delay);
      }
    } finally {
      rt.inflight = false;
    }
    // Coalescing: a newer CRL may have arrived during the push.
    if (ok && this.current && this.current.sha256 !== snap.sha256) this.kick(id, 0);
    this.notifyIdle();
  }

  private backoffDelay(failures: number): number {
    const base = Math.min(this.opts.backoffMaxMs, this.opts.backoffInitialMs * this.opts.backoffFactor ** (failures - 1));
    return Math.round(base * (1 + this.opts.backoffJitter * this.random()));
  }

  private async call<T>(target: SyncTarget, fn: () => Promise<T>): Promise<T> {
    await this.spacer.acquire(`${target.region}|${target.endpoint ?? ''}`);
    this.counters.calls++;
    return fn();
  }

  /** One push: Import+Enable the first time, Update afterwards; then read back and compare. */
  private async pushOnce(target: SyncTarget, snap: Snapshot): Promise<void> {
    // Replicas: the push is claimed under the leader lease first (fencing by the stored number).
    if (this.store.claimPush && !(await this.store.claimPush(target.id, crlIssuerKey(snap.pem), snap.number))) throw new PushNotClaimed();
    const cp = this.controlPlaneFor(target);
    let crl: Crl;
    let crlArn = target.crlArn;
    if (crlArn === undefined) {
      crl = await this.call(target, () =>
        cp.importCrl({ name: crlResourceName(target.trustAnchorArn), pem: snap.pem, trustAnchorArn: target.trustAnchorArn, enabled: true, tags: this.crlTags }),
      );
      crlArn = crl.crlArn;
      await this.store.put({ ...target, crlArn });
    } else {
      try {
        crl = await this.call(target, () => cp.updateCrl(idFromArn(crlArn as string), snap.pem));
      } catch (e) {
        // The CRL was deleted in AWS: import a new one on the next attempt.
        if ((e as { details?: { awsError?: string } }).details?.awsError === 'ResourceNotFoundException') {
          await this.store.put({ ...target, crlArn: undefined });
        }
        throw e;
      }
    }
    if (!crl.enabled) await this.call(target, () => cp.enableCrl(idFromArn(crlArn as string)));
    const back = await this.call(target, () => cp.getCrl(idFromArn(crlArn as string)));
    if (!Buffer.from(back.crlData).equals(Buffer.from(snap.pem))) {
      throw awsError('crl_readback_mismatch', undefined, { details: { crlArn } });
    }
    if (!back.enabled) throw awsError('crl_readback_mismatch', 'the CRL Roles Anywhere holds is not enabled', { details: { crlArn } });
    const latest = this.store.get(target.id) ?? target;
    await this.store.put({
      ...latest,
      crlArn,
      lastPushedNumber: snap.number.toString(),
      lastPushedSha256: snap.sha256,
      lastSuccessAt: new Date(this.scheduler.now()).toISOString(),
    });
  }
}

/** Which CA a CRL belongs to (its CRL numbers count separately): the AKI, else a hash of the issuer name. */
function crlIssuerKey(pem: Uint8Array): string {
  const info = readCrl(pem);
  return info.authorityKeyId ?? sha256(info.issuerDer);
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}
