/**
 * CRL bytes as Roles Anywhere wants them: ImportCrl/UpdateCrl take the CRL "in PEM format"
 * (ca-landscape.md §1.2), at most 300,000 bytes; status compares the CRL number (RFC 5280 §5.2.3)
 * AWS holds with the CA's. Only reads a CRL; building and signing CRLs is `ca-server/src/x509/`'s job.
 */
import { awsError } from '../../../common/src/aws/errors.js';

/** Largest input accepted by the parsers here (well above the 300,000-byte service limit, to report the size). */
const MAX_CRL_INPUT_BYTES = 16 * 1024 * 1024;

/** `X509 CRL` is the RFC 7468 §6 label; some libraries write plain `CRL`. */
const PEM_RE = /-----BEGIN (?:X509 )?CRL-----([A-Za-z0-9+/=\s]+)-----END (?:X509 )?CRL-----/;

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

interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

/**
 * One DER TLV at `off` (definite lengths only, as DER requires). A hand-walk rather than a schema
 * parser: a CRL near the 300,000-byte limit holds ~4,000 entries, more ASN.1 nodes than generic
 * parsers allow by default, and only a few fields are needed here.
 */
function tlv(b: Uint8Array, off: number, limit: number): Tlv {
  if (off + 2 > limit) throw awsError('crl_invalid', 'truncated DER');
  const tag = b[off]!;
  let len = b[off + 1]!;
  let p = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > limit) throw awsError('crl_invalid', 'bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p + i]!;
    p += n;
  }
  if (p + len > limit) throw awsError('crl_invalid', 'truncated DER');
  return { tag, start: p, end: p + len };
}

function children(b: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = parent.start; p < parent.end; ) {
    const t = tlv(b, p, parent.end);
    out.push(t);
    p = t.end;
  }
  return out;
}

/** RFC 5280 §4.1.2.5 UTCTime (0x17, YYMMDDHHMMSSZ; 50–99 → 19xx) or GeneralizedTime (0x18, YYYYMMDDHHMMSSZ). */
function derTime(b: Uint8Array, t: Tlv): Date {
  const s = Buffer.from(b.subarray(t.start, t.end)).toString('latin1');
  const m = t.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) throw awsError('crl_invalid', 'bad CRL time');
  let year = Number(m[1]);
  if (t.tag === 0x17) year += year >= 50 ? 1900 : 2000;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/** DER OID 2.5.29.20 content bytes. */
const CRL_NUMBER_OID = Uint8Array.from([0x55, 0x1d, 0x14]);

/** Parse the facts rapki compares (number, dates, entry count) from a DER or PEM CRL (RFC 5280 §5.1). */
export function readCrlFacts(data: Uint8Array | string): CrlFacts {
  const b = crlToDer(data);
  const list = tlv(b, 0, b.length);
  if (list.tag !== 0x30) throw awsError('crl_invalid');
  const [tbs] = children(b, list);
  if (!tbs || tbs.tag !== 0x30) throw awsError('crl_invalid');
  const f = children(b, tbs);
  let i = 0;
  if (f[i]?.tag === 0x02) i++; // version
  i += 2; // signature AlgorithmIdentifier, issuer Name
  const thisTlv = f[i++];
  if (!thisTlv || (thisTlv.tag !== 0x17 && thisTlv.tag !== 0x18)) throw awsError('crl_invalid', 'CRL without thisUpdate');
  let nextUpdate: Date | undefined;
  if (f[i] && (f[i]!.tag === 0x17 || f[i]!.tag === 0x18)) nextUpdate = derTime(b, f[i++]!);
  let revokedCount = 0;
  if (f[i]?.tag === 0x30) revokedCount = children(b, f[i++]!).length;
  let number: bigint | undefined;
  if (f[i]?.tag === 0xa0) {
    const [exts] = children(b, f[i]!);
    for (const ext of exts ? children(b, exts) : []) {
      const parts = children(b, ext);
      const oid = parts[0];
      if (!oid || oid.tag !== 0x06 || !Buffer.from(b.subarray(oid.start, oid.end)).equals(Buffer.from(CRL_NUMBER_OID))) continue;
      const value = parts[parts.length - 1];
      if (!value || value.tag !== 0x04) throw awsError('crl_invalid', 'malformed cRLNumber');
      number = derIntegerToBigInt(b.subarray(value.start, value.end));
    }
  }
  return { number, thisUpdate: derTime(b, thisTlv), nextUpdate, revokedCount };
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
