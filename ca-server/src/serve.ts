/**
 * `rapki ca serve`: opens the CA from its store and serves the HTTP contract over HTTPS.
 * With `initIfMissing` a fresh directory gets a CA first (what `npm start` relies on).
 *
 * Replicas (docs/ha.md): with a PostgreSQL store any number of `ca serve` processes run on one
 * database, each with its own directory that holds only its local files (it may start empty or
 * missing) and its own server TLS certificate (`--tls-san`); the CA, its keys and its rotation come
 * from the store, and a change made through one replica reaches the others by polling the store's
 * state version (`rotation/manager.ts` `watch`).
 */
import { CRL_PEM_MAX_BYTES } from '../../common/src/x509/crl.js';
import type { Server } from 'node:https';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { systemClock, type Clock } from '../../common/src/clock-and-random.js';
import { caExists, caPaths, isTooOpen } from './ca-dir.js';
import { makePrivateDirSync } from '../../common/src/fs/private-dir.js';
import { writeFileAtomicSync } from '../../common/src/fs/atomic-write.js';
import { writeCaExports } from './ca-exports.js';
import { isRapkiError } from '../../common/src/errors.js';
import { openCaDirStore } from './open-ca-store.js';
import type { StoreLocation } from './store/store-url.js';
import { actorOf } from './http/admin-auth.js';
import { resolvePassphrase, serveConfig, type ServeConfig } from './config.js';
import { caError } from './errors.js';
import { createRequestListener } from './http/app.js';
import { createHttpsServer, listen } from './http/https-server.js';
import { CaMetrics } from './http/metrics.js';
import { ServerTlsKeeper } from './http/server-tls-renewal.js';
import { ConnectionGuard } from './http/connection-guard.js';
import { openFileLimit } from './http/descriptor-limit.js';
import { acquireServeLock, type StoreLock } from './store/serve-lock.js';
import type { RouteInfo } from './http/route-list.js';
import { initCa, type InitCaResult } from './init.js';
import { createLogger, type Logger } from './logger.js';
import { openCa, type OpenCa } from './open-ca.js';
import { derToPem } from '../../common/src/x509/pem.js';
import { createCaCrlSync, type CaCrlSync } from './sync/setup.js';
import { ReplicaDuties, type ReplicaTiming } from './leader/replica-duties.js';
import { storeSelection, type StoreSelection } from './store/store-selection.js';
import type { AuthorityConfig } from './authority/authority-config.js';
import type { ConnectionCaps, ConsoleConfig, HttpTimeouts, RateLimit } from './config.js';

export interface StartCaServerOptions {
  readonly dir: string;
  readonly listen?: string | undefined;
  readonly initIfMissing?: boolean;
  readonly passphraseFile?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: Logger;
  readonly clock?: Clock;
  readonly authority?: Partial<AuthorityConfig>;
  readonly rateLimits?: Partial<{ enroll: RateLimit; admin: RateLimit }>;
  /** The web console (`--no-ui`, lifetimes); default on, docs/console.md. */
  readonly console?: Partial<ConsoleConfig> | undefined;
  /** Connection caps (`--max-connections`, `--max-connections-per-client`); defaults follow `ulimit -n`. */
  readonly connections?: Partial<ConnectionCaps>;
  /** Client timeouts (tests shorten them; the defaults are the documented ones). */
  readonly timeouts?: Partial<HttpTimeouts>;
  /** How often the server TLS certificate is checked for reissue (default hourly; tests with a moved clock shorten it). */
  readonly serverTlsCheckMs?: number;
  /**
   * Module of the X.509 worker thread (CSR checks and lint on a second core); default: the bundled
   * `ca-x509-worker.mjs` when present (`RAPKI_CA_X509_WORKER=0` turns it off); `false` = inline.
   */
  readonly x509Worker?: URL | false;
  /** `--tls-san dns:NAME|ip:ADDR` (repeatable): this node's server certificate names; default the listen address. */
  readonly tlsSans?: readonly string[] | undefined;
  /** How often to look for changes other replicas made in the store (default 2 s; tests shorten it). */
  readonly statePollMs?: number | undefined;
  /** Leader lease and CRL poll timing of replicas on PostgreSQL (docs/ha.md; tests shorten it). */
  readonly replicaTiming?: ReplicaTiming | undefined;
  /** `--store-url` / `--store-url-file` (else RAPKI_CA_STORE_URL, ca.json, `sqlite:<dir>/ca.db`; docs/ha.md). */
  readonly storeUrl?: string | undefined;
  readonly storeUrlFile?: string | undefined;
  /** Called once when a CA was created by `initIfMissing` (to show the admin token once). */
  readonly onInit?: (r: InitCaResult, generatedPassphrase: boolean) => void;
}

export interface RunningCaServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly fingerprint: string;
  readonly config: ServeConfig;
  readonly ca: OpenCa;
  readonly server: Server;
  /** Every route the server answers (`http/route-list.ts`), for tests that must reach them all. */
  readonly routes: readonly RouteInfo[];
  close(): Promise<void>;
}

export async function startCaServer(o: StartCaServerOptions): Promise<RunningCaServer> {
  const env = o.env ?? process.env;
  const log = o.log ?? createLogger();
  const clock = o.clock ?? systemClock;
  const config = serveConfig({
    dir: o.dir,
    listen: o.listen,
    authority: o.authority,
    rateLimits: o.rateLimits,
    connections: o.connections,
    timeouts: o.timeouts,
    descriptorLimit: openFileLimit(),
    console: o.console,
    tlsSans: o.tlsSans,
  });
  const paths = caPaths(config.dir);

  const store = storeSelection({ dir: config.dir, url: o.storeUrl, urlFile: o.storeUrlFile, env, warn: (m) => log.warn(m) });
  const passphrase = resolvePassphrase({
    env,
    passphraseFile: o.passphraseFile,
    dir: config.dir,
    onWarning: (w) => log.warn({ path: w.path, mode: w.mode.toString(8) }, w.message),
  });
  const location = store.open().location;
  // A SQLite CA lives in its directory; a PostgreSQL one in the database (this directory may be a
  // replica's, empty or missing: the store says whether there is a CA).
  if (location.backend === 'sqlite' && !caExists(config.dir) && !o.initIfMissing) {
    throw caError(
      'ca_not_found',
      `No CA in ${config.dir}; run \`rapki ca init --dir ${o.dir}\` or pass --init-if-missing (with --store-url for a CA in PostgreSQL).`,
    );
  }
  // One serving process per directory on a SQLite store (it has one writer), taken before anything
  // in the directory is read or written (store/serve-lock.ts). Replicas on one PostgreSQL store share
  // it by design (docs/ha.md).
  if (!existsSync(config.dir)) makePrivateDirSync(config.dir);
  const lock = location.backend === 'sqlite' ? acquireServeLock(config.dir, { clock }) : undefined;
  try {
    return await startLocked(o, { env, log, clock, config, paths, passphrase, lock, store });
  } catch (err) {
    lock?.release();
    throw err;
  }
}

async function startLocked(
  o: StartCaServerOptions,
  c: {
    env: NodeJS.ProcessEnv;
    log: Logger;
    clock: Clock;
    config: ServeConfig;
    paths: ReturnType<typeof caPaths>;
    passphrase: string | undefined;
    lock: StoreLock | undefined;
    store: StoreSelection;
  },
): Promise<RunningCaServer> {
  const { env, log, clock, config, paths, lock, store } = c;
  let passphrase = c.passphrase;
  const location = store.open().location;
  if (o.initIfMissing && !(await storeHoldsCa(config.dir, location, env, (m) => log.warn(m)))) {
    let generated = false;
    if (!passphrase) {
      makePrivateDirSync(config.dir);
      passphrase = randomBytes(32).toString('base64url');
      if (!existsSync(paths.passphrase)) writeFileAtomicSync(paths.passphrase, `${passphrase}\n`);
      generated = true;
      log.warn(
        { file: paths.passphrase },
        'NO PASSPHRASE GIVEN: generated a random CA key passphrase and stored it next to the key. ' +
          'This is for development only; set RAPKI_CA_PASSPHRASE or --passphrase-file for a real CA.',
      );
    }
    try {
      const r = await initCa({ dir: config.dir, passphrase, clock, store: store.init });
      o.onInit?.(r, generated);
    } catch (err) {
      // Another replica created the CA in this database at the same moment: serve it.
      if (!(isRapkiError(err) && err.code === 'ca_exists' && location.backend === 'postgres')) throw err;
    }
  }
  for (const f of [paths.dir, paths.database, paths.passphrase]) {
    if (isTooOpen(f)) log.warn({ path: f }, 'CA file or directory is readable by group or others; chmod it to 0600 (files) / 0700 (directory)');
  }

  const metrics = new CaMetrics(clock);
  // CRL sync to Roles Anywhere (docs/aws.md): every published CRL is pushed to the registered trust
  // anchors (made once the CA is open: the targets come from its store).
  const syncRef: { current?: CaCrlSync } = {};
  const metricEvents = metrics.events();
  const events = {
    ...metricEvents,
    published: (crl: Parameters<typeof metricEvents.published>[0]) => {
      metricEvents.published(crl);
      try {
        syncRef.current?.sync.notify(crl);
      } catch (err) {
        log.error({ err }, 'CRL sync: notify failed');
      }
    },
    nearLimit: (bytes: number) =>
      log.warn({ pemBytes: bytes, limit: CRL_PEM_MAX_BYTES }, `the PEM CRL is close to the ${CRL_PEM_MAX_BYTES}-byte Roles Anywhere limit`),
    rebuildFailed: (err: unknown) => log.error({ err }, 'scheduled CRL rebuild failed; retrying at the next tick'),
  };
  // Replicas on PostgreSQL: one leader does the work done once (docs/ha.md "Work done once").
  const duties = new ReplicaDuties({ log, timing: o.replicaTiming });
  let stopTls = (): void => {};
  const x509Worker = o.x509Worker === undefined ? (env.RAPKI_CA_X509_WORKER === '0' ? undefined : bundledX509Worker()) : o.x509Worker || undefined;
  const ca: OpenCa = await openCa({
    dir: config.dir,
    passphrase: passphrase ?? '',
    clock,
    authority: config.authority,
    events,
    x509Worker,
    onX509WorkerError: (err) => log.error({ err }, 'the X.509 worker thread failed; issuing on the main thread from now on'),
    backgroundCheckpoint: { onError: (err) => log.error({ err }, 'the WAL checkpoint thread failed; SQLite checkpoints inside commits again') },
    store: { ...store.open(), onPoolError: (err) => log.warn({ err }, 'a database connection broke; the pool replaces it') },
    rotation: o.statePollMs !== undefined ? { pollMs: o.statePollMs } : undefined,
    leader: duties.leader,
  });
  const sync = createCaCrlSync({ targets: ca.rotation.registry.primary, caFingerprint: ca.config.fingerprint, logger: log, actorOf });
  syncRef.current = sync;
  try {
    // Copies of the CA certificates for distribution (never read back; ca-exports.ts).
    writeCaExports(config.dir, await ca.store.getCaState());
    await duties.elect(ca.storeInfo.openLeaderLease, ca.rotation.registry);
    await ca.crl.start();
    metrics.setCrl(await ca.crl.current());
    // During a CA rotation client certificates of both CAs renew (docs/rotation.md).
    const clientCaPem = (): string =>
      ca.rotation.switch
        .trusted()
        .flatMap((i) => [i.root, ...i.intermediates])
        .map((d) => derToPem(d, 'CERTIFICATE'))
        .join('');
    const tls = await ServerTlsKeeper.open({
      paths,
      listenHost: config.host,
      tlsSans: config.tlsSans,
      days: config.tlsCertDays,
      clock,
      authority: ca.authority,
      // The server certificate follows the CA (reissued after a rotation's finish).
      issuer: () => ca.rotation.switch.primary,
      clientCaPem,
      log,
      metrics,
      checkIntervalMs: o.serverTlsCheckMs,
    });
    const app = createRequestListener({
      authority: ca.authority,
      crl: ca.crl,
      store: ca.store,
      issuer: ca.issuer,
      config,
      clock,
      log,
      metrics,
      awsSync: sync,
      rotation: ca.rotation,
      serverTls: tls,
      storeMetrics: () => ca.storeInfo.renderMetrics() + duties.metrics(),
    });
    const server = createHttpsServer(app, { key: tls.current.key, cert: tls.current.cert, clientCa: clientCaPem(), timeouts: config.timeouts });
    const guard = new ConnectionGuard({
      limits: {
        maxConnections: config.connections.max,
        maxConnectionsPerClient: config.connections.perClient,
        handshakeTimeoutMs: config.timeouts.handshakeMs,
      },
      log,
      // Only paces its log lines: real time, whatever clock the CA runs on.
      clock: systemClock,
      count: (event) => metrics.connectionsRefused.inc({ reason: event }),
    });
    guard.attach(server);
    metrics.setConnections({ open: () => guard.open, limits: guard.limits });
    tls.bind(server);
    stopTls = () => tls.stop();
    // Hands each CRL to its sync (catch-up at start; which CRL the first slot carries depends on the
    // rotation state, docs/rotation.md) and keeps the CRLs of retired CAs published. New client CAs
    // at once when a rotation changes trust; a new server certificate when due.
    // A rotation step here or on another replica: new client CAs, a new server certificate when the
    // issuer changed, fresh copies of the CA certificates.
    const onTrustChange = async (): Promise<void> => {
      await tls.check(true);
      try {
        writeCaExports(config.dir, await ca.store.getCaState());
      } catch (err) {
        log.warn({ err }, 'could not refresh root.pem in the CA directory');
      }
    };
    await ca.rotation.manager.bind({ primarySync: sync.sync, onTrustChange });
    duties.run(ca.rotation.crl, () => ca.rotation.manager.catchUpSyncs());
    const addr = await listen(server, config.host, config.port);
    const urlHost = addr.family === 'IPv6' || config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `https://${urlHost}:${addr.port}`;
    log.info({ url, fingerprint: ca.config.fingerprint, store: ca.storeInfo.display, tlsNames: config.tlsSans ?? null }, 'rapki CA listening');
    let closing: Promise<void> | undefined;
    return {
      url,
      host: config.host,
      port: addr.port,
      fingerprint: ca.config.fingerprint,
      config,
      ca,
      server,
      routes: app.routes,
      close() {
        closing ??= (async () => {
          await new Promise<void>((resolve) => {
            server.close(() => resolve());
            guard.closeHandshaking();
            server.closeIdleConnections();
            setTimeout(() => server.closeAllConnections(), 5_000).unref();
          });
          stopTls();
          await duties.stop();
          sync.close();
          await ca.close();
          lock?.release();
        })();
        return closing;
      },
    };
  } catch (err) {
    stopTls();
    await duties.stop().catch(() => undefined);
    sync.close();
    await ca.close();
    throw err;
  }
}

/** Whether the store holds a CA (`--init-if-missing`): a SQLite file that is not there holds none. */
async function storeHoldsCa(dir: string, location: StoreLocation, env: NodeJS.ProcessEnv, warn: (m: string) => void): Promise<boolean> {
  if (location.backend === 'sqlite' && !existsSync(location.file)) return false;
  const s = await openCaDirStore({ dir, location, env, warn });
  try {
    return (await s.store.getCaState()).config !== undefined;
  } finally {
    await s.close();
  }
}

/**
 * `dist/ca-x509-worker.mjs` next to the bundle this code runs from (a chunk in `dist/chunks/` or
 * an entry in `dist/`), or undefined when running from TypeScript sources (tests), where there is
 * no JavaScript module for a worker thread to load.
 */
export function bundledX509Worker(): URL | undefined {
  for (const rel of ['../ca-x509-worker.mjs', './ca-x509-worker.mjs']) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(url)) return url;
  }
  return undefined;
}
