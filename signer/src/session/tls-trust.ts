/**
 * How the endpoint's TLS certificate is verified, and the verified connection itself.
 *
 * - `--no-verify-ssl`: no verification, and no trust store at all (`ca: []`): building Node's
 *   bundled root store costs about as much CPU as a bare Node start.
 * - `AWS_CA_BUNDLE`: those roots replace the bundled ones (as botocore and the Go SDK of the
 *   official helper do).
 * - otherwise Node's root store (plus `NODE_EXTRA_CA_CERTS`, which Node adds itself).
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { handshake, openTcp, type ConnectTarget, type SocketTracker } from './connect.js';
import type { ProxyChoice } from './proxy.js';

/** The trust decision of one CreateSession call. */
export interface TlsTrust {
  /** false = `--no-verify-ssl`. */
  readonly verify: boolean;
  /** PEM roots replacing Node's (`AWS_CA_BUNDLE`). */
  readonly caBundle?: string | undefined;
}

/** A TLS connection to `target` (through `proxy` when given), verified as `trust` says. */
export async function secureConnection(
  target: ConnectTarget,
  proxy: ProxyChoice | undefined,
  trust: TlsTrust,
  track: SocketTracker,
  debug?: (line: string) => void,
): Promise<TLSSocket> {
  const raw: Socket = await openTcp(target, proxy, track);
  if (!trust.verify) {
    debug?.('TLS: certificate not verified (--no-verify-ssl)');
    return handshake(raw, target, { ca: [], rejectUnauthorized: false }, track);
  }
  return handshake(raw, target, { ca: trust.caBundle, rejectUnauthorized: true }, track);
}
