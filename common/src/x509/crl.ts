/**
 * The one CRL reader (RFC 5280 §5.1) of the CA and the CLI, the CRL's PEM form, and the size limit
 * AWS IAM Roles Anywhere puts on it.
 *
 * Roles Anywhere's ImportCrl and UpdateCrl take the CRL "in PEM format" as `crlData`, at most
 * 300,000 bytes (AWS IAM Roles Anywhere API Reference, ImportCrl: "Length Constraints: Minimum
 * length of 1. Maximum length of 300000."). Building and signing CRLs is the CA's job
 * (`ca-server/src/x509/crl.ts`); this module only reads them, fast even with 100,000 entries (a
 * generic ASN.1 parser gives up long before: more nodes than its default limits).
 *
 * Malformed input throws `crl_invalid`.
 */
import { RapkiError } from '../errors.js';
import { children, contentBytes, DerError, elementBytes, readTlv, readUnsignedInteger } from '../der/reader.js';
import { readTime } from '../der/time.js';
import { Tag } from '../der/writer.js';
import { algorithmOid, authorityKeyIdOf, readExtensions } from './certificate.js';
import { derToPem, pemByteLength, PemError, pemToDer } from './pem.js';
import { serialHexFromContent } from './serial.js';

/** The RFC 7468 §6 label of a CRL. */
export const CRL_PEM_LABEL = 'X509 CRL';

/** Largest PEM CRL Roles Anywhere accepts (`crlData` of ImportCrl/UpdateCrl), in bytes. */
export const CRL_PEM_MAX_BYTES = 300_000;

/** From this PEM size on, the CA warns that its CRL nears {@link CRL_PEM_MAX_BYTES} (90 %). */
export const CRL_PEM_WARN_BYTES = 270_000;

/** Largest CRL input read at all: well above the service limit, so that an oversized CRL can still be measured and reported. */
export const CRL_INPUT_MAX_BYTES = 16 * 1024 * 1024;

/** Labels accepted when reading: RFC 7468's, and plain `CRL` that some libraries write. */
const CRL_READ_LABELS = [CRL_PEM_LABEL, 'CRL'] as const;

/** RFC 5280 §5.2.3: a cRLNumber is at most 20 octets long. */
const CRL_NUMBER_MAX_OCTETS = 20;

const OID_CRL_NUMBER = '2.5.29.20';
const OID_AUTHORITY_KEY_IDENTIFIER = '2.5.29.35';

/** What the CA and the CLI need to know about a CRL. */
export interface CrlInfo {
  /** DER of the issuer Name. */
  readonly issuerDer: Uint8Array;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  /** cRLNumber (§5.2.3), if present. */
  readonly crlNumber: bigint | undefined;
  /** keyIdentifier of the authorityKeyIdentifier extension (§5.2.1), lower-case hex, if present. */
  readonly authorityKeyId: string | undefined;
  readonly entryCount: number;
  /** Serials of the revoked entries, canonical hex (`serialHexFromContent`), in CRL order. */
  readonly serials: readonly string[];
  readonly signatureOid: string;
  /** DER of TBSCertList (what the signature covers) and the signature bits. */
  readonly tbs: Uint8Array;
  readonly signature: Uint8Array;
}

function crlError(message: string, cause?: unknown): RapkiError {
  return new RapkiError('crl_invalid', message, cause === undefined ? undefined : { cause });
}

/** DER of a CRL given as DER bytes, or as PEM text or bytes. */
export function crlToDer(data: Uint8Array | string): Uint8Array {
  if (data.length > CRL_INPUT_MAX_BYTES) throw crlError(`CRL input larger than ${CRL_INPUT_MAX_BYTES} bytes`);
  // DER starts with 0x30 (SEQUENCE); anything else is read as PEM text.
  if (typeof data !== 'string' && data.length > 0 && data[0] === Tag.SEQUENCE) return data;
  const text = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
  try {
    return pemToDer(text, CRL_READ_LABELS);
  } catch (err) {
    if (err instanceof PemError) throw crlError(`not a PEM or DER X.509 CRL: ${err.message}`, err);
    throw err;
  }
}

/** Canonical PEM (`X509 CRL`, 64-column base64, LF, final newline) of a CRL given as DER or PEM. */
export function crlToPem(data: Uint8Array | string): string {
  return derToPem(crlToDer(data), CRL_PEM_LABEL);
}

/** Size in bytes of the canonical PEM of a DER CRL (or of a DER length), without building it. */
export function crlPemBytes(der: Uint8Array | number): number {
  return pemByteLength(der, CRL_PEM_LABEL);
}

/** Reads a CRL given as DER or PEM (RFC 5280 §5.1); throws `crl_invalid`. */
export function readCrl(data: Uint8Array | string): CrlInfo {
  const der = crlToDer(data);
  try {
    return read(der);
  } catch (err) {
    if (err instanceof DerError) throw crlError(`CRL could not be decoded: ${err.message}`, err);
    throw err;
  }
}

function read(der: Uint8Array): CrlInfo {
  const top = readTlv(der, 0);
  if (top.tag !== Tag.SEQUENCE || top.end !== der.length) throw new DerError('CertificateList: one SEQUENCE expected');
  const [tbsT, algT, sigT, extra] = children(der, top);
  if (!tbsT || !algT || !sigT || extra || tbsT.tag !== Tag.SEQUENCE || sigT.tag !== Tag.BIT_STRING || sigT.end === sigT.start || der[sigT.start] !== 0) {
    throw new DerError('CertificateList is not SEQUENCE { tbsCertList, signatureAlgorithm, signature }');
  }
  const f = children(der, tbsT);
  let i = f[0]?.tag === Tag.INTEGER ? 1 : 0; // version v2, optional
  const innerAlg = f[i++];
  const issuerT = f[i++];
  const thisT = f[i++];
  if (!innerAlg || innerAlg.tag !== Tag.SEQUENCE || !issuerT || issuerT.tag !== Tag.SEQUENCE || !thisT) throw new DerError('TBSCertList fields');
  const thisUpdate = readTime(der, thisT);
  let nextUpdate: Date | undefined;
  const maybeNext = f[i];
  if (maybeNext && (maybeNext.tag === Tag.UTC_TIME || maybeNext.tag === Tag.GENERALIZED_TIME)) {
    nextUpdate = readTime(der, maybeNext);
    i++;
  }
  const serials: string[] = [];
  let crlNumber: bigint | undefined;
  let authorityKeyId: string | undefined;
  for (const rest of f.slice(i)) {
    if (rest.tag === Tag.SEQUENCE) {
      for (let off = rest.start; off < rest.end;) {
        const entry = readTlv(der, off, rest.end);
        const serial = entry.tag === Tag.SEQUENCE ? readTlv(der, entry.start, entry.end) : undefined;
        if (!serial || serial.tag !== Tag.INTEGER || serial.end === serial.start) throw new DerError('revokedCertificates entry: serial INTEGER expected');
        serials.push(serialHexFromContent(contentBytes(der, serial)));
        off = entry.end;
      }
    } else if (rest.tag === 0xa0) {
      for (const e of readExtensions(der, readTlv(der, rest.start, rest.end))) {
        if (e.oid === OID_CRL_NUMBER) {
          crlNumber = readUnsignedInteger(e.value, readTlv(e.value, 0), CRL_NUMBER_MAX_OCTETS);
        } else if (e.oid === OID_AUTHORITY_KEY_IDENTIFIER) {
          const id = authorityKeyIdOf(e);
          authorityKeyId = id ? Buffer.from(id).toString('hex') : undefined;
        }
      }
    } else throw new DerError('unexpected TBSCertList field');
  }
  return {
    issuerDer: elementBytes(der, issuerT),
    thisUpdate,
    nextUpdate,
    crlNumber,
    authorityKeyId,
    entryCount: serials.length,
    serials,
    signatureOid: algorithmOid(der, algT),
    tbs: elementBytes(der, tbsT),
    signature: contentBytes(der, sigT).subarray(1),
  };
}
