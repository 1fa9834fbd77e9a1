/**
 * Connection limits of the CA server, enforced on the raw TCP socket before any TLS work:
 *
 * - a cap on open connections per client (an IPv4 address, or an IPv6 /64: one host usually
 *   holds a whole /64), so one client cannot hold the descriptors everybody else needs;
 * - a cap on open connections overall, below the process's descriptor limit, so the CA never
 *   runs out of descriptors for SQLite, the CRL sync and its own health answers. At the cap a
 *   newcomer takes the place of the oldest connection still in its TLS handshake of the client
 *   holding the most such (fair share); only when no client with a connection in handshake holds
 *   more than the newcomer is it refused;
 * - an absolute TLS handshake deadline from accept (node's own `handshakeTimeout` is an idle
 *   timer that a client sending one byte every few seconds never trips).
 *
 * Each refusal or close is counted in `/metrics`; the log gets one line per kind at most every
 * {@link LOG_INTERVAL_MS} (a flood must not become a log flood).
 */
import type { Socket } from 'node:net';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { Clock } from '../../../common/src/clock-and-random.js';
import type { Logger } from '../logger.js';
import { ipToBytes } from '../../../common/src/x509/ip-address.js';

export interface ConnectionLimits {
  /** Open connections at most, overall. */
  readonly maxConnections: number;
  /** Open connections at most per client address (IPv6: per /64). */
  readonly maxConnectionsPerClient: number;
  /** Milliseconds from accept until the TLS handshake must be complete. */
  readonly handshakeTimeoutMs: number;
}

export type ConnectionEvent = 'refused_total_cap' | 'refused_client_cap' | 'evicted' | 'handshake_timeout';

export interface ConnectionGuardDeps {
  readonly limits: ConnectionLimits;
  readonly log: Logger;
  readonly clock: Clock;
  /** Told each refusal or close (the metrics counter). */
  readonly count: (event: ConnectionEvent) => void;
}

/** At most one log line per kind of event in this many milliseconds. */
export const LOG_INTERVAL_MS = 10_000;

interface Tracked {
  readonly socket: Socket;
  readonly client: string;
  /** `address|port`: how the TLS socket of this connection is found again. */
  readonly key: string;
  secure: boolean;
  timer: NodeJS.Timeout | undefined;
}

/** The unit a per-client cap counts: an IPv4 address, or the /64 of an IPv6 address. */
export function clientKey(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown';
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress);
  if (v4) return v4[1]!;
  if (!remoteAddress.includes(':')) return remoteAddress;
  const b = ipToBytes(remoteAddress.replace(/%.*$/, ''));
  return b ? `${Buffer.from(b.subarray(0, 8)).toString('hex')}/64` : remoteAddress;
}

export class ConnectionGuard {
  readonly #d: ConnectionGuardDeps;
  /** Open connections in accept order (a Map keeps insertion order). */
  readonly #open = new Map<Socket, Tracked>();
  readonly #byEndpoint = new Map<string, Tracked>();
  readonly #perClient = new Map<string, number>();
  readonly #logged = new Map<ConnectionEvent, { at: number; suppressed: number }>();

  constructor(d: ConnectionGuardDeps) {
    this.#d = d;
  }

  /** Open connections now (the gauge). */
  get open(): number {
    return this.#open.size;
  }

  get limits(): ConnectionLimits {
    return this.#d.limits;
  }

  /** Closes every connection still in its TLS handshake (shutdown: they would hold `server.close` up to the deadline). */
  closeHandshaking(): void {
    for (const t of [...this.#open.values()]) if (!t.secure) t.socket.destroy();
  }

  /** Hooks into the server: runs before the TLS layer sees a socket. */
  attach(server: TlsServer): void {
    server.prependListener('connection', (socket: Socket) => this.#accept(socket));
    server.on('secureConnection', (tls: TLSSocket) => {
      const t = this.#byEndpoint.get(endpoint(tls));
      if (!t) return;
      t.secure = true;
      clearTimeout(t.timer);
      t.timer = undefined;
    });
  }

  #accept(socket: Socket): void {
    const client = clientKey(socket.remoteAddress);
    const mine = this.#perClient.get(client) ?? 0;
    if (mine >= this.#d.limits.maxConnectionsPerClient) {
      this.#refuse(socket, 'refused_client_cap', client);
      return;
    }
    if (this.#open.size >= this.#d.limits.maxConnections && !this.#evictFor(mine)) {
      this.#refuse(socket, 'refused_total_cap', client);
      return;
    }
    const t: Tracked = { socket, client, key: endpoint(socket), secure: false, timer: undefined };
    t.timer = setTimeout(() => {
      if (t.secure) return;
      this.#event('handshake_timeout', client);
      socket.destroy();
    }, this.#d.limits.handshakeTimeoutMs);
    t.timer.unref();
    this.#open.set(socket, t);
    this.#byEndpoint.set(t.key, t);
    this.#perClient.set(client, mine + 1);
    socket.once('close', () => this.#forget(t));
  }

  /** Drops `t` from the counts (once: on close, or at once when evicted). */
  #forget(t: Tracked): void {
    if (this.#open.get(t.socket) !== t) return;
    clearTimeout(t.timer);
    this.#open.delete(t.socket);
    if (this.#byEndpoint.get(t.key) === t) this.#byEndpoint.delete(t.key);
    const n = (this.#perClient.get(t.client) ?? 1) - 1;
    if (n <= 0) this.#perClient.delete(t.client);
    else this.#perClient.set(t.client, n);
  }

  /**
   * Frees one place for a client holding `mine` connections: closes the oldest connection still in
   * its TLS handshake of the client that holds the most connections (more than `mine + 1`) and
   * has such a connection. False when there is none to take.
   */
  #evictFor(mine: number): boolean {
    let victim: Tracked | undefined;
    let most = mine + 1;
    for (const t of this.#open.values()) {
      if (t.secure) continue;
      const n = this.#perClient.get(t.client) ?? 0;
      if (n > most) {
        most = n;
        victim = t;
      }
    }
    if (!victim) return false;
    this.#event('evicted', victim.client);
    // `close` comes later: forget it now so the counts are right for the newcomer.
    this.#forget(victim);
    victim.socket.destroy();
    return true;
  }

  #refuse(socket: Socket, event: ConnectionEvent, client: string): void {
    this.#event(event, client);
    socket.destroy();
  }

  #event(event: ConnectionEvent, client: string): void {
    this.#d.count(event);
    const now = this.#d.clock().getTime();
    const last = this.#logged.get(event);
    if (last && now - last.at < LOG_INTERVAL_MS) {
      last.suppressed++;
      return;
    }
    const suppressed = last?.suppressed ?? 0;
    this.#logged.set(event, { at: now, suppressed: 0 });
    const l = this.#d.limits;
    this.#d.log.warn(
      {
        event,
        client,
        open: this.#open.size,
        maxConnections: l.maxConnections,
        maxConnectionsPerClient: l.maxConnectionsPerClient,
        sameSinceLastLine: suppressed,
      },
      MESSAGES[event],
    );
  }
}

const MESSAGES: Record<ConnectionEvent, string> = {
  refused_client_cap: 'connection refused: this client holds the most connections one client may open (--max-connections-per-client)',
  refused_total_cap: 'connection refused: the server holds the most connections it may open (--max-connections)',
  evicted: 'connection closed: the server is at its connection cap and this client held the most connections still in a TLS handshake',
  handshake_timeout: 'connection closed: the TLS handshake did not complete in time',
};

function endpoint(s: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string {
  return `${s.remoteAddress ?? ''}|${s.remotePort ?? ''}`;
}
