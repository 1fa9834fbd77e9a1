/**
 * Issuance of the CA server's own TLS certificate: signed by the issuing CA through the X.509 port
 * (serial, signature, lint) like a leaf, with `serverAuth`, and recorded in the audit log
 * (`server_cert.issue`) before it leaves the authority. Choosing the names, deciding when to
 * reissue, keeping the node-local key and files, and switching the listening server to the new
 * certificate are the HTTP server's business (`http/server-tls.ts`, `http/server-tls-renewal.ts`).
 *
 * The server certificate is not a row of the certificate inventory: clients pin the CA's root, so
 * it can rotate freely, and it is never revoked (a new one replaces it).
 */
import type { Clock } from '../../../common/src/clock-and-random.js';
import { decodeCertificate } from '../../../common/src/x509/certificate.js';
import { serialHexFromContent } from '../../../common/src/x509/serial.js';
import { caError } from '../errors.js';
import type { CaStore } from '../store/ca-store.js';
import type { SubjectAltName } from '../x509/types.js';
import type { IssuerContext } from './issuer.js';
import type { X509Port } from './x509-port.js';

/** Subject of every CA server certificate (clients check the SAN, RFC 6125 §6.4, not the CN). */
export const SERVER_CERTIFICATE_SUBJECT = 'CN=rapki CA server';

/** notBefore is set this far in the past, so that a peer whose clock is a little behind accepts it. */
const BACKDATE_MS = 5 * 60_000;

/** No server certificate from an issuing CA with less than this left (it would expire at once). */
const ISSUER_MIN_LEFT_MS = 10 * 60_000;

export interface ServerCertificateRequest {
  /** The CA that signs it (the server follows the rotation's primary CA, not the one issuing leaves). */
  readonly issuer: IssuerContext;
  /** This node's names, `localhost` and the loopback addresses included. */
  readonly sans: readonly SubjectAltName[];
  /** DER SubjectPublicKeyInfo of the node-local key (the private key never reaches the authority). */
  readonly publicKeySpki: Uint8Array;
  /** Lifetime in days, cut at the issuer's notAfter. */
  readonly days: number;
}

export interface IssuedServerCertificate {
  readonly der: Uint8Array;
  /** The certificate followed by the issuer's intermediates (PEM), as a TLS server presents it. */
  readonly chainPem: string;
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface ServerCertificateDeps {
  readonly x509: X509Port;
  readonly store: CaStore;
  readonly clock: Clock;
}

/** Signs, lints and audits the CA server's TLS certificate (the authority's `issueServerCertificate`). */
export async function issueServerCertificate(d: ServerCertificateDeps, req: ServerCertificateRequest): Promise<IssuedServerCertificate> {
  const now = d.clock();
  const { issuer } = req;
  if (issuer.notAfter.getTime() <= now.getTime() + ISSUER_MIN_LEFT_MS) {
    throw caError(
      'not_ready',
      `The issuing CA certificate expires at ${issuer.notAfter.toISOString()}; no server certificate can be issued from it. Rotate the CA (docs/rotation.md).`,
    );
  }
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  let notAfter = new Date(now.getTime() + req.days * 86_400_000);
  if (notAfter.getTime() > issuer.notAfter.getTime()) notAfter = issuer.notAfter;
  const der = await d.x509.issueLeaf({
    issuerCertificate: issuer.certificate,
    issuerSigner: issuer.signer,
    subject: SERVER_CERTIFICATE_SUBJECT,
    sans: req.sans,
    publicKeySpki: req.publicKeySpki,
    serial: d.x509.newSerial(),
    notBefore,
    notAfter,
    extKeyUsage: ['serverAuth'],
  });
  await d.x509.lintLeaf(der, issuer.certificate, req.sans);
  const serial = serialHexFromContent(decodeCertificate(der).serial);
  await d.store.appendAudit({
    time: now,
    actor: 'system',
    action: 'server_cert.issue',
    details: { hosts: req.sans.map((s) => `${s.type}:${s.value}`), notAfter: notAfter.toISOString(), serial, issuerId: issuer.id },
  });
  const chainPem = [der, ...issuer.intermediates].map((c) => d.x509.toPem(c, 'CERTIFICATE')).join('');
  return { der, chainPem, serial, notBefore, notAfter };
}
