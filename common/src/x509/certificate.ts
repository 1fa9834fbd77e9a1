/**
 * The one X.509 certificate decoder (RFC 5280 §4.1) of the CA, the signer and the CLI, and the
 * readers of the extensions they look at (§4.2.1).
 *
 * Why hand-rolled: the signer reads certificates on the credential-process start-up path, where an
 * ASN.1 library would cost more than the whole request, and node:crypto's `X509Certificate` does
 * not expose the signature algorithm, the keyUsage bits or the raw fields the CA compares byte for
 * byte. The emulator keeps its own, independent parser (so that a bug here cannot hide in both).
 *
 * Strict on structure: one SEQUENCE of exactly three fields, a signature BIT STRING without unused
 * bits, a non-empty serial, and after the SubjectPublicKeyInfo only `[1]`, `[2]` (unique
 * identifiers, skipped) and `[3]` (extensions). Times follow `common/src/der/time.ts`.
 * Malformed input throws `certificate_unparsable`.
 */
import { RapkiError } from '../errors.js';
import { children, contentBytes, DerError, elementBytes, expectTlv, oidToString, readTlv, type Tlv } from '../der/reader.js';
import { readTime } from '../der/time.js';
import { Tag } from '../der/writer.js';

/** One extension as found in a certificate or CRL. */
export interface RawExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** Content of extnValue (the DER of the extension's own value). */
  readonly value: Uint8Array;
}

/** The fields of a decoded certificate, all byte fields as views into the input. */
export interface DecodedCertificate {
  readonly der: Uint8Array;
  /** DER of TBSCertificate (what the signature covers). */
  readonly tbs: Uint8Array;
  /** 1, 2 or 3 (§4.1.2.1: the encoded value plus one). */
  readonly version: number;
  /** INTEGER content bytes of the serial (a leading sign byte kept as encoded). */
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
  /** The signature bits (the BIT STRING content after its unused-bits octet). */
  readonly signature: Uint8Array;
}

/** Reads `Extensions` (SEQUENCE OF Extension, §4.1). */
export function readExtensions(buf: Uint8Array, seq: Tlv): RawExtension[] {
  if (seq.tag !== Tag.SEQUENCE) throw new DerError('Extensions: SEQUENCE expected');
  return children(buf, seq).map((e) => {
    const parts = children(buf, e);
    if (e.tag !== Tag.SEQUENCE || parts.length < 2 || parts.length > 3 || parts[0]!.tag !== Tag.OID) {
      throw new DerError('Extension is not SEQUENCE { extnID, critical, extnValue }');
    }
    let critical = false;
    if (parts.length === 3) {
      const b = parts[1]!;
      if (b.tag !== Tag.BOOLEAN || b.end - b.start !== 1) throw new DerError('Extension critical flag is not a BOOLEAN');
      critical = buf[b.start] !== 0;
    }
    const v = parts[parts.length - 1]!;
    if (v.tag !== Tag.OCTET_STRING) throw new DerError('extnValue: OCTET STRING expected');
    return { oid: oidToString(contentBytes(buf, parts[0]!)), critical, value: contentBytes(buf, v) };
  });
}

/** OID of an AlgorithmIdentifier element. */
export function algorithmOid(buf: Uint8Array, alg: Tlv): string {
  if (alg.tag !== Tag.SEQUENCE) throw new DerError('AlgorithmIdentifier: SEQUENCE expected');
  const first = readTlv(buf, alg.start, alg.end);
  if (first.tag !== Tag.OID) throw new DerError('AlgorithmIdentifier: OID expected');
  return oidToString(contentBytes(buf, first));
}

/** Decodes a DER certificate; throws `certificate_unparsable` (the DER error as its cause). */
export function decodeCertificate(der: Uint8Array): DecodedCertificate {
  try {
    return decode(der);
  } catch (err) {
    if (err instanceof DerError) throw new RapkiError('certificate_unparsable', `certificate could not be decoded: ${err.message}`, { cause: err });
    throw err;
  }
}

function decode(der: Uint8Array): DecodedCertificate {
  const cert = readTlv(der, 0);
  if (cert.tag !== Tag.SEQUENCE || cert.end !== der.length) throw new DerError('Certificate: one SEQUENCE expected');
  const [tbsT, algT, sigT, extra] = children(der, cert);
  if (!tbsT || !algT || !sigT || extra || tbsT.tag !== Tag.SEQUENCE || sigT.tag !== Tag.BIT_STRING) {
    throw new DerError('Certificate is not SEQUENCE { tbsCertificate, signatureAlgorithm, signature }');
  }
  if (sigT.end === sigT.start || der[sigT.start] !== 0) throw new DerError('signature has unused bits');
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
  if (
    serialT.tag !== Tag.INTEGER ||
    issuerT.tag !== Tag.SEQUENCE ||
    subjectT.tag !== Tag.SEQUENCE ||
    spkiT.tag !== Tag.SEQUENCE ||
    validityT.tag !== Tag.SEQUENCE
  ) {
    throw new DerError('TBSCertificate field types');
  }
  if (serialT.end === serialT.start) throw new DerError('empty serial');
  const [nb, na] = children(der, validityT);
  if (!nb || !na) throw new DerError('validity needs notBefore and notAfter');
  let extensions: RawExtension[] = [];
  for (const rest of f.slice(k + 6)) {
    if (rest.tag === 0xa3) extensions = readExtensions(der, readTlv(der, rest.start, rest.end));
    else if (rest.tag !== 0x81 && rest.tag !== 0x82) throw new DerError('unexpected TBSCertificate field');
  }
  return {
    der,
    tbs: elementBytes(der, tbsT),
    version,
    serial: contentBytes(der, serialT),
    innerSignatureOid: algorithmOid(der, innerAlgT),
    innerSignatureAlgorithm: elementBytes(der, innerAlgT),
    issuer: elementBytes(der, issuerT),
    notBefore: readTime(der, nb),
    notAfter: readTime(der, na),
    subject: elementBytes(der, subjectT),
    spki: elementBytes(der, spkiT),
    extensions,
    signatureOid: algorithmOid(der, algT),
    signatureAlgorithm: elementBytes(der, algT),
    signature: contentBytes(der, sigT).subarray(1),
  };
}

/** The extension with `extnOid`, or undefined. */
export function findExtension(cert: { readonly extensions: readonly RawExtension[] }, extnOid: string): RawExtension | undefined {
  return cert.extensions.find((e) => e.oid === extnOid);
}

/** basicConstraints (§4.2.1.9): `SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL }`. */
export function readBasicConstraints(value: Uint8Array): { readonly ca: boolean; readonly pathLen: number | undefined } {
  const seq = expectTlv(value, 0, Tag.SEQUENCE, value.length, 'basicConstraints');
  const items = children(value, seq);
  let k = 0;
  let ca = false;
  const first = items[0];
  if (first && first.tag === Tag.BOOLEAN) {
    ca = first.end - first.start === 1 && value[first.start] !== 0;
    k = 1;
  }
  const len = items[k];
  let pathLen: number | undefined;
  if (len && len.tag === Tag.INTEGER) {
    const bytes = contentBytes(value, len);
    if (bytes.length === 0 || bytes.length > 4 || (bytes[0]! & 0x80) !== 0) throw new DerError('bad pathLenConstraint');
    pathLen = bytes.reduce((n, b) => n * 256 + b, 0);
  }
  return { ca, pathLen };
}

/** keyUsage bits (§4.2.1.3), named. */
export interface KeyUsage {
  readonly digitalSignature: boolean;
  readonly nonRepudiation: boolean;
  readonly keyEncipherment: boolean;
  readonly dataEncipherment: boolean;
  readonly keyAgreement: boolean;
  readonly keyCertSign: boolean;
  readonly cRLSign: boolean;
}

/** keyUsage (§4.2.1.3): a BIT STRING; bit 0 is the most significant bit of the first octet. */
export function readKeyUsage(value: Uint8Array): KeyUsage {
  const bits = expectTlv(value, 0, Tag.BIT_STRING, value.length, 'keyUsage');
  if (bits.end === bits.start) throw new DerError('keyUsage: empty BIT STRING');
  const bytes = contentBytes(value, bits).subarray(1);
  const bit = (n: number): boolean => (((bytes[n >> 3] ?? 0) >> (7 - (n & 7))) & 1) === 1;
  return {
    digitalSignature: bit(0),
    nonRepudiation: bit(1),
    keyEncipherment: bit(2),
    dataEncipherment: bit(3),
    keyAgreement: bit(4),
    keyCertSign: bit(5),
    cRLSign: bit(6),
  };
}

/** extKeyUsage (§4.2.1.12): `SEQUENCE SIZE (1..MAX) OF KeyPurposeId`, as dotted OIDs. */
export function readExtKeyUsage(value: Uint8Array): string[] {
  const seq = expectTlv(value, 0, Tag.SEQUENCE, value.length, 'extKeyUsage');
  return children(value, seq).map((t) => {
    if (t.tag !== Tag.OID) throw new DerError('extKeyUsage: OID expected');
    return oidToString(contentBytes(value, t));
  });
}

/** The keyIdentifier of a subjectKeyIdentifier extension (§4.2.1.2), if it is an OCTET STRING. */
export function subjectKeyIdOf(ext: { readonly value: Uint8Array } | undefined): Uint8Array | undefined {
  if (!ext) return undefined;
  const t = readTlv(ext.value, 0);
  return t.tag === Tag.OCTET_STRING ? contentBytes(ext.value, t) : undefined;
}

/** The keyIdentifier `[0]` of an authorityKeyIdentifier extension (§4.2.1.1), if present. */
export function authorityKeyIdOf(ext: { readonly value: Uint8Array } | undefined): Uint8Array | undefined {
  if (!ext) return undefined;
  const seq = readTlv(ext.value, 0);
  const kid = children(ext.value, seq).find((c) => c.tag === 0x80);
  return kid ? contentBytes(ext.value, kid) : undefined;
}
