/**
 * Keeps the issuing CA's CRL current (RFC 5280 §5: v2, CRL number, AKI, nextUpdate).
 *
 * Why: Roles Anywhere checks revocation only against imported CRLs (User Guide, "Revocation"), so the CRL
 * is rebuilt at once on every revocation and on a timer, expired entries are dropped (they cannot
 * authenticate anyway and they eat into the 300,000-byte PEM budget), and its size is watched.
 * Rebuilds are serialised so CRL numbers strictly increase; the store refuses a number that does not.
 */
import { X509Certificate } from 'node:crypto';
import { decodeCertificate } from '../../../common/src/x509/certificate.js';
import { CRL_PEM_WARN_BYTES, readCrl } from '../../../common/src/x509/crl.js';
import { serialHexFromContent } from '../../../common/src/x509/serial.js';
import type { CaStore } from '../store/ca-store.js';
import type { CrlRecord, RevokedEntry } from '../store/types.js';
import type { AuthorityConfig } from './authority-config.js';
import type { Clock } from '../../../common/src/clock-and-random.js';
import type { IssuerContext } from './issuer.js';
import type { X509Port } from './x509-port.js';

export interface PublishedCrl extends CrlRecord {
  readonly pem: string;
  readonly entryCount: number;
}

export interface CrlEvents {
  published?(crl: PublishedCrl): void;
  nearLimit?(pemBytes: number): void;
  /** A scheduled rebuild failed (it is retried at the next tick). */
  rebuildFailed?(err: unknown): void;
}

export interface CrlManagerDeps {
  readonly store: CaStore;
  readonly x509: X509Port;
  readonly issuer: IssuerContext;
  readonly config: AuthorityConfig;
  readonly clock: Clock;
  readonly events?: CrlEvents;
  /** Audit the scheduled rebuilds too (default true). */
  readonly auditRebuilds?: boolean;
  /**
   * Whether this replica leads (docs/ha.md "Work done once"): only the leader rebuilds on the
   * timer; the others serve the CRLs it stores (`adoptStored`). Absent: always (one process).
   */
  readonly leader?: (() => boolean) | undefined;
}

export class CrlManager {
  readonly #d: CrlManagerDeps;
  #current: PublishedCrl | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: CrlManagerDeps) {
    this.#d = deps;
  }

  /** The last published CRL (loaded from the store on first use). */
  async current(): Promise<PublishedCrl | undefined> {
    if (this.#current) return this.#current;
    const rec = await this.#d.store.getCrl(this.#d.issuer.id);
    if (rec) this.#current = { ...rec, pem: this.#d.x509.toPem(rec.der, 'X509 CRL'), entryCount: -1 };
    return this.#current;
  }

  /** Rebuilds and stores the CRL now; concurrent calls run one after another. */
  rebuild(why: string): Promise<PublishedCrl> {
    const run = this.#chain.then(() => this.#build(why));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Rebuild on a timer (also when the stored one is missing or older than one refresh period, or
   * when its entries are not the revoked, unexpired serials of the store: a crash between a
   * revocation's commit and its CRL, or a revocation stored with a time before the CRL's
   * `thisUpdate` after the clock stepped back, leaves a certificate revoked in the store but not in
   * the CRL, and a retry only gets `already_revoked`). The check compares contents, not times.
   */
  async start(): Promise<void> {
    const cur = await this.current();
    const now = this.#d.clock().getTime();
    const leads = this.#d.leader?.() ?? true;
    if (!leads) {
      // Not the leader: no refresh by age (the leader does that), but nothing valid to serve, or a
      // revocation of this replica committed just before it died and missing from the CRL, is
      // built now (docs/ha.md).
      if (!cur || cur.nextUpdate.getTime() <= now) await this.rebuild(cur ? 'expired at start' : 'first CRL');
      else if (!(await this.#matchesStore(cur))) await this.rebuild('CRL entries differ from the revoked certificates at start');
    } else if (!cur || now - cur.thisUpdate.getTime() >= this.#d.config.crlRefreshSeconds * 1000 || cur.nextUpdate.getTime() <= now) {
      await this.rebuild(cur ? 'refresh at start' : 'first CRL');
    } else if (!(await this.#matchesStore(cur))) {
      await this.rebuild('CRL entries differ from the revoked certificates at start');
    }
    this.#timer = setInterval(() => {
      if (!(this.#d.leader?.() ?? true)) return;
      this.rebuild('schedule').catch((err: unknown) => this.#d.events?.rebuildFailed?.(err));
    }, this.#d.config.crlRefreshSeconds * 1000);
    this.#timer.unref();
  }

  /**
   * Rebuilds only when the stored CRL does not list exactly the serials that are revoked and
   * unexpired now (or is missing or past its `nextUpdate`). A retired CA's CRL (docs/rotation.md)
   * is checked so on every revocation of the CA, so that revoking a leaf of one CA does not
   * re-sign and re-push every CRL. Returns the CRL that is current afterwards.
   */
  async rebuildIfChanged(why: string): Promise<PublishedCrl> {
    const run = this.#chain.then(async () => {
      const cur = await this.current();
      if (cur && cur.nextUpdate.getTime() > this.#d.clock().getTime() && (await this.#matchesStore(cur))) return cur;
      return this.#build(why);
    });
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Takes the newest CRL of this issuer from the store when another replica (or this one's
   * leader work) stored a greater number than this process holds, and publishes it (GET /v1/crl,
   * the sync): every replica serves the stored bytes of one number, never a CRL of its own making
   * for a number another replica built. Returns whether a newer CRL was taken.
   */
  adoptStored(): Promise<boolean> {
    const run = this.#chain.then(async () => {
      const rec = await this.#d.store.getCrl(this.#d.issuer.id);
      if (!rec || (this.#current && rec.number <= this.#current.number)) return false;
      this.#adopt(rec);
      return true;
    });
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** Serves and publishes a CRL read from the store (built by another replica), unless a newer one is held. */
  #adopt(rec: CrlRecord): PublishedCrl {
    if (this.#current && this.#current.number >= rec.number) return this.#current;
    const published: PublishedCrl = { ...rec, pem: this.#d.x509.toPem(rec.der, 'X509 CRL'), entryCount: readCrl(rec.der).serials.length };
    this.#current = published;
    this.#d.events?.published?.(published);
    return published;
  }

  /** Whether `crl` lists exactly the serials that must be in this issuer's CRL now. */
  async #matchesStore(crl: CrlRecord): Promise<boolean> {
    const want = new Set((await this.#entries(this.#d.clock())).map((e) => e.serial));
    const have = readCrl(crl.der).serials;
    return have.length === want.size && have.every((s) => want.has(s));
  }

  /**
   * What the CRL must list now: the revoked, unexpired leaves of this issuer, and the revoked,
   * unexpired CA certificates it signed (an intermediate revoked by an emergency rotation is
   * listed in the root's CRL, docs/rotation.md).
   */
  async #entries(now: Date): Promise<RevokedEntry[]> {
    const { store, issuer } = this.#d;
    const leaves = await store.listRevokedUnexpired(issuer.id, now);
    const cas: RevokedEntry[] = [];
    const revokedCas = (await store.getCaCertificates()).filter((c) => c.revokedAt && c.notAfter.getTime() > now.getTime() && c.id !== issuer.id);
    if (revokedCas.length > 0) {
      const parent = new X509Certificate(issuer.certificate);
      for (const c of revokedCas) {
        const x = new X509Certificate(c.der);
        if (!x.checkIssued(parent) || !x.verify(parent.publicKey)) continue;
        cas.push({ serial: serialHexFromContent(decodeCertificate(c.der).serial), revokedAt: c.revokedAt!, reason: c.reason ?? null, notAfter: c.notAfter });
      }
    }
    return [...leaves, ...cas];
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #build(why: string): Promise<PublishedCrl> {
    const { store, x509, issuer, config, clock } = this.#d;
    const now = clock();
    // Allocated by the store, so two builders (two processes on one store) never sign one number twice.
    const number = await store.allocateCrlNumber(issuer.id);
    const entries = await this.#entries(now);
    const thisUpdate = now;
    let nextUpdate = new Date(now.getTime() + config.crlValiditySeconds * 1000);
    if (nextUpdate.getTime() > issuer.notAfter.getTime()) nextUpdate = issuer.notAfter;
    const der = await x509.buildCrl({
      issuerCertificate: issuer.certificate,
      issuerSigner: issuer.signer,
      number,
      thisUpdate,
      nextUpdate,
      entries: entries.map((e) => ({ serialHex: e.serial, revokedAt: e.revokedAt, reason: e.reason ?? undefined })),
    });
    const rec: CrlRecord = { issuerId: issuer.id, number, thisUpdate, nextUpdate, der };
    try {
      await store.saveCrl(
        rec,
        this.#d.auditRebuilds === false
          ? undefined
          : { time: now, actor: 'system', action: 'crl.publish', details: { crlNumber: number, entries: entries.length, why, derBytes: der.length } },
      );
    } catch (err) {
      // Another replica stored a greater number meanwhile. It was allocated after this one, so its
      // builder read the revoked certificates after everything committed before this build began:
      // that CRL covers what this one would have. Serve it instead of failing the revocation.
      const stored = await store.getCrl(issuer.id).catch(() => undefined);
      if (!stored || stored.number <= number) throw err;
      return this.#adopt(stored);
    }
    const pem = x509.toPem(der, 'X509 CRL');
    const published: PublishedCrl = { ...rec, pem, entryCount: entries.length };
    this.#current = published;
    this.#d.events?.published?.(published);
    if (Buffer.byteLength(pem) >= CRL_PEM_WARN_BYTES) this.#d.events?.nearLimit?.(Buffer.byteLength(pem));
    return published;
  }
}
