/**
 * Opens a CA from its store (docs/ha.md): the configuration and certificates from the store, the
 * issuing key from the store (decrypted with the passphrase, or on the PKCS#11 token it names),
 * checked against its certificate, and wires store, CRL manager, rotation and authority together.
 * The directory holds only node-local files and may be a replica's empty one; a directory made by
 * an older rapki is upgraded first (`open-ca-store.ts`).
 * Used by `ca serve` and by tests that need a real authority over a real store (SQLite or PostgreSQL).
 */
import { CertificateAuthority, type AuthorityEvents } from './authority/authority.js';
import { authorityConfig, type AuthorityConfig } from './authority/authority-config.js';
import { CrlManager, type CrlEvents } from './authority/crl-manager.js';
import { systemClock, systemRandom, type Clock, type RandomSource } from '../../common/src/clock-and-random.js';
import type { IssuerContext } from './authority/issuer.js';
import { x509Adapter } from './authority/x509-adapter.js';
import { offloadX509, type OffloadedX509 } from './authority/x509-offload.js';
import type { X509Port } from './authority/x509-port.js';
import type { CaConfig } from './ca-dir.js';
import { loadCaConfig } from './ca-config.js';
import { openCaDirStore } from './open-ca-store.js';
import { openIssuingKey } from './keys/issuing-key.js';
import type { Pkcs11Deps, Pkcs11FileIo } from '../../common/src/pkcs11/module-path.js';
import type { CaStore } from './store/ca-store.js';
import type { OpenedStore } from './store/open-store.js';
import type { StoreLocation } from './store/store-url.js';
import { openRotation, type CaRotation, type OpenRotationOptions } from './rotation/open-rotation.js';

export interface OpenCa {
  readonly config: CaConfig;
  readonly store: CaStore;
  readonly issuer: IssuerContext;
  readonly crl: CrlManager;
  readonly authority: CertificateAuthority;
  readonly x509: X509Port;
  /** CA rotation (docs/rotation.md): issuer switch, both CRLs, the state machine. */
  readonly rotation: CaRotation;
  /** Backend, where (no password), and the store's `/metrics` text. */
  readonly storeInfo: Pick<OpenedStore, 'backend' | 'display' | 'renderMetrics' | 'openLeaderLease'>;
  close(): Promise<void>;
}

/** Which store to open (`store/store-url.ts`); default: what `ca.json` records, else `sqlite:<dir>/ca.db`. */
export interface OpenCaStoreOptions {
  readonly location?: StoreLocation | undefined;
  /** Environment for the PostgreSQL password lookup (PGPASSWORD, PGPASSFILE); default process.env. */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** Told about broken idle database connections (the pool replaces them). */
  readonly onPoolError?: ((err: unknown) => void) | undefined;
  readonly warn?: ((message: string) => void) | undefined;
}

export interface OpenCaOptions {
  readonly dir: string;
  /** Opens the encrypted keys; unused (may be '') when the store puts the keys on a PKCS#11 token. */
  readonly passphrase: string;
  /** PIN lookup edges for a token-held key (default: process.env RAPKI_PKCS11_PIN, the real module). */
  readonly pkcs11?: { readonly io?: Pkcs11FileIo; readonly deps?: Pkcs11Deps } | undefined;
  readonly clock?: Clock;
  readonly random?: RandomSource;
  readonly authority?: AuthorityConfig;
  readonly events?: AuthorityEvents & CrlEvents;
  /** Wrap the store (tests inject faults). */
  readonly wrapStore?: (s: CaStore) => CaStore;
  /** Rotation test overrides (control plane, timings). */
  readonly rotation?: OpenRotationOptions['overrides'];
  /**
   * Whether this replica leads (docs/ha.md "Work done once"): read at every scheduled CRL rebuild
   * and timed rotation step. Absent: always (one process on SQLite, one-shot commands).
   */
  readonly leader?: (() => boolean) | undefined;
  /**
   * The X.509 worker thread's module (`dist/ca-x509-worker.mjs`): CSR parsing and the leaf lint
   * then run on a second core (`authority/x509-offload.ts`). Absent = everything inline.
   */
  readonly x509Worker?: URL | undefined;
  /** Told when the X.509 worker thread fails (issuance then continues inline). */
  readonly onX509WorkerError?: (err: unknown) => void;
  /** The store's background work (SQLite: WAL checkpoints on a thread), for `ca serve`; told its failure. */
  readonly backgroundCheckpoint?: { readonly onError: (err: unknown) => void } | undefined;
  readonly store?: OpenCaStoreOptions | undefined;
}

export async function openCa(o: OpenCaOptions): Promise<OpenCa> {
  const clock = o.clock ?? systemClock;
  const random = o.random ?? systemRandom;
  const raw = await openCaDirStore({
    dir: o.dir,
    location: o.store?.location,
    mustExist: true,
    env: o.store?.env,
    warn: o.store?.warn,
    onPoolError: o.store?.onPoolError,
    now: clock,
  });
  let config: CaConfig;
  let opened: Awaited<ReturnType<typeof openIssuingKey>>;
  try {
    const loaded = await loadCaConfig(raw.store, raw.display);
    config = loaded.config;
    opened = await openIssuingKey({ store: raw.store, state: loaded.state, passphrase: o.passphrase, pkcs11: o.pkcs11 });
  } catch (err) {
    await raw.close();
    throw err;
  }
  const issuer = opened.issuer;
  if (o.backgroundCheckpoint) raw.startMaintenance(o.backgroundCheckpoint.onError);
  const store = o.wrapStore ? o.wrapStore(raw.store) : raw.store;
  const cfg = o.authority ?? authorityConfig();
  const inline = x509Adapter(random);
  const offloaded: OffloadedX509 | undefined = o.x509Worker ? offloadX509(inline, o.x509Worker, o.onX509WorkerError) : undefined;
  const x509 = offloaded?.port ?? inline;
  let rotation: CaRotation;
  try {
    rotation = await openRotation({
      passphrase: o.passphrase,
      config,
      store,
      x509,
      authorityConfig: cfg,
      clock,
      random,
      primary: issuer,
      events: o.events,
      overrides: o.rotation,
      leader: o.leader,
    });
  } catch (err) {
    await offloaded?.close();
    await raw.close();
    await opened.close();
    throw err;
  }
  const crl: CrlManager = rotation.crl;
  const authority = new CertificateAuthority({
    store,
    x509,
    issuer,
    crl,
    config: cfg,
    clock,
    random,
    events: o.events,
    issuerNow: () => rotation.switch.active(),
  });
  return {
    config,
    store,
    issuer,
    crl,
    authority,
    x509,
    rotation,
    storeInfo: { backend: raw.backend, display: raw.display, renderMetrics: () => raw.renderMetrics(), openLeaderLease: raw.openLeaderLease },
    async close() {
      crl.stop();
      rotation.close();
      await offloaded?.close();
      await raw.close();
      await opened.close();
    },
  };
}
