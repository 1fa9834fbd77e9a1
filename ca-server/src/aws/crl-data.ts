/**
 * CRL bytes as Roles Anywhere wants them: ImportCrl/UpdateCrl take the CRL "in PEM format"
 * (ca-landscape.md §1.2), at most 300,000 bytes; status compares the CRL number (RFC 5280 §5.2.3)
 * AWS holds with the CA's. Only reads a CRL; building and signing CRLs is `ca-server/src/x509/`'s job.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList } from '@peculiar/asn1-x509';
import { awsError } from './errors.js';

/** RFC 5280 §5.2.3 cRLNumber. */
const OID_CRL_NUMBER = '2.5.29.20';
/** Largest input accepted by the parsers here (well above the 300,000-byte service limit, to report the size). */
const MAX_CRL_INPUT_BYTES = 16 * 1024 * 1024;

const PEM_RE = /-----BEGIN X509 CRL-----([A-Za-z0-9+/=\s]+)-----END X509 CRL-----/;

/** DER bytes of a PEM (`X509 CRL`) or DER CRL. */
export function crlToDer(data: Uint8Array | string): Uint8Array {
  if (data.length > MAX_CRL_INPUT_BYTES) throw awsError('crl_invalid', 'CRL input too large');
  const text = typeof data === 'string' ? data : looksLikePem(data) ? Buffer.from(data).toString('latin1') : undefined;
  if (text === undefined) return data as Uint8Array;
  const m = PEM_RE.exec(text);
  if (!m || m[1] === undefined) throw awsError('crl_invalid');
  return new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
}

/** Canonical PEM (64-column base64, LF, trailing newline) of a CRL given as DER or PEM. */
export function crlToPem(data: Uint8Array | string): string {
  const b64 = Buffer.from(crlToDer(data)).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN X509 CRL-----\n${lines.join('\n')}\n-----END X509 CRL-----\n`;
}

function looksLikePem(data: Uint8Array): boolean {
  // DER starts with 0x30 (SEQUENCE); PEM with '-' or whitespace.
  return data.length > 0 && data[0] !== 0x30;
}

export interface CrlFacts {
  /** cRLNumber, or undefined when the CRL has none. */
  readonly number: bigint | undefined;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly revokedCount: number;
}

/** Parse the facts rapki compares (number, dates, entry count) from a DER or PEM CRL. */
export function readCrlFacts(data: Uint8Array | string): CrlFacts {
  let list: CertificateList;
  try {
    list = AsnConvert.parse(crlToDer(data), CertificateList);
  } catch (cause) {
    if ((cause as { name?: string }).name === 'RapkiError') throw cause;
    throw awsError('crl_invalid', undefined, { cause });
  }
  const tbs = list.tbsCertList;
  let number: bigint | undefined;
  for (const ext of tbs.crlExtensions ?? []) {
    if (ext.extnID === OID_CRL_NUMBER) number = derIntegerToBigInt(new Uint8Array(ext.extnValue.buffer));
  }
  return {
    number,
    thisUpdate: tbs.thisUpdate.getTime(),
    nextUpdate: tbs.nextUpdate?.getTime(),
    revokedCount: tbs.revokedCertificates?.length ?? 0,
  };
}

/** DER INTEGER (tag 0x02, short or long length) → non-negative bigint. */
function derIntegerToBigInt(der: Uint8Array): bigint {
  if (der[0] !== 0x02 || der.length < 3) throw awsError('crl_invalid', 'malformed cRLNumber');
  let len = der[1] ?? 0;
  let off = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n > 2) throw awsError('crl_invalid', 'malformed cRLNumber');
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | (der[off + i] ?? 0);
    off += n;
  }
  if (len < 1 || len > 21 || off + len > der.length) throw awsError('crl_invalid', 'malformed cRLNumber');
  let v = 0n;
  for (let i = 0; i < len; i++) v = (v << 8n) | BigInt(der[off + i] ?? 0);
  return v;
}
