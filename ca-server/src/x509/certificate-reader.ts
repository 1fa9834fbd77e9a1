import { DerError, Tag, children, contentOf, oidToString, rawOf, readTime, readTlv, type Tlv } from './der.js';
import { x509Error } from './errors.js';

/** One extension as found in a certificate or CRL. */
export interface RawExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** Content of extnValue (the DER of the extension's own value). */
  readonly value: Uint8Array;
}

/** The fields of a decoded certificate (RFC 5280 §4.1), all byte fields as views into the input. */
export interface DecodedCertificate {
  readonly der: Uint8Array;
  /** DER of TBSCertificate (what the signature covers). */
  readonly tbs: Uint8Array;
  /** 1, 2 or 3. */
  readonly version: number;
  /** INTEGER content bytes of the serial. */
  readonly serial: Uint8Array;
  readonly innerSignatureOid: string;
  /** DER of the issuer Name. */
  readonly issuer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** DER of the subject Name. */
  readonly subject: Uint8Array;
  /** DER SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
  readonly extensions: readonly RawExtension[];
  readonly signatureOid: string;
  /** DER of the outer signatureAlgorithm (to compare with the inner one byte for byte). */
  readonly signatureAlgorithm: Uint8Array;
  readonly innerSignatureAlgorithm: Uint8Array;
  readonly signature: Uint8Array;
}

/** Reads `Extensions` (SEQUENCE OF Extension). */
export function readExtensions(buf: Uint8Array, seq: Tlv): RawExtension[] {
  if (seq.tag !== Tag.SEQUENCE) throw new DerError('Extensions: SEQUENCE expected');
  return children(buf, seq).map((e) => {
    const parts = children(buf, e);
    if (e.tag !== Tag.SEQUENCE || parts.length < 2 || parts.length > 3 || parts[0]!.tag !== Tag.OID) {
      throw new DerError('Extension malformed');
    }
    let critical = false;
    if (parts.length === 3) {
      const b = parts[1]!;
      if (b.tag !== Tag.BOOLEAN || b.end - b.start !== 1) throw new DerError('Extension critical flag malformed');
      critical = buf[b.start] !== 0;
    }
    const v = parts[parts.length - 1]!;
    if (v.tag !== Tag.OCTET_STRING) throw new DerError('extnValue: OCTET STRING expected');
    return { oid: oidToString(contentOf(buf, parts[0]!)), critical, value: contentOf(buf, v) };
  });
}

/** OID of an AlgorithmIdentifier TLV. */
export function algorithmOid(buf: Uint8Array, alg: Tlv): string {
  if (alg.tag !== Tag.SEQUENCE) throw new DerError('AlgorithmIdentifier: SEQUENCE expected');
  const first = readTlv(buf, alg.start, alg.end);
  if (first.tag !== Tag.OID) throw new DerError('AlgorithmIdentifier: OID expected');
  return oidToString(contentOf(buf, first));
}

/**
 * Decodes a DER certificate without any library (fast; used for issuer data, lint and
 * inventory). Throws `certificate_unparsable`.
 */
export function decodeCertificate(input: Uint8Array): DecodedCertificate {
  const der = input;
  try {
    const cert = readTlv(der, 0);
    if (cert.tag !== Tag.SEQUENCE || cert.end !== der.length) throw new DerError('Certificate: one SEQUENCE expected');
    const [tbsT, algT, sigT, extra] = children(der, cert);
    if (!tbsT || !algT || !sigT || extra || tbsT.tag !== Tag.SEQUENCE || sigT.tag !== Tag.BIT_STRING) {
      throw new DerError('Certificate: three fields expected');
    }
    if (der[sigT.start] !== 0) throw new DerError('signature has unused bits');
    const f = children(der, tbsT);
    let k = 0;
    let version = 1;
    if (f[0]?.tag === 0xa0) {
      const v = readTlv(der, f[0].start, f[0].end);
      if (v.tag !== Tag.INTEGER || v.end - v.start !== 1) throw new DerError('bad version');
      version = der[v.start]! + 1;
      k = 1;
    }
    const [serialT, innerAlgT, issuerT, validityT, subjectT, spkiT] = f.slice(k, k + 6);
    if (!serialT || !innerAlgT || !issuerT || !validityT || !subjectT || !spkiT) throw new DerError('TBSCertificate truncated');
    if (serialT.tag !== Tag.INTEGER || issuerT.tag !== Tag.SEQUENCE || subjectT.tag !== Tag.SEQUENCE || spkiT.tag !== Tag.SEQUENCE || validityT.tag !== Tag.SEQUENCE) {
      throw new DerError('TBSCertificate field types');
    }
    const [nb, na] = children(der, validityT);
    if (!nb || !na) throw new DerError('Validity');
    let extensions: RawExtension[] = [];
    for (const rest of f.slice(k + 6)) {
      if (rest.tag === 0xa3) {
        const extSeq = readTlv(der, rest.start, rest.end);
        extensions = readExtensions(der, extSeq);
      } else if (rest.tag !== 0x81 && rest.tag !== 0x82) throw new DerError('unexpected TBSCertificate field');
    }
    return {
      der,
      tbs: rawOf(der, tbsT),
      version,
      serial: contentOf(der, serialT),
      innerSignatureOid: algorithmOid(der, innerAlgT),
      innerSignatureAlgorithm: rawOf(der, innerAlgT),
      issuer: rawOf(der, issuerT),
      notBefore: readTime(der, nb),
      notAfter: readTime(der, na),
      subject: rawOf(der, subjectT),
      spki: rawOf(der, spkiT),
      extensions,
      signatureOid: algorithmOid(der, algT),
      signatureAlgorithm: rawOf(der, algT),
      signature: contentOf(der, sigT).subarray(1),
    };
  } catch (err) {
    if (err instanceof DerError) throw x509Error('certificate_unparsable', `certificate could not be decoded: ${err.message}`, err);
    throw err;
  }
}

/** The value of one extension, or undefined. */
export function findExtension(cert: { extensions: readonly RawExtension[] }, extnOid: string): RawExtension | undefined {
  return cert.extensions.find((e) => e.oid === extnOid);
}
