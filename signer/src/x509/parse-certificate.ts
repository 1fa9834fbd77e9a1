import { DerError } from '../../../common/src/der/reader.js';
import { isRapkiError } from '../../../common/src/errors.js';
import {
  decodeCertificate,
  findExtension,
  readBasicConstraints,
  readExtKeyUsage,
  readKeyUsage,
  type DecodedCertificate,
  type KeyUsage,
} from '../../../common/src/x509/certificate.js';
import { serialToDecimal } from '../../../common/src/x509/serial.js';
import { SignerError } from '../errors.js';

export type { KeyUsage };

const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
const OID_EXT_KEY_USAGE = '2.5.29.37';

/** What the signer needs to know about a certificate, read straight from its DER. */
export interface CertificateInfo {
  /** 1, 2 or 3 (RFC 5280 §4.1.2.1: the encoded value plus one). */
  readonly version: number;
  /** Content octets of the serial INTEGER (leading 0x00 kept as encoded). */
  readonly serialBytes: Uint8Array;
  /** The serial in decimal, as `Credential=` needs it. */
  readonly serialDecimal: string;
  /** OID of the outer `signatureAlgorithm` (RFC 5280 §4.1.1.2). */
  readonly signatureAlgorithmOid: string;
  /** DER of the issuer and subject Names. */
  readonly issuerDer: Uint8Array;
  readonly subjectDer: Uint8Array;
  /** True when the subject is an empty SEQUENCE (no RDNs). */
  readonly subjectEmpty: boolean;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** DER of SubjectPublicKeyInfo. */
  readonly spkiDer: Uint8Array;
  /** `cA` of basicConstraints; undefined when the extension is absent. */
  readonly basicConstraintsCa: boolean | undefined;
  /** `pathLenConstraint` of basicConstraints; undefined when absent. */
  readonly pathLenConstraint: number | undefined;
  /** keyUsage; undefined when the extension is absent. */
  readonly keyUsage: KeyUsage | undefined;
  /** extKeyUsage purpose OIDs (RFC 5280 §4.2.1.12); undefined when the extension is absent. */
  readonly extKeyUsage: readonly string[] | undefined;
  /** Every extension's OID and criticality, in order. */
  readonly extensions: readonly { readonly oid: string; readonly critical: boolean }[];
  /** DER of tbsCertificate (what the issuer signed) and the signature bits. */
  readonly tbsDer: Uint8Array;
  readonly signatureValue: Uint8Array;
}

/**
 * What the signer needs of a certificate, read with the common decoder
 * (`common/src/x509/certificate.ts`): a few dozen lines of DER walking instead of an ASN.1 library
 * on the credential-process path. Throws SignerError `certificate_unparsable` on malformed input.
 */
export function parseCertificate(der: Uint8Array): CertificateInfo {
  try {
    return infoOf(decodeCertificate(der));
  } catch (err) {
    const cause = isRapkiError(err) && err.code === 'certificate_unparsable' ? (err.cause ?? err) : err;
    if (cause instanceof DerError) {
      throw new SignerError('certificate_unparsable', `The certificate is not valid DER (${cause.message}).`, { cause });
    }
    throw err;
  }
}

function infoOf(c: DecodedCertificate): CertificateInfo {
  const bc = findExtension(c, OID_BASIC_CONSTRAINTS);
  const basicConstraints = bc ? readBasicConstraints(bc.value) : undefined;
  const ku = findExtension(c, OID_KEY_USAGE);
  const eku = findExtension(c, OID_EXT_KEY_USAGE);
  return {
    version: c.version,
    serialBytes: c.serial,
    serialDecimal: serialToDecimal(c.serial),
    signatureAlgorithmOid: c.signatureOid,
    issuerDer: c.issuer,
    subjectDer: c.subject,
    subjectEmpty: c.subject.length === 2, // SEQUENCE {} (30 00): no RDNs
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    spkiDer: c.spki,
    basicConstraintsCa: basicConstraints?.ca,
    pathLenConstraint: basicConstraints?.pathLen,
    keyUsage: ku ? readKeyUsage(ku.value) : undefined,
    extKeyUsage: eku ? readExtKeyUsage(eku.value) : undefined,
    extensions: c.extensions.map((e) => ({ oid: e.oid, critical: e.critical })),
    tbsDer: c.tbs,
    signatureValue: c.signature,
  };
}
