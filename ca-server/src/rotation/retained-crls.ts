/**
 * CRLs that stay in Roles Anywhere after their CA stopped issuing (docs/rotation.md "After finish"
 * and "Emergency rotation"):
 *
 * - a RETIRED intermediate (the old one after `finish`, the new one after `abort`) still chains to
 *   the root that trust anchors hold, so every certificate it signed stays usable with Roles
 *   Anywhere until it expires. Its CRL therefore stays imported, enabled and re-published on its
 *   schedule (signed with its kept key) until the last certificate it signed has expired; a
 *   revocation of one of them rebuilds it at once. Then the CRL is deleted from every trust
 *   anchor and the key copy is removed;
 * - the ROOT's CRL, once an emergency rotation revoked an intermediate (RFC 5280 §6.1.3 (a)(3):
 *   every certificate of the path is checked, so a revoked intermediate ends every chain through
 *   it, including leaves minted with a stolen key that the CA never saw). It stays until the last
 *   revoked intermediate has expired.
 *
 * Each such CRL is pushed by its own {@link CrlSync} into its own slot of every registered trust
 * anchor (`rotation/crl-slots-<issuerId>.json`); the list itself is `rotation/retained.json`.
 * Both are small files beside the rotation state for the same reason as that state (state.ts).
 * Roles Anywhere takes two CRLs per trust anchor, so at most one such CRL exists next to the
 * issuing CA's (the manager refuses a rotation that would need a third, `rotation_crl_slots_full`).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthorityConfig } from '../authority/authority-config.js';
import { CrlManager, type CrlEvents, type PublishedCrl } from '../authority/crl-manager.js';
import type { Clock } from '../authority/deps.js';
import { sha256Hex, type IssuerContext } from '../authority/issuer.js';
import type { X509Port } from '../authority/x509-port.js';
import type { RolesAnywhereControlPlane, Tag } from '../../../common/src/aws/types.js';
import { caPaths } from '../ca-dir.js';
import { caSignerFromPrivateKey } from '../keys/ca-signer.js';
import { decryptCaKey } from '../keys/key-encryption.js';
import type { CaStore } from '../store/ca-store.js';
import { CrlSync, type CrlControlPlane, type SyncLogger, type SyncState } from '../sync/crl-sync.js';
import type { SyncTarget, SyncTargetStore } from '../sync/target-store.js';
import { decodeCertificate } from '../x509/certificate-reader.js';
import { pemToDer } from '../x509/pem.js';
import { ROTATION_RETAINED_FILE, retainedSlotFile } from './constants.js';
import { deleteCrlQuietly } from './delete-crl.js';
import { rotationError } from './errors.js';
import { lastExpiryOf, type ActiveLeaves } from './leaves.js';
import { SlotTargetStore } from './slot-target-store.js';
import { rotationDir, writeDurable } from './state.js';

export type RetainedKind = 'retired' | 'root';

/** One entry of `rotation/retained.json` (paths relative to the CA directory). */
export interface RetainedEntry {
  /** SHA-256 hex of the CA certificate whose CRL is kept. */
  readonly issuerId: string;
  readonly kind: RetainedKind;
  readonly certificate: string;
  /** Its encrypted key (CRL signing only). */
  readonly key: string;
  /** When it was added (ISO). */
  readonly since: string;
  /** The rotation that added it. */
  readonly rotationId: string;
}

/** A kept CRL at run time: its issuer, CRL manager (builds and schedules) and sync (pushes). */
export interface RetainedCrl {
  readonly entry: RetainedEntry;
  readonly issuer: IssuerContext;
  readonly crl: CrlManager;
  readonly sync: CrlSync;
  readonly slots: SlotTargetStore;
}

export interface RetainedStatus {
  readonly issuerId: string;
  readonly kind: RetainedKind;
  readonly since: string;
  /** When the last certificate that keeps this CRL alive expires (ISO); undefined once none is left. */
  readonly until: string | undefined;
  readonly crlNumber: number | undefined;
  readonly slotSync: SyncState;
}

export type RetainedControlPlane = CrlControlPlane & Pick<RolesAnywhereControlPlane, 'deleteCrl'>;

export interface RetainedCrlsDeps {
  readonly caDir: string;
  readonly passphrase: string;
  readonly store: CaStore;
  readonly x509: X509Port;
  readonly authorityConfig: AuthorityConfig;
  readonly clock: Clock;
  /** The registered trust anchors (`aws-sync-targets.json`): every one gets every kept CRL. */
  readonly targets: SyncTargetStore;
  readonly controlPlaneFor: (t: SyncTarget) => RetainedControlPlane;
  readonly crlTags: readonly Tag[];
  readonly log: SyncLogger;
  readonly crlEvents?: CrlEvents | undefined;
  readonly syncOptions?: { minCallIntervalMs?: number; backoffInitialMs?: number } | undefined;
}

interface RetainedFile {
  readonly version: 1;
  readonly entries: RetainedEntry[];
}

export class RetainedCrls {
  readonly #d: RetainedCrlsDeps;
  readonly #path: string;
  readonly #items = new Map<string, RetainedCrl>();
  #started = false;

  constructor(d: RetainedCrlsDeps) {
    this.#d = d;
    this.#path = join(rotationDir(d.caDir), ROTATION_RETAINED_FILE);
  }

  /** Reads `rotation/retained.json` and loads every kept issuer (its key decrypted for CRL signing). */
  load(): void {
    for (const e of this.#read()) if (!this.#items.has(e.issuerId)) this.#items.set(e.issuerId, this.#runtime(e));
  }

  list(): readonly RetainedCrl[] {
    return [...this.#items.values()];
  }

  get(issuerId: string): RetainedCrl | undefined {
    return this.#items.get(issuerId);
  }

  /**
   * Keeps the CRL of `entry`'s issuer (idempotent). `slots` are CRLs of that issuer already in
   * Roles Anywhere (target id → CRL ARN), taken over instead of imported again.
   */
  async add(entry: RetainedEntry, slots: Readonly<Record<string, string>> = {}): Promise<RetainedCrl> {
    let rt = this.#items.get(entry.issuerId);
    if (!rt) {
      const entries = this.#read().filter((e) => e.issuerId !== entry.issuerId);
      rt = this.#runtime(entry);
      this.#write([...entries, entry]);
      this.#items.set(entry.issuerId, rt);
    }
    for (const [targetId, crlArn] of Object.entries(slots)) {
      const t = rt.slots.get(targetId);
      if (t && !t.crlArn) rt.slots.put({ ...t, crlArn, lastPushedNumber: undefined, lastPushedSha256: undefined, lastSuccessAt: undefined });
    }
    if (this.#started) await rt.crl.start();
    await this.#catchUp(rt);
    return rt;
  }

  /** Starts every CRL manager (a CRL whose entries are not the store's is rebuilt now) and its timer. */
  async start(): Promise<void> {
    this.#started = true;
    for (const rt of this.#items.values()) await rt.crl.start();
  }

  stop(): void {
    for (const rt of this.#items.values()) rt.crl.stop();
  }

  close(): void {
    this.stop();
    for (const rt of this.#items.values()) rt.sync.close();
  }

  /** A certificate was revoked: rebuild each kept CRL whose entries no longer match the store. */
  async rebuildIfChanged(why: string): Promise<void> {
    await Promise.all([...this.#items.values()].map((rt) => rt.crl.rebuildIfChanged(why)));
  }

  /** Hands each kept CRL to its sync (pushed where a trust anchor does not hold it yet). */
  async catchUp(): Promise<void> {
    for (const rt of this.#items.values()) await this.#catchUp(rt);
  }

  /** A trust anchor was registered: it gets every kept CRL now. */
  ensure(targetId: string): void {
    for (const rt of this.#items.values()) rt.sync.ensure(targetId);
  }

  /**
   * Until when `rt`'s CRL must stay: the last expiry of a certificate its issuer signed (retired),
   * or of a revoked intermediate the root's CRL lists (root). Undefined when nothing is left.
   */
  async liveUntil(rt: RetainedCrl, now: Date, leaves?: ActiveLeaves): Promise<Date | undefined> {
    if (rt.entry.kind === 'retired') return lastExpiryOf(this.#d.store, rt.entry.issuerId, now, leaves);
    let last = 0;
    for (const c of await this.#d.store.getCaCertificates()) {
      if (c.revokedAt && c.id !== rt.entry.issuerId) last = Math.max(last, c.notAfter.getTime());
    }
    return last > now.getTime() ? new Date(last) : undefined;
  }

  /**
   * Stops keeping a CRL: deleted from every trust anchor (read failures keep it for the next
   * try), its slot file and list entry removed, and the key copy of a retired CA deleted (nothing
   * is signed with it any more).
   */
  async release(issuerId: string, actor: string, why: string): Promise<void> {
    const rt = this.#items.get(issuerId);
    if (!rt) return;
    rt.crl.stop();
    rt.sync.close();
    for (const t of rt.slots.list()) {
      if (t.crlArn) await deleteCrlQuietly(this.#d.controlPlaneFor(t), t.crlArn);
      rt.slots.remove(t.id);
    }
    rmSync(rt.slots.path, { force: true });
    if (rt.entry.kind === 'retired') rmSync(join(caPaths(this.#d.caDir).dir, rt.entry.key), { force: true });
    this.#write(this.#read().filter((e) => e.issuerId !== issuerId));
    this.#items.delete(issuerId);
    await this.#d.store.appendAudit({ time: this.#d.clock(), actor, action: 'rotation.crl_released', details: { issuerId, kind: rt.entry.kind, why } });
  }

  /** Releases every kept CRL that nothing needs any more (its last certificate expired). */
  async prune(actor: string, leaves?: ActiveLeaves): Promise<number> {
    let n = 0;
    const now = this.#d.clock();
    for (const rt of [...this.#items.values()]) {
      if (await this.liveUntil(rt, now, leaves)) continue;
      await this.release(rt.entry.issuerId, actor, 'every certificate it covers has expired');
      n++;
    }
    return n;
  }

  async status(leaves?: ActiveLeaves): Promise<RetainedStatus[]> {
    const now = this.#d.clock();
    const out: RetainedStatus[] = [];
    for (const rt of this.#items.values()) {
      const until = await this.liveUntil(rt, now, leaves);
      const cur = await rt.crl.current();
      out.push({ issuerId: rt.entry.issuerId, kind: rt.entry.kind, since: rt.entry.since, until: until?.toISOString(), crlNumber: cur?.number, slotSync: rt.sync.state() });
    }
    return out;
  }

  async #catchUp(rt: RetainedCrl): Promise<void> {
    const cur = await rt.crl.current();
    if (cur) rt.sync.notify(cur);
  }

  #read(): RetainedEntry[] {
    if (!existsSync(this.#path)) return [];
    let parsed: Partial<RetainedFile>;
    try {
      parsed = JSON.parse(readFileSync(this.#path, 'utf8')) as Partial<RetainedFile>;
    } catch (cause) {
      throw rotationError('rotation_state_invalid', `${this.#path} is unreadable.`, { cause });
    }
    if (parsed.version !== 1 || !Array.isArray(parsed.entries)) throw rotationError('rotation_state_invalid', `${this.#path} does not have the expected fields.`);
    return parsed.entries.filter(
      (e) => typeof e?.issuerId === 'string' && (e.kind === 'retired' || e.kind === 'root') && typeof e.certificate === 'string' && typeof e.key === 'string',
    );
  }

  #write(entries: RetainedEntry[]): void {
    writeDurable(this.#path, `${JSON.stringify({ version: 1, entries } satisfies RetainedFile, null, 2)}\n`);
  }

  #runtime(entry: RetainedEntry): RetainedCrl {
    const d = this.#d;
    const base = caPaths(d.caDir);
    const der = pemToDer(readFileSync(join(base.dir, entry.certificate), 'utf8'), 'CERTIFICATE');
    if (sha256Hex(der) !== entry.issuerId) throw rotationError('rotation_state_invalid', `${entry.certificate} is not the certificate ${entry.issuerId}.`);
    let signer;
    try {
      signer = caSignerFromPrivateKey(decryptCaKey(readFileSync(join(base.dir, entry.key), 'utf8'), d.passphrase));
    } catch (cause) {
      throw rotationError(
        'rotation_state_invalid',
        `The CRL of ${entry.kind === 'root' ? 'the root' : `the retired CA ${entry.issuerId.slice(0, 16)}…`} must stay published (docs/rotation.md), but its key ${entry.key} cannot be read: ${(cause as Error).message}. Restore that file from a backup; without it the CRL goes stale in Roles Anywhere.`,
        { cause },
      );
    }
    const decoded = decodeCertificate(der);
    if (Buffer.compare(Buffer.from(decoded.spki), Buffer.from(signer.publicKeySpki)) !== 0) {
      throw rotationError('rotation_state_invalid', `${entry.key} does not match ${entry.certificate}.`);
    }
    const rootDer = pemToDer(readFileSync(base.rootCert, 'utf8'), 'CERTIFICATE');
    const issuer: IssuerContext = {
      certificate: der,
      signer,
      id: entry.issuerId,
      notAfter: decoded.notAfter,
      root: entry.kind === 'root' ? der : rootDer,
      intermediates: entry.kind === 'root' ? [] : [der],
    };
    const slots = new SlotTargetStore(d.targets, join(rotationDir(d.caDir), retainedSlotFile(entry.issuerId)));
    const sync = new CrlSync({
      store: slots,
      controlPlaneFor: (t) => d.controlPlaneFor(t),
      logger: d.log,
      crlTags: d.crlTags,
      ...(d.syncOptions ?? {}),
    });
    const crl = new CrlManager({
      store: d.store,
      x509: d.x509,
      issuer,
      config: d.authorityConfig,
      clock: d.clock,
      events: {
        published: (c: PublishedCrl) => sync.notify(c),
        nearLimit: (b) => d.crlEvents?.nearLimit?.(b),
        rebuildFailed: (err) => d.crlEvents?.rebuildFailed?.(err),
      },
    });
    return { entry, issuer, crl, sync, slots };
  }
}
