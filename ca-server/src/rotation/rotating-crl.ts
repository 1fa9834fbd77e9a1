/**
 * The CRL manager the authority sees: the issuing CA's manager (this class is it), the new CA's
 * while a rotation runs, and the CRLs kept after their CA stopped issuing (`retained-crls.ts`). A
 * revocation rebuilds the issuing CA's and the new CA's CRLs (a certificate of either CA may be
 * the one revoked; Roles Anywhere holds one CRL per CA, two per trust anchor) and every kept CRL whose
 * entries changed; `start()`/`stop()` drive every timer. After `finish` (or an emergency cut) the
 * old CA's manager is retired here, so `current()` (GET /v1/crl) is the new CA's; the old CA's CRL
 * goes on, when it must, as a kept CRL.
 */
import { CrlManager, type CrlManagerDeps, type PublishedCrl } from '../authority/crl-manager.js';
import type { RetainedCrls } from './retained-crls.js';

export class RotatingCrlManager extends CrlManager {
  #next: CrlManager | undefined;
  #retained: RetainedCrls | undefined;
  #primaryRetired = false;
  #started = false;

  constructor(deps: CrlManagerDeps) {
    super(deps);
  }

  get next(): CrlManager | undefined {
    return this.#next;
  }

  get primaryRetired(): boolean {
    return this.#primaryRetired;
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

  /** The kept CRLs (retired intermediates, the root's) are rebuilt, started and stopped with this one. */
  attachRetained(r: RetainedCrls): void {
    this.#retained = r;
  }

  /** Finish (or an emergency cut): the old CA's CRL is no longer built, published or served here. */
  retirePrimary(): void {
    this.#primaryRetired = true;
    super.stop();
  }

  override async current(): Promise<PublishedCrl | undefined> {
    if (this.#primaryRetired && this.#next) return this.#next.current();
    return super.current();
  }

  override rebuild(why: string): Promise<PublishedCrl> {
    const kept = this.#retained?.rebuildIfChanged(why);
    const next = this.#next?.rebuild(why);
    const own = this.#primaryRetired && next ? next : super.rebuild(why);
    return Promise.all([own, next, kept]).then(([a]) => a);
  }

  /** Every CRL of this process takes a newer stored one (`CrlManager.adoptStored`); true when any did. */
  override async adoptStored(): Promise<boolean> {
    const r = await Promise.all([
      this.#primaryRetired ? false : super.adoptStored(),
      this.#next?.adoptStored() ?? false,
      this.#retained?.adoptStored() ?? false,
    ]);
    return r.some(Boolean);
  }

  /**
   * A new leader rebuilds every CRL it is responsible for (docs/ha.md): a fresh number each, so it
   * never pushes a number an earlier leader claimed (and maybe did not finish pushing).
   */
  async rebuildEverything(why: string): Promise<void> {
    await Promise.all([this.#primaryRetired ? undefined : super.rebuild(why), this.#next?.rebuild(why), this.#retained?.rebuildAll(why)]);
  }

  /**
   * The leader's periodic check (docs/ha.md): each CRL whose entries are not the store's revoked,
   * unexpired serials is rebuilt (a replica died between a revocation's commit and its CRL, and
   * never started again).
   */
  async checkEverything(why: string): Promise<void> {
    await Promise.all([
      this.#primaryRetired ? undefined : super.rebuildIfChanged(why),
      this.#next?.rebuildIfChanged(why),
      this.#retained?.rebuildIfChanged(why),
    ]);
  }

  override async start(): Promise<void> {
    this.#started = true;
    if (!this.#primaryRetired) await super.start();
    await this.#next?.start();
    await this.#retained?.start();
  }

  override stop(): void {
    super.stop();
    this.#next?.stop();
    this.#retained?.stop();
  }
}
