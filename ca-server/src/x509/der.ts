/**
 * A small DER writer and reader (ITU-T X.690 §8 and §10), just enough for certificates, CSRs
 * and CRLs.
 *
 * Why hand-rolled: issuance is on the enrollment hot path, and the general ASN.1 libraries spend
 * most of their time in schema reflection rather than in encoding. Everything here works on
 * byte arrays and copies each byte once. Correctness is cross-checked in the tests against
 * `@peculiar/x509` and `openssl`.
 */

import { DerError, type Tlv } from '../../../common/src/der-reader.js';

/** The element reader and OID decoding are shared with the signer. */
export { children, DerError, expectTlv, oidToString, readTlv, type Tlv } from '../../../common/src/der-reader.js';

/** Universal tags used by X.509 (X.690 §8.1.2). */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
} as const;

/** Encodes a DER length (definite form, X.690 §8.1.3). */
export function encodeLength(len: number): Uint8Array {
  if (len < 0x80) return Uint8Array.of(len);
  if (len < 0x100) return Uint8Array.of(0x81, len);
  if (len < 0x10000) return Uint8Array.of(0x82, len >> 8, len & 0xff);
  if (len < 0x1000000) return Uint8Array.of(0x83, len >> 16, (len >> 8) & 0xff, len & 0xff);
  return Uint8Array.of(0x84, (len >>> 24) & 0xff, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff);
}

function headerSize(len: number): number {
  return len < 0x80 ? 2 : len < 0x100 ? 3 : len < 0x10000 ? 4 : len < 0x1000000 ? 5 : 6;
}

/** One TLV whose content is the concatenation of `parts` (copied once into a fresh buffer). */
export function tlv(tag: number, ...parts: readonly Uint8Array[]): Uint8Array {
  return tlvList(tag, parts);
}

/** Same as {@link tlv} for a list of parts (avoids spreading 100,000 arguments). */
export function tlvList(tag: number, parts: readonly Uint8Array[], totalLength?: number): Uint8Array {
  let len = totalLength ?? -1;
  if (len < 0) {
    len = 0;
    for (const p of parts) len += p.length;
  }
  const out = new Uint8Array(headerSize(len) + len);
  out[0] = tag;
  const l = encodeLength(len);
  out.set(l, 1);
  let off = 1 + l.length;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export const sequence = (...parts: readonly Uint8Array[]): Uint8Array => tlv(Tag.SEQUENCE, ...parts);
export const set = (...parts: readonly Uint8Array[]): Uint8Array => tlv(Tag.SET, ...parts);
export const octetString = (content: Uint8Array): Uint8Array => tlv(Tag.OCTET_STRING, content);
/** BIT STRING with zero unused bits (signatures, public keys). */
export const bitString = (content: Uint8Array): Uint8Array => tlv(Tag.BIT_STRING, Uint8Array.of(0), content);
/** Context-specific constructed tag `[n]` (EXPLICIT tagging). */
export const explicit = (n: number, ...parts: readonly Uint8Array[]): Uint8Array => tlv(0xa0 | n, ...parts);
export const DER_NULL = Uint8Array.of(Tag.NULL, 0);
export const DER_TRUE = Uint8Array.of(Tag.BOOLEAN, 1, 0xff);

/** INTEGER from a non-negative small number. */
export function integerFromNumber(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new TypeError('integerFromNumber: non-negative safe integer expected');
  return integerFromBigInt(BigInt(n));
}

/** INTEGER from a non-negative bigint (minimal two's complement, X.690 §8.3). */
export function integerFromBigInt(n: bigint): Uint8Array {
  if (n < 0n) throw new TypeError('integerFromBigInt: non-negative value expected');
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.of(0), bytes]);
  return tlv(Tag.INTEGER, bytes);
}

/**
 * INTEGER from content bytes that are already a minimal positive two's complement encoding
 * (as produced by `newSerial`). Refuses negative or non-minimal content.
 */
export function integerFromContent(content: Uint8Array): Uint8Array {
  if (content.length === 0) throw new TypeError('INTEGER content must not be empty');
  if (content[0]! & 0x80) throw new TypeError('INTEGER content would be negative');
  if (content.length > 1 && content[0] === 0 && !(content[1]! & 0x80)) throw new TypeError('INTEGER content is not minimal');
  return tlv(Tag.INTEGER, content);
}

/** OBJECT IDENTIFIER from dotted form (X.690 §8.19). */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((s) => {
    if (!/^\d+$/.test(s)) throw new TypeError(`bad OID ${dotted}`);
    return BigInt(s);
  });
  if (arcs.length < 2 || arcs[0]! > 2n || (arcs[0]! < 2n && arcs[1]! >= 40n)) throw new TypeError(`bad OID ${dotted}`);
  const values = [arcs[0]! * 40n + arcs[1]!, ...arcs.slice(2)];
  const bytes: number[] = [];
  for (const v of values) {
    const groups: number[] = [];
    let x = v;
    do {
      groups.unshift(Number(x & 0x7fn));
      x >>= 7n;
    } while (x > 0n);
    for (let i = 0; i < groups.length - 1; i++) groups[i]! |= 0x80;
    bytes.push(...groups);
  }
  return tlv(Tag.OID, Uint8Array.from(bytes));
}

/**
 * Time as UTCTime for 1950–2049 and GeneralizedTime otherwise (RFC 5280 §4.1.2.5), whole
 * seconds, always `Z`.
 */
export function time(date: Date): Uint8Array {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new TypeError('invalid date');
  const y = date.getUTCFullYear();
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const rest = `${p2(date.getUTCMonth() + 1)}${p2(date.getUTCDate())}${p2(date.getUTCHours())}${p2(date.getUTCMinutes())}${p2(date.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return tlv(Tag.UTC_TIME, Buffer.from(`${p2(y % 100)}${rest}`, 'latin1'));
  if (y < 0 || y > 9999) throw new TypeError('date out of range');
  return tlv(Tag.GENERALIZED_TIME, Buffer.from(`${String(y).padStart(4, '0')}${rest}`, 'latin1'));
}

/** The whole encoding (header + content) of a TLV, as a view (no copy). */
export const rawOf = (buf: Uint8Array, t: Tlv): Uint8Array => buf.subarray(t.offset, t.end);
/** The content of a TLV, as a view (no copy). */
export const contentOf = (buf: Uint8Array, t: Tlv): Uint8Array => buf.subarray(t.start, t.end);

/** Parses a UTCTime or GeneralizedTime TLV (RFC 5280 §4.1.2.5 forms: seconds, `Z`). */
export function readTime(buf: Uint8Array, t: Tlv): Date {
  const s = Buffer.from(contentOf(buf, t)).toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  if (t.tag === Tag.UTC_TIME) {
    m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
    if (!m) throw new DerError('bad UTCTime');
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (t.tag === Tag.GENERALIZED_TIME) {
    m = /^(\d\d\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.\d+)?Z$/.exec(s);
    if (!m) throw new DerError('bad GeneralizedTime');
    year = Number(m[1]);
  } else throw new DerError('time expected');
  const d = new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  if (Number.isNaN(d.getTime())) throw new DerError('bad time');
  return d;
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}
