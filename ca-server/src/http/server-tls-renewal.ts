/**
 * Keeps the running CA server's own TLS certificate valid (docs/security.md C3): it is checked on
 * a schedule and reissued when a third of its life is left (`server-tls.ts` decides), then the
 * listening server switches to it with `setSecureContext`, without a restart: connections already
 * open keep the context they were made with, new ones get the new certificate.
 *
 * Before this, the certificate was issued at start only; after 30 days of uptime every enroll,
 * renew and admin call failed with CERT_HAS_EXPIRED while `/healthz` said 200. Now `/readyz`
 * fails when the certificate presented has expired (a reissue kept failing), and `/metrics`
 * shows its notAfter.
 *
 * The clock is injected; so is the check interval (an hour by default: the certificate is due
 * for reissue ten days before it expires, so an hourly look is plenty).
 */
import type { Server as TlsServer } from 'node:tls';
import type { Clock } from '../../../common/src/clock-and-random.js';
import type { IssuerContext } from '../authority/issuer.js';
import type { CaPaths } from '../ca-dir.js';
import type { Logger } from '../logger.js';
import type { CaMetrics } from './metrics.js';
import { ensureServerTls, type ServerCertificateIssuer, type ServerTls } from './server-tls.js';
import { secureContextOptions } from './tls-settings.js';

export const DEFAULT_SERVER_TLS_CHECK_MS = 60 * 60_000;

export interface ServerTlsKeeperDeps {
  readonly paths: CaPaths;
  readonly listenHost: string;
  /** `--tls-san` names of this node (canonical), replacing the listen host. */
  readonly tlsSans?: readonly string[] | undefined;
  readonly days: number;
  readonly clock: Clock;
  /** Signs and audits each new certificate. */
  readonly authority: ServerCertificateIssuer;
  /** The issuer the server certificate must come from now (it changes when a rotation finishes). */
  readonly issuer: () => IssuerContext;
  /** PEM of the CAs client certificates may chain to now (both CAs during a rotation). */
  readonly clientCaPem: () => string;
  readonly log: Logger;
  readonly metrics: CaMetrics;
  readonly checkIntervalMs?: number | undefined;
}

export class ServerTlsKeeper {
  readonly #d: ServerTlsKeeperDeps;
  #current: ServerTls;
  #server: TlsServer | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** One check at a time: a timer tick and a rotation's trust change never issue twice. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(d: ServerTlsKeeperDeps, current: ServerTls) {
    this.#d = d;
    this.#current = current;
    d.metrics.setServerTlsNotAfter(current.notAfter);
  }

  /** Loads the certificate on disk, or issues one when it is missing, stale or due. */
  static async open(d: ServerTlsKeeperDeps): Promise<ServerTlsKeeper> {
    const tls = await ServerTlsKeeper.#ensure(d);
    if (tls.reissued) d.log.info({ notAfter: tls.notAfter.toISOString() }, 'issued a new server TLS certificate');
    return new ServerTlsKeeper(d, tls);
  }

  static #ensure(d: ServerTlsKeeperDeps): Promise<ServerTls> {
    return ensureServerTls({
      paths: d.paths,
      issuer: d.issuer(),
      authority: d.authority,
      listenHost: d.listenHost,
      tlsSans: d.tlsSans,
      clock: d.clock,
      days: d.days,
    });
  }

  /** Key and certificate chain (PEM) to start the server with. */
  get current(): { readonly key: string; readonly cert: string; readonly notAfter: Date } {
    return this.#current;
  }

  /** True when the certificate presented now is past its notAfter (`/readyz` fails then). */
  expired(): boolean {
    return this.#d.clock().getTime() >= this.#current.notAfter.getTime();
  }

  /** Starts the schedule on the listening server. */
  bind(server: TlsServer): void {
    this.#server = server;
    this.#timer = setInterval(() => void this.check(), this.#d.checkIntervalMs ?? DEFAULT_SERVER_TLS_CHECK_MS);
    this.#timer.unref();
  }

  /**
   * Reissues the certificate if it is due (or the issuer or host set changed) and switches the
   * server to it; with `force`, sets a fresh context even when the certificate stays (new client
   * CAs after a rotation step). Failures are logged and counted; the next tick tries again.
   */
  check(force = false): Promise<boolean> {
    const run = this.#queue.then(async () => {
      try {
        const next = await ServerTlsKeeper.#ensure(this.#d);
        if (next.reissued || force) {
          this.#server?.setSecureContext(secureContextOptions({ key: next.key, cert: next.cert, clientCa: this.#d.clientCaPem() }));
          this.#current = next;
          this.#d.metrics.setServerTlsNotAfter(next.notAfter);
        }
        if (next.reissued) {
          this.#d.metrics.serverTlsRenewals.inc({ result: 'issued' });
          this.#d.log.info({ notAfter: next.notAfter.toISOString() }, 'issued a new server TLS certificate; new connections use it');
        }
        return next.reissued;
      } catch (err) {
        // Never rejects: a timer tick has nobody to catch it, and the old certificate keeps serving.
        this.#d.metrics.serverTlsRenewals.inc({ result: 'failed' });
        this.#d.log.error({ err, notAfter: this.#current.notAfter.toISOString() }, 'could not reissue the server TLS certificate; retrying at the next check');
        return false;
      }
    });
    this.#queue = run;
    return run;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
