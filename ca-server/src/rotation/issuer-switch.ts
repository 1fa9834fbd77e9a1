/**
 * Which CA issues right now, and which CAs are trusted, while a rotation runs.
 *
 * The authority asks `active()` once per issuance (one snapshot: signer, issuer name and chain
 * always belong together); the TLS layer and `GET /v1/ca` ask `trusted()`. During the overlap the
 * answer to `active()` carries `trustedRoots` = both roots, issuing one first, which is what
 * enrollment and renewal return as `ca` (the host's `ca.pem`).
 */
import type { IssuerContext } from '../authority/issuer.js';

export class IssuerSwitch {
  #primary: IssuerContext;
  #next: IssuerContext | undefined;
  #issuingNext = false;

  constructor(primary: IssuerContext) {
    this.#primary = primary;
  }

  /** The CA (the one the store's configuration names). */
  get primary(): IssuerContext {
    return this.#primary;
  }

  get next(): IssuerContext | undefined {
    return this.#next;
  }

  get issuingNext(): boolean {
    return this.#issuingNext && this.#next !== undefined;
  }

  attachNext(next: IssuerContext): void {
    this.#next = next;
  }

  detachNext(): void {
    this.#next = undefined;
    this.#issuingNext = false;
  }

  setIssuingNext(v: boolean): void {
    this.#issuingNext = v;
  }

  /** Finish: the next CA becomes the only one. */
  promoteNext(): void {
    if (!this.#next) return;
    this.#primary = this.#next;
    this.#next = undefined;
    this.#issuingNext = false;
  }

  /** Both CAs while rotating (issuing first), else the one. */
  trusted(): IssuerContext[] {
    if (!this.#next) return [this.#primary];
    return this.issuingNext ? [this.#next, this.#primary] : [this.#primary, this.#next];
  }

  /** Distinct roots of `trusted()`, issuing CA's root first. */
  trustedRoots(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const i of this.trusted()) if (!out.some((r) => Buffer.compare(Buffer.from(r), Buffer.from(i.root)) === 0)) out.push(i.root);
    return out;
  }

  /** The issuing CA, with the roots a host should trust attached. */
  active(): IssuerContext {
    const base = this.issuingNext ? (this.#next as IssuerContext) : this.#primary;
    return { ...base, trustedRoots: this.trustedRoots() };
  }

  /** Which of the CAs issued a certificate with this issuer id. */
  byId(id: string): IssuerContext | undefined {
    return this.trusted().find((i) => i.id === id);
  }
}
