/**
 * `rapki ca serve`: opens the CA directory and serves the HTTP contract over HTTPS.
 * With `initIfMissing` a fresh directory gets a CA first (what `npm start` relies on).
 */
import type { Server } from 'node:https';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { systemClock, type Clock } from './authority/deps.js';
import { caExists, caPaths, ensurePrivateDir, isTooOpen, readCaConfig, writePrivateFile } from './ca-dir.js';
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
import { derToPem } from './x509/pem.js';
import { createCaCrlSync } from './sync/setup.js';
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
  });
  const paths = caPaths(config.dir);

  const store = storeSelection({ dir: config.dir, url: o.storeUrl, urlFile: o.storeUrlFile, env, warn: (m) => log.warn(m) });
  const passphrase = resolvePassphrase({ env, passphraseFile: o.passphraseFile, dir: config.dir, onWarning: (w) => log.warn({ path: w.path, mode: w.mode.toString(8) }, w.message) });
  if (!caExists(config.dir) && !o.initIfMissing) throw caError('ca_not_found', `No CA in ${config.dir}; run \`rapki ca init --dir ${o.dir}\` or pass --init-if-missing.`);
  // One serving process per directory on a SQLite store (it has one writer), taken before anything
  // in the directory is read or written (store/serve-lock.ts). Replicas on one PostgreSQL store share
  // it by design (docs/ha.md).
  if (!existsSync(config.dir)) ensurePrivateDir(config.dir);
  const lock = store.open().location.backend === 'sqlite' ? acquireServeLock(config.dir, { clock }) : undefined;
  try {
    return await startLocked(o, { env, log, clock, config, paths, passphrase, lock, store });
  } catch (err) {
    lock?.release();
    throw err;
  }
}

async function startLocked(
  o: StartCaServerOptions,
  c: { env: NodeJS.ProcessEnv; log: Logger; clock: Clock; config: ServeConfig; paths: ReturnType<typeof caPaths>; passphrase: string | undefined; lock: StoreLock | undefined; store: StoreSelection },
): Promise<RunningCaServer> {
  const { env, log, clock, config, paths, lock, store } = c;
  let passphrase = c.passphrase;
  if (!caExists(config.dir)) {
    let generated = false;
    if (!passphrase) {
      ensurePrivateDir(config.dir);
      passphrase = randomBytes(32).toString('base64url');
      if (!existsSync(paths.passphrase)) writePrivateFile(paths.passphrase, `${passphrase}\n`);
      generated = true;
      log.warn(
        { file: paths.passphrase },
        'NO PASSPHRASE GIVEN: generated a random CA key passphrase and stored it next to the key. ' +
          'This is for development only; set RAPKI_CA_PASSPHRASE or --passphrase-file for a real CA.',
      );
    }
    const r = await initCa({ dir: config.dir, passphrase, clock, store: store.init });
    o.onInit?.(r, generated);
  }
  // A CA whose keys are on a PKCS#11 token (ca.json `pkcs11`) has no key file to decrypt.
  if (!passphrase && readCaConfig(config.dir).pkcs11 === undefined) throw caError('passphrase_required');
  for (const f of [paths.dir, paths.rootKey, paths.intermediateKey, paths.database, paths.passphrase]) {
    if (isTooOpen(f)) log.warn({ path: f }, 'CA file or directory is readable by group or others; chmod it to 0600 (files) / 0700 (directory)');
  }

  const metrics = new CaMetrics(clock);
  // CRL sync to Roles Anywhere (docs/aws.md): every published CRL is pushed to the registered trust anchors.
  const awsSync = createCaCrlSync({ caDir: config.dir, caFingerprint: readCaConfig(config.dir).fingerprint, logger: log });
  const metricEvents = metrics.events();
  const events = {
    ...metricEvents,
    published: (crl: Parameters<typeof metricEvents.published>[0]) => {
      metricEvents.published(crl);
      try {
        awsSync.sync.notify(crl);
      } catch (err) {
        log.error({ err }, 'CRL sync: notify failed');
      }
    },
    nearLimit: (bytes: number) => log.warn({ pemBytes: bytes, limit: 300_000 }, 'the PEM CRL is close to the 300,000-byte Roles Anywhere limit'),
    rebuildFailed: (err: unknown) => log.error({ err }, 'scheduled CRL rebuild failed; retrying at the next tick'),
  };
  let ca: OpenCa;
  let stopTls = (): void => {};
  try {
    const x509Worker = o.x509Worker === undefined ? (env.RAPKI_CA_X509_WORKER === '0' ? undefined : bundledX509Worker()) : o.x509Worker || undefined;
    ca = await openCa({
      dir: config.dir,
      passphrase: passphrase ?? '',
      clock,
      authority: config.authority,
      events,
      x509Worker,
      onX509WorkerError: (err) => log.error({ err }, 'the X.509 worker thread failed; issuing on the main thread from now on'),
      backgroundCheckpoint: { onError: (err) => log.error({ err }, 'the WAL checkpoint thread failed; SQLite checkpoints inside commits again') },
      store: { ...store.open(), onPoolError: (err) => log.warn({ err }, 'a database connection broke; the pool replaces it') },
    });
  } catch (err) {
    awsSync.close();
    throw err;
  }
  try {
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
      days: config.tlsCertDays,
      clock,
      x509: ca.x509,
      store: ca.store,
      // The server certificate follows the CA on disk (reissued after a rotation's finish).
      issuer: () => ca.rotation.switch.primary,
      clientCaPem,
      log,
      metrics,
      checkIntervalMs: o.serverTlsCheckMs,
    });
    const app = createRequestListener({ authority: ca.authority, crl: ca.crl, store: ca.store, issuer: ca.issuer, config, clock, log, metrics, awsSync, rotation: ca.rotation, serverTls: tls, storeMetrics: ca.storeInfo.renderMetrics });
    const server = createHttpsServer(app, { key: tls.current.key, cert: tls.current.cert, clientCa: clientCaPem(), timeouts: config.timeouts });
    const guard = new ConnectionGuard({
      limits: { maxConnections: config.connections.max, maxConnectionsPerClient: config.connections.perClient, handshakeTimeoutMs: config.timeouts.handshakeMs },
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
    await ca.rotation.manager.bind({ primarySync: awsSync.sync, onTrustChange: async () => void (await tls.check(true)) });
    const addr = await listen(server, config.host, config.port);
    const urlHost = addr.family === 'IPv6' || config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `https://${urlHost}:${addr.port}`;
    log.info({ url, fingerprint: ca.config.fingerprint, store: ca.storeInfo.display }, 'rapki CA listening');
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
          awsSync.close();
          await ca.close();
          lock?.release();
        })();
        return closing;
      },
    };
  } catch (err) {
    stopTls();
    awsSync.close();
    await ca.close();
    throw err;
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
