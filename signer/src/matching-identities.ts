import { createHash, X509Certificate } from 'node:crypto';
import { SignerError } from './errors.js';
import { parseCertificate } from './x509/parse-certificate.js';

/** One identity of a listing: a certificate and, for PKCS#11, the URI naming its object. */
export interface IdentityEntry {
  readonly certificate: Uint8Array;
  readonly uri?: string | undefined;
}

/**
 * A Name as Go's `pkix.Name.String()` prints it (RFC 4514 §2: RDNs last-to-first, `,` between them),
 * which is what the official helper shows and what `--cert-selector` compares. node:crypto gives the
 * RDNs first-to-last, one per line, already escaped per RFC 2253 §2.4.
 */
function goStyleName(multiline: string): string {
  return multiline === '' ? '' : multiline.split('\n').reverse().join(',');
}

/**
 * The serial as the helper prints it: Go `%X` of the big.Int — upper-case hex without leading
 * zeros (RFC 5280 §4.1.2.2; read as unsigned, as for `Credential=`).
 */
function serialHex(der: Uint8Array): string {
  return BigInt(parseCertificate(der).serialDecimal).toString(16).toUpperCase();
}

/**
 * The official helper's `read-certificate-data` listing for a selector or `pkcs11:` URI
 * (aws_signing_helper 1.8.0), byte for byte its layout: `Matching identities`, then per certificate
 * `N) Hex Fingerprint: <sha1>`, `Subject:`, `Issuer:`, `Serial Number:` and (PKCS#11) `URI:`, each
 * on its own line without indentation, and an empty line after each certificate (the helper's
 * `DefaultCertContainerToString` ends with "\n\n"); or `No matching identities`.
 * The SHA-1 fingerprint only names the certificate for the user (it is what OS stores display),
 * it is never used for a security decision.
 */
export function formatMatchingIdentities(entries: readonly IdentityEntry[]): string {
  if (entries.length === 0) return 'No matching identities\n';
  let out = 'Matching identities\n';
  entries.forEach((e, i) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(e.certificate);
    } catch (cause) {
      throw new SignerError('certificate_unparsable', 'A matching certificate could not be parsed as X.509.', { cause });
    }
    out += `${i + 1}) Hex Fingerprint: ${createHash('sha1').update(e.certificate).digest('hex')}\n`;
    out += `Subject: ${goStyleName(cert.subject)}\n`;
    out += `Issuer: ${goStyleName(cert.issuer)}\n`;
    out += `Serial Number: ${serialHex(e.certificate)}\n`;
    if (e.uri !== undefined && e.uri !== '') out += `URI: ${e.uri}\n`;
    out += '\n';
  });
  return out;
}
