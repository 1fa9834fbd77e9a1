/**
 * How the CLI comes to trust the CA server: only through the root certificate's fingerprint or an
 * explicit CA file, never through the system trust store.
 *
 * Why: the CA is private, so the system store cannot vouch for it, and a host that enrolls has
 * nothing but the fingerprint the operator gave it. Trust-on-fingerprint works like step-ca's
 * bootstrap (docs/security.md C4): one TLS connection WITHOUT verification only to look at
 * certificates (nothing secret is sent on it: no token, no client certificate, no admin header),
 * find the certificate whose SHA-256 matches the pin — in the presented chain, else in the public
 * `GET /v1/ca` bundle — and from then on use that root as the ONLY trust anchor, with full chain and
 * host name verification (RFC 5280 §6, RFC 9525) on every request that carries a secret.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { CA_PATHS } from '../../../common/src/contract/paths.js';
import { MAX_JSON_RESPONSE_BYTES, MAX_PEM_FILE_BYTES, REQUEST_TIMEOUT_MS } from './constants.js';
import { caClientError, caUnreachable } from './errors.js';
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import { derToPem } from '../../../common/src/x509/pem.js';
import { parseCertificates } from './certificate-bundle.js';
import { fingerprintsEqual, normalizeFingerprint } from './fingerprint.js';

/** What the user gave to trust the CA with. */
export type CaTrustInput = { readonly kind: 'fingerprint'; readonly fingerprint: string } | { readonly kind: 'file'; readonly path: string };

/** Trust anchors resolved for one CA URL: PEM certificates to pass as the TLS `ca` option. */
export interface ResolvedTrust {
  /** The pinned root (PEM). */
  readonly rootPem: string;
  /** Every PEM the TLS layer may use: the root, plus intermediates that chain to it. */
  readonly caPems: readonly string[];
}

/**
 * Resolve trust anchors for `url`. With a fingerprint this makes the one unverified probe described
 * above; with a file it only reads the file.
 */
export async function resolveTrust(url: URL, input: CaTrustInput): Promise<ResolvedTrust> {
  if (input.kind === 'file') return trustFromFile(input.path);
  const pin = normalizeFingerprint(input.fingerprint);
  const presented = await presentedChain(url);
  let root = presented.find((der) => fingerprintsEqual(sha256Fingerprint(der), pin));
  let extras: Buffer[] = presented.filter((der) => der !== root);
  if (!root) {
    // Servers usually leave the root out of the handshake (RFC 8446 §4.4.2 allows it); ask for it.
    const bundle = await fetchCaBundleUnverified(url);
    root = bundle.find((der) => fingerprintsEqual(sha256Fingerprint(der), pin));
    extras = [...extras, ...bundle.filter((der) => der !== root)];
  }
  if (!root) throw fingerprintMismatch(url, pin, [...presented, ...extras]);
  return buildTrust(root, extras);
}

/**
 * `ca_fingerprint_mismatch` that says what the server DID present, so that a typo in the pin, a
 * pin of another CA and a URL pointing at the wrong server can be told apart: the SHA-256 of every
 * self-signed (root) certificate it offered, else of every certificate it offered.
 */
function fingerprintMismatch(url: URL, pin: string, offered: readonly Buffer[]): Error {
  const certs = offered.flatMap((der) => {
    try {
      return [{ der, cert: new X509Certificate(der) }];
    } catch {
      return [];
    }
  });
  const roots = certs.filter((c) => c.cert.ca && c.cert.checkIssued(c.cert));
  const shown = (roots.length > 0 ? roots : certs).slice(0, 4);
  const unique = [...new Map(shown.map((c) => [sha256Fingerprint(c.der), c.cert.subject.replace(/\n/g, ', ')])).entries()];
  const what =
    unique.length === 0
      ? 'no certificate at all'
      : `${roots.length > 0 ? 'root' : 'only non-root certificates:'} ${unique.map(([fp, subject]) => `${fp} (${subject.slice(0, 120)})`).join(', ')}`;
  return caClientError(
    'ca_fingerprint_mismatch',
    `the CA at ${url.origin} presented ${what}, not the pinned root ${pin}. ` +
      'Check --ca-fingerprint (or RAPKI_CA_FINGERPRINT): `rapki ca serve` prints the right one at start; or check that --ca-url (RAPKI_CA_URL) points at your CA.',
    { details: { expected: pin, presented: unique.map(([fp]) => fp) } },
  );
}

/** Keep the root and only those extra certificates that the root (directly or via one another) signed. */
function buildTrust(rootDer: Buffer, extras: Buffer[]): ResolvedTrust {
  const root = new X509Certificate(rootDer);
  const trusted: X509Certificate[] = [root];
  let pending = extras
    .map((der) => {
      try {
        return new X509Certificate(der);
      } catch {
        return undefined;
      }
    })
    .filter((c): c is X509Certificate => c !== undefined && c.ca);
  let grew = true;
  while (grew) {
    grew = false;
    for (const c of pending) {
      if (trusted.some((t) => t.raw.equals(c.raw))) continue;
      if (trusted.some((t) => c.checkIssued(t) && c.verify(t.publicKey))) {
        trusted.push(c);
        grew = true;
      }
    }
    pending = pending.filter((c) => !trusted.includes(c));
  }
  return { rootPem: derToPem(rootDer, 'CERTIFICATE'), caPems: trusted.map((c) => derToPem(c.raw, 'CERTIFICATE')) };
}

async function trustFromFile(path: string): Promise<ResolvedTrust> {
  let text: string;
  try {
    const buf = await readFile(path);
    if (buf.length > MAX_PEM_FILE_BYTES) throw new Error('too large');
    text = buf.toString('utf8');
  } catch (cause) {
    throw caClientError('ca_file_invalid', `cannot read the CA file ${path}`, { cause });
  }
  let certs;
  try {
    certs = parseCertificates(text);
  } catch (cause) {
    throw caClientError('ca_file_invalid', `the CA file ${path} holds a certificate that does not parse`, { cause });
  }
  if (certs.length === 0) throw caClientError('ca_file_invalid', `the CA file ${path} holds no PEM certificate`);
  const root = certs.find((c) => c.cert.checkIssued(c.cert)) ?? certs[0]!;
  return { rootPem: root.pem, caPems: certs.map((c) => c.pem) };
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

function portOf(url: URL): number {
  return url.port ? Number(url.port) : 443;
}

/** SNI is only for DNS names (RFC 6066 §3). */
export function serverNameFor(url: URL): string | undefined {
  const host = hostOf(url);
  return isIP(host) ? undefined : host;
}

/** DER of every certificate the server presents in its handshake (leaf first). */
function presentedChain(url: URL): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({
      host: hostOf(url),
      port: portOf(url),
      servername: serverNameFor(url),
      // Probe only: nothing is sent on this connection; trust is decided by the fingerprint below.
      rejectUnauthorized: false,
      timeout: REQUEST_TIMEOUT_MS,
    });
    const fail = (err: Error): void => {
      socket.destroy();
      reject(caUnreachable(url, err));
    };
    socket.once('error', fail);
    socket.once('timeout', () => fail(new Error('timeout')));
    socket.once('secureConnect', () => {
      const out: Buffer[] = [];
      let c: PeerCertificate | undefined = socket.getPeerCertificate(true);
      const seen = new Set<string>();
      while (c && c.raw && !seen.has(c.fingerprint256)) {
        seen.add(c.fingerprint256);
        out.push(c.raw);
        const next: PeerCertificate | undefined = (c as { issuerCertificate?: PeerCertificate }).issuerCertificate;
        c = next && next !== c ? next : undefined;
      }
      socket.end();
      socket.destroy();
      resolve(out);
    });
  });
}

/** `GET /v1/ca` without verification; the answer is only searched for the pinned certificate. */
function fetchCaBundleUnverified(url: URL): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(CA_PATHS.ca, url),
      {
        method: 'GET',
        rejectUnauthorized: false,
        servername: serverNameFor(url),
        agent: false,
        headers: { accept: 'application/json, application/x-pem-file' },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (d: Buffer) => {
          size += d.length;
          if (size > MAX_JSON_RESPONSE_BYTES) {
            req.destroy();
            reject(caClientError('ca_response_too_large'));
            return;
          }
          chunks.push(d);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve(parseCertificates(collectPem(text)).map((c) => c.der));
          } catch (cause) {
            reject(caClientError('ca_response_invalid', 'the CA bundle from GET /v1/ca does not parse', { cause }));
          }
        });
        res.on('error', (err) => reject(caUnreachable(url, err)));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => reject(caUnreachable(url, err)));
    req.end();
  });
}

/**
 * `GET /v1/ca` may answer JSON (any shape holding PEM strings) or a PEM bundle; gather every PEM
 * certificate block either way.
 */
export function collectPem(text: string): string {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return text;
  const parts: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.includes('-----BEGIN CERTIFICATE-----')) parts.push(v);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(JSON.parse(trimmed));
  return parts.join('\n');
}
