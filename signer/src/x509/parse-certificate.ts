import { SignerError } from '../errors.js';
import { serialToDecimal } from '../sigv4/serial-decimal.js';
import { children, contentBytes, decodeOid, DerError, elementBytes, expectTlv, readTlv, type Tlv } from './der.js';

const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
const OID_EXT_KEY_USAGE = '2.5.29.37';

/** keyUsage bits (RFC 5280 §4.2.1.3), named. */
export interface KeyUsage {
  readonly digitalSignature: boolean;
  readonly nonRepudiation: boolean;
  readonly keyEncipherment: boolean;
  readonly dataEncipherment: boolean;
  readonly keyAgreement: boolean;
  readonly keyCertSign: boolean;
  readonly cRLSign: boolean;
}

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
 * Parses an X.509 certificate (RFC 5280 §4.1) without any ASN.1 library: a few dozen lines of DER
 * walking instead of loading @peculiar/x509 (heavy) on the credential-process path. node:crypto's
 * X509Certificate does not expose the signature algorithm or the keyUsage bits, hence this.
 * Throws SignerError `certificate_unparsable` on malformed input.
 */
export function parseCertificate(der: Uint8Array): CertificateInfo {
  try {
    return parse(der);
  } catch (err) {
    if (err instanceof DerError) {
      throw new SignerError('certificate_unparsable', `The certificate is not valid DER (${err.message}).`, { cause: err });
    }
    throw err;
  }
}

function parse(der: Uint8Array): CertificateInfo {
  const cert = expectTlv(der, 0, 0x30);
  if (cert.end !== der.length) throw new DerError('trailing bytes after the certificate');
  const [tbs, sigAlg, sigValue, ...rest] = children(der, cert);
  if (!tbs || !sigAlg || !sigValue || rest.length > 0 || tbs.tag !== 0x30 || sigAlg.tag !== 0x30 || sigValue.tag !== 0x03) {
    throw new DerError('certificate is not SEQUENCE { tbs, algorithm, signature }');
  }
  const fields = children(der, tbs);
  let i = 0;
  let version = 1;
  const first = fields[0];
  if (first && first.tag === 0xa0) {
    const v = expectTlv(der, first.start, 0x02, first.end);
    if (v.end - v.start !== 1) throw new DerError('bad version');
    version = (der[v.start] as number) + 1;
    i = 1;
  }
  const serial = need(fields[i++], 0x02, 'serialNumber');
  need(fields[i++], 0x30, 'signature');
  const issuer = need(fields[i++], 0x30, 'issuer');
  const validity = need(fields[i++], 0x30, 'validity');
  const subject = need(fields[i++], 0x30, 'subject');
  const spki = need(fields[i++], 0x30, 'subjectPublicKeyInfo');
  let basicConstraints: { ca: boolean; pathLen: number | undefined } | undefined;
  let keyUsage: KeyUsage | undefined;
  let extKeyUsage: string[] | undefined;
  const extensions: { oid: string; critical: boolean }[] = [];
  for (; i < fields.length; i++) {
    const f = fields[i] as Tlv;
    if (f.tag !== 0xa3) continue; // [1], [2] unique identifiers are ignored
    const exts = expectTlv(der, f.start, 0x30, f.end);
    for (const ext of children(der, exts)) {
      const parts = children(der, ext);
      if (ext.tag !== 0x30 || parts.length < 2 || parts.length > 3) throw new DerError('extension is not SEQUENCE { extnID, critical, extnValue }');
      const oid = decodeOid(der, parts[0] as Tlv);
      const value = parts[parts.length - 1] as Tlv;
      if (value.tag !== 0x04) throw new DerError('extension value is not an OCTET STRING');
      const flag = parts.length === 3 ? (parts[1] as Tlv) : undefined;
      if (flag && (flag.tag !== 0x01 || flag.end - flag.start !== 1)) throw new DerError('extension critical flag is not a BOOLEAN');
      extensions.push({ oid, critical: flag !== undefined && der[flag.start] !== 0 });
      if (oid === OID_BASIC_CONSTRAINTS) basicConstraints = readBasicConstraints(der, value);
      if (oid === OID_KEY_USAGE) keyUsage = readKeyUsage(der, value);
      if (oid === OID_EXT_KEY_USAGE) extKeyUsage = readExtKeyUsage(der, value);
    }
  }
  const [nb, na] = children(der, validity);
  if (!nb || !na) throw new DerError('validity needs notBefore and notAfter');
  const serialBytes = contentBytes(der, serial);
  if (serialBytes.length === 0) throw new DerError('empty serial');
  const sigBits = contentBytes(der, sigValue);
  return {
    version,
    serialBytes,
    serialDecimal: serialToDecimal(serialBytes),
    signatureAlgorithmOid: decodeOid(der, readTlv(der, sigAlg.start, sigAlg.end)),
    issuerDer: elementBytes(der, issuer),
    subjectDer: elementBytes(der, subject),
    subjectEmpty: subject.end === subject.start,
    notBefore: readTime(der, nb),
    notAfter: readTime(der, na),
    spkiDer: elementBytes(der, spki),
    basicConstraintsCa: basicConstraints?.ca,
    pathLenConstraint: basicConstraints?.pathLen,
    keyUsage,
    extKeyUsage,
    extensions,
    tbsDer: elementBytes(der, tbs),
    signatureValue: sigBits.subarray(1),
  };
}

function need(tlv: Tlv | undefined, tag: number, name: string): Tlv {
  if (!tlv || tlv.tag !== tag) throw new DerError(`missing or malformed ${name}`);
  return tlv;
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL } (§4.2.1.9). */
function readBasicConstraints(der: Uint8Array, octets: Tlv): { ca: boolean; pathLen: number | undefined } {
  const seq = expectTlv(der, octets.start, 0x30, octets.end);
  const items = children(der, seq);
  let k = 0;
  let ca = false;
  const first = items[0];
  if (first && first.tag === 0x01) {
    ca = first.end - first.start === 1 && der[first.start] !== 0;
    k = 1;
  }
  const len = items[k];
  let pathLen: number | undefined;
  if (len && len.tag === 0x02) {
    const bytes = contentBytes(der, len);
    if (bytes.length === 0 || bytes.length > 4 || (bytes[0]! & 0x80) !== 0) throw new DerError('bad pathLenConstraint');
    pathLen = bytes.reduce((n, b) => n * 256 + b, 0);
  }
  return { ca, pathLen };
}

/** ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId (§4.2.1.12). */
function readExtKeyUsage(der: Uint8Array, octets: Tlv): string[] {
  const seq = expectTlv(der, octets.start, 0x30, octets.end);
  return children(der, seq).map((t) => decodeOid(der, t));
}

/** KeyUsage ::= BIT STRING (§4.2.1.3); bit 0 is the most significant bit of the first octet. */
function readKeyUsage(der: Uint8Array, octets: Tlv): KeyUsage {
  const bits = expectTlv(der, octets.start, 0x03, octets.end);
  const bytes = contentBytes(der, bits).subarray(1);
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

/** UTCTime (YYMMDDHHMMSSZ, RFC 5280 §4.1.2.5.1) or GeneralizedTime (YYYYMMDDHHMMSSZ, §4.1.2.5.2). */
function readTime(der: Uint8Array, tlv: Tlv): Date {
  const text = Buffer.from(contentBytes(der, tlv)).toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  if (tlv.tag === 0x17 && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (tlv.tag === 0x18 && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    year = Number(m[1]);
  } else {
    throw new DerError('bad certificate time');
  }
  const [, , mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(year, (mo as number) - 1, d, h, mi, s));
}
