/**
 * The one DER writer (ITU-T X.690 §8 and §10) of the CA server and the CLI: certificates, CSRs,
 * CRLs, ECDSA signatures and TSS2 key files.
 *
 * Why hand-rolled: issuance is on the enrollment hot path, and the general ASN.1 libraries spend
 * most of their time in schema reflection rather than in encoding. Everything here works on byte
 * arrays and copies each byte once. Correctness is cross-checked in the tests against `openssl`.
 * Dependency-free (no `node:crypto`).
 */

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

/** Encodes a DER length (definite form, X.690 §8.1.3: short form below 128, else minimal long form). */
export function encodeLength(len: number): Uint8Array {
  if (!Number.isSafeInteger(len) || len < 0 || len > 0xffffffff) throw new TypeError('DER length out of range');
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
/** UTF8String (X.690 §8.23.10) of a JavaScript string. */
export const utf8String = (text: string): Uint8Array => tlv(Tag.UTF8_STRING, Buffer.from(text, 'utf8'));
/** BIT STRING with zero unused bits (signatures, public keys). */
export const bitString = (content: Uint8Array): Uint8Array => tlv(Tag.BIT_STRING, Uint8Array.of(0), content);
/** Context-specific constructed tag `[n]` around `parts` (EXPLICIT tagging, X.690 §8.14). */
export const explicit = (n: number, ...parts: readonly Uint8Array[]): Uint8Array => tlv(0xa0 | n, ...parts);
/** Context-specific primitive tag `[n]` on `content` (IMPLICIT tagging of a primitive type, X.690 §8.14). */
export const implicit = (n: number, content: Uint8Array): Uint8Array => tlv(0x80 | n, content);
export const DER_NULL = Uint8Array.of(Tag.NULL, 0);
export const DER_TRUE = Uint8Array.of(Tag.BOOLEAN, 1, 0xff);
export const DER_FALSE = Uint8Array.of(Tag.BOOLEAN, 1, 0x00);

/** INTEGER from a non-negative safe integer. */
export function integerFromNumber(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new TypeError('integerFromNumber: non-negative safe integer expected');
  return integerFromBigInt(BigInt(n));
}

/** INTEGER from a non-negative bigint (minimal two's complement, X.690 §8.3). */
export function integerFromBigInt(n: bigint): Uint8Array {
  if (n < 0n) throw new TypeError('integerFromBigInt: non-negative value expected');
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return integerFromUnsigned(Buffer.from(hex, 'hex'));
}

/**
 * INTEGER from an unsigned big-endian magnitude of any width (an ECDSA r or s padded to the curve
 * size, RFC 3279 §2.2.3): leading zero octets dropped, a `00` added when the top bit is set.
 */
export function integerFromUnsigned(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const v = magnitude.length === 0 ? Uint8Array.of(0) : magnitude.subarray(i);
  return v[0]! & 0x80 ? tlv(Tag.INTEGER, Uint8Array.of(0), v) : tlv(Tag.INTEGER, v);
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

/** OBJECT IDENTIFIER from dotted form (X.690 §8.19); refuses malformed arcs. */
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
