import { DerError } from '../../../common/src/der/reader.js';
import { decodeCertificate, findExtension } from '../../../common/src/x509/certificate.js';
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import { serialHexFromContent } from '../../../common/src/x509/serial.js';
import { OID } from './constants.js';
import { formatDn } from './dn.js';
import { x509Error } from './errors.js';
import { decodeGeneralNames } from './san.js';
import type { SubjectAltName } from './types.js';

/** What the inventory shows of a certificate. */
export interface CertificateSummary {
  /** RFC 4514 subject. */
  readonly subject: string;
  /** RFC 4514 issuer. */
  readonly issuer: string;
  /** Canonical serial hex (see `serialHexFromContent`). */
  readonly serialHex: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly sans: readonly SubjectAltName[];
  /** SHA-256 of the DER, lower-case hex. */
  readonly fingerprint: string;
}

/** Canonical serial hex of a DER certificate. Throws `certificate_unparsable`. */
export function serialHexFromCertificate(der: Uint8Array): string {
  return serialHexFromContent(decodeCertificate(der).serial);
}

/** Inventory summary of a DER certificate. Throws `certificate_unparsable`. */
export function parseCertificateSummary(der: Uint8Array): CertificateSummary {
  const c = decodeCertificate(der);
  const san = findExtension(c, OID.subjectAltName);
  try {
    return Object.freeze({
      subject: formatDn(c.subject),
      issuer: formatDn(c.issuer),
      serialHex: serialHexFromContent(c.serial),
      notBefore: c.notBefore,
      notAfter: c.notAfter,
      sans: Object.freeze(san ? decodeGeneralNames(san.value) : []),
      fingerprint: sha256Fingerprint(der),
    });
  } catch (err) {
    // The names and SAN are decoded only here; their DER errors are certificate errors too.
    if (err instanceof DerError) throw x509Error('certificate_unparsable', `certificate could not be decoded: ${err.message}`, err);
    throw err;
  }
}
