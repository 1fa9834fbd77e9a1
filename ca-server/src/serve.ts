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
import { ensureServerTls } from './http/server-tls.js';
import { initCa, type InitCaResult } from './init.js';
import { createLogger, type Logger } from './logger.js';
import { openCa, type OpenCa } from './open-ca.js';
import { derToPem } from './x509/pem.js';
import { createCaCrlSync } from './sync/setup.js';
import { storeSelection } from './store/store-selection.js';
import type { AuthorityConfig } from './authority/authority-config.js';
import type { RateLimit } from './config.js';

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
  close(): Promise<void>;
}

export async function startCaServer(o: StartCaServerOptions): Promise<RunningCaServer> {
  const env = o.env ?? process.env;
  const log = o.log ?? createLogger();
  const clock = o.clock ?? systemClock;
  const config = serveConfig({ dir: o.dir, listen: o.listen, authority: o.authority, rateLimits: o.rateLimits });
  const paths = caPaths(config.dir);

  const store = storeSelection({ dir: config.dir, url: o.storeUrl, urlFile: o.storeUrlFile, env, warn: (m) => log.warn(m) });
  let passphrase = resolvePassphrase({ env, passphraseFile: o.passphraseFile, dir: config.dir });
  if (!caExists(config.dir)) {
    if (!o.initIfMissing) throw caError('ca_not_found', `No CA in ${config.dir}; run \`rapki ca init --dir ${o.dir}\` or pass --init-if-missing.`);
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
    const startCrl = await ca.crl.current();
    if (startCrl) awsSync.sync.notify(startCrl);
    const tls = await ensureServerTls({ paths, issuer: ca.issuer, listenHost: config.host, clock, days: config.tlsCertDays, store: ca.store });
    if (tls.reissued) log.info({ notAfter: tls.notAfter.toISOString() }, 'issued a new server TLS certificate');
    const app = createRequestListener({
      authority: ca.authority, crl: ca.crl, store: ca.store, issuer: ca.issuer, config, clock, log, metrics, awsSync, rotation: ca.rotation,
      storeMetrics: ca.storeInfo.renderMetrics,
    });
    // During a CA rotation client certificates of both CAs renew (docs/rotation.md).
    const clientCaPem = (): string =>
      ca.rotation.switch
        .trusted()
        .flatMap((i) => [i.root, ...i.intermediates])
        .map((d) => derToPem(d, 'CERTIFICATE'))
        .join('');
    const server = createHttpsServer(app, { key: tls.key, cert: tls.cert, clientCa: clientCaPem() });
    await ca.rotation.manager.bind({
      primarySync: awsSync.sync,
      // New client CAs at once; the server certificate follows the CA on disk (reissued after finish).
      onTrustChange: async () => {
        const t = await ensureServerTls({ paths, issuer: ca.rotation.switch.primary, listenHost: config.host, clock, days: config.tlsCertDays, store: ca.store });
        server.setSecureContext({ key: t.key, cert: t.cert, ca: clientCaPem(), minVersion: 'TLSv1.2', honorCipherOrder: true });
      },
    });
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
      close() {
        closing ??= (async () => {
          await new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
            setTimeout(() => server.closeAllConnections(), 5_000).unref();
          });
          awsSync.close();
          await ca.close();
        })();
        return closing;
      },
    };
  } catch (err) {
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
