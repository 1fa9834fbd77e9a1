/**
 * How the endpoint's TLS certificate is verified, and the verified connection itself.
 *
 * - `--no-verify-ssl`: no verification, and no trust store at all (`ca: []`).
 * - Otherwise the trusted roots are `AWS_CA_BUNDLE` (replacing the bundled ones, as botocore and
 *   the Go SDK of the official helper do), else the Amazon Trust Services roots that every AWS
 *   endpoint chains to, plus `NODE_EXTRA_CA_CERTS`. The chain the server sends is checked against
 *   them by server-chain.ts — strictly, so that it only ever accepts what OpenSSL would — before
 *   any byte of the request is written.
 * - When that check does not accept the chain (another CA, an unusual certificate), the connection
 *   is made again and verified by Node as before: with `ca` = AWS_CA_BUNDLE, else Node's full root
 *   store (which includes NODE_EXTRA_CA_CERTS). Nothing accepted before is refused now.
 *
 * Why: in Node 20, any TLS context that verifies builds Node's store of ~140 bundled roots — even
 * when `ca` replaces them (SecureContext::AddCACert compares against the store, creating it) —
 * about as much CPU as a bare Node start, on every credential-process call. A context with
 * `ca: []` and our own check does not (bench/credential-process.bench.mjs, "https" rows).
 */
import type { Socket } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';
import { isPemDefect, scanPem } from '../../../common/src/x509/pem.js';
import { AMAZON_TRUST_SERVICES_ROOTS } from './ats-roots.js';
import { handshake, openTcp, TransportError, type ConnectTarget, type SocketTracker } from './connect.js';
import type { ProxyChoice } from './proxy.js';
import { verifyServerChain } from './server-chain.js';

/** The trust decision of one CreateSession call. */
export interface TlsTrust {
  /** false = `--no-verify-ssl`. */
  readonly verify: boolean;
  /** PEM roots replacing Node's (`AWS_CA_BUNDLE`). */
  readonly caBundle?: string | undefined;
  /** NODE_EXTRA_CA_CERTS (a PEM file Node adds to its own store); read here for the first check. */
  readonly extraCaFile?: string | undefined;
  /** Clock of the chain check (injected). */
  readonly now?: (() => Date) | undefined;
}

/** Largest NODE_EXTRA_CA_CERTS file read here (Node reads it whole at start anyway). */
const MAX_EXTRA_CA_BYTES = 4 * 1024 * 1024;

/** DER of every CERTIFICATE block of a PEM text (other blocks and bad ones ignored). */
function certificatesOf(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const b of scanPem(pem)) if (!isPemDefect(b) && b.label === 'CERTIFICATE') out.push(b.der);
  return out;
}

/** The roots of the first check, or undefined when it cannot be made (the caller goes to Node). */
export function firstCheckAnchors(trust: TlsTrust): { readonly anchors: readonly Uint8Array[]; readonly label: string } | undefined {
  if (trust.caBundle !== undefined) {
    const anchors = certificatesOf(trust.caBundle);
    return anchors.length > 0 ? { anchors, label: 'the AWS_CA_BUNDLE roots' } : undefined;
  }
  const anchors = AMAZON_TRUST_SERVICES_ROOTS.flatMap(certificatesOf);
  if (trust.extraCaFile) {
    try {
      const text = readFileSync(trust.extraCaFile, 'latin1');
      if (text.length > MAX_EXTRA_CA_BYTES) return undefined;
      anchors.push(...certificatesOf(text));
    } catch {
      return undefined; // unreadable: Node's own handling (it warns at start) decides
    }
  }
  return { anchors, label: trust.extraCaFile ? 'the Amazon Trust Services roots and NODE_EXTRA_CA_CERTS' : 'the Amazon Trust Services roots' };
}

/** DER of the certificates the server sent, leaf first (Node links them by issuer). */
function peerChain(s: TLSSocket): Uint8Array[] {
  const out: Uint8Array[] = [];
  let c: PeerCertificate | undefined = s.getPeerCertificate(true);
  const seen = new Set<PeerCertificate>();
  while (c && c.raw && !seen.has(c) && out.length < 10) {
    seen.add(c);
    out.push(c.raw);
    const next: PeerCertificate | undefined = (c as { issuerCertificate?: PeerCertificate }).issuerCertificate;
    c = next && next !== c ? next : undefined;
  }
  return out;
}

/** A TLS connection to `target` (through `proxy` when given), verified as `trust` says. */
export async function secureConnection(
  target: ConnectTarget,
  proxy: ProxyChoice | undefined,
  trust: TlsTrust,
  track: SocketTracker,
  debug?: (line: string) => void,
): Promise<TLSSocket> {
  if (!trust.verify) {
    debug?.('TLS: certificate not verified (--no-verify-ssl)');
    const raw: Socket = await openTcp(target, proxy, track);
    return handshake(raw, target, { ca: [], rejectUnauthorized: false }, track);
  }
  const first = firstCheckAnchors(trust);
  if (first) {
    const raw = await openTcp(target, proxy, track);
    const s = await handshake(raw, target, { ca: [], rejectUnauthorized: false }, track);
    const verdict = verifyServerChain(peerChain(s), target.hostname, first.anchors, (trust.now ?? (() => new Date()))());
    if (verdict.ok) {
      debug?.(`TLS: certificate of ${target.hostname} verified against ${first.label} (${verdict.anchor})`);
      return s;
    }
    debug?.(
      `TLS: not verified against ${first.label} (${verdict.reason}); verifying with ${trust.caBundle !== undefined ? 'AWS_CA_BUNDLE' : "Node's root store"}`,
    );
    s.destroy();
  }
  const raw = await openTcp(target, proxy, track);
  try {
    return await handshake(raw, target, { ca: trust.caBundle, rejectUnauthorized: true }, track);
  } catch (err) {
    if (err instanceof TransportError) throw err;
    throw new TransportError('tls', `TLS failure: ${(err as Error).message}`, { cause: err });
  }
}
