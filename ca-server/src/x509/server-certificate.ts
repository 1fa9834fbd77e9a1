import { isIP } from 'node:net';
import { issueLeafCertificate } from './leaf.js';
import { escapeDnValue } from './dn.js';
import type { CaSigner, SubjectAltName } from './types.js';

/** Inputs of the CA server's own TLS certificate. */
export interface ServerCertificateRequest {
  readonly issuerCertificate: Uint8Array;
  readonly issuerSigner: CaSigner;
  /** The listen host (DNS name or IP literal, IPv6 with or without brackets). */
  readonly host: string;
  /** More names to include (e.g. `localhost` next to `127.0.0.1`). */
  readonly extraSans?: readonly SubjectAltName[];
  readonly publicKeySpki: Uint8Array;
  readonly serial: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** SAN for a listen host: an IP literal becomes an iPAddress name, anything else a dNSName. */
export function sanForHost(host: string): SubjectAltName {
  const h = host.replace(/^\[(.*)\]$/, '$1');
  return isIP(h) ? { type: 'ip', value: h } : { type: 'dns', value: h };
}

/**
 * Issues the CA server's TLS certificate through the same lean leaf path: CN = host, SAN = host
 * (RFC 6125 §6.4: clients match the SAN, not the CN), extKeyUsage serverAuth + clientAuth.
 */
export function issueServerCertificate(req: ServerCertificateRequest): Promise<Uint8Array> {
  const primary = sanForHost(req.host);
  const sans = [primary, ...(req.extraSans ?? []).filter((s) => !(s.type === primary.type && s.value === primary.value))];
  return issueLeafCertificate({
    issuerCertificate: req.issuerCertificate,
    issuerSigner: req.issuerSigner,
    subject: `CN=${escapeDnValue(primary.value)}`,
    sans,
    publicKeySpki: req.publicKeySpki,
    serial: req.serial,
    notBefore: req.notBefore,
    notAfter: req.notAfter,
    extKeyUsage: ['serverAuth', 'clientAuth'],
  });
}
