/**
 * The CRL manager the authority sees while a rotation runs: the old CA's manager (this class is
 * it) plus the new CA's. A revocation rebuilds BOTH CRLs (a certificate of either CA may be the
 * one revoked; Roles Anywhere holds one CRL slot per CA, ca-landscape §1.2), `start()`/`stop()`
 * drive both timers, and after `finish` the old one is retired so `current()` (GET /v1/crl) is the
 * new CA's.
 */
import { CrlManager, type CrlManagerDeps, type PublishedCrl } from '../authority/crl-manager.js';

export class RotatingCrlManager extends CrlManager {
  #next: CrlManager | undefined;
  #primaryRetired = false;
  #started = false;

  constructor(deps: CrlManagerDeps) {
    super(deps);
  }

  get next(): CrlManager | undefined {
    return this.#next;
  }

  /** Adds the next CA's manager; starts it (first CRL) when this one runs already. */
  async attachNext(m: CrlManager): Promise<void> {
    this.#next = m;
    if (this.#started) await m.start();
  }

  detachNext(): void {
    this.#next?.stop();
    this.#next = undefined;
  }

  /** Finish: the old CA's CRL is no longer published or served. */
  retirePrimary(): void {
    this.#primaryRetired = true;
    super.stop();
  }

  override async current(): Promise<PublishedCrl | undefined> {
    if (this.#primaryRetired && this.#next) return this.#next.current();
    return super.current();
  }

  override rebuild(why: string): Promise<PublishedCrl> {
    const next = this.#next?.rebuild(why);
    if (this.#primaryRetired && next) return next;
    const own = super.rebuild(why);
    if (!next) return own;
    return Promise.all([own, next]).then(([a]) => a);
  }

  override async start(): Promise<void> {
    this.#started = true;
    if (!this.#primaryRetired) await super.start();
    await this.#next?.start();
  }

  override stop(): void {
    super.stop();
    this.#next?.stop();
  }
}
