/**
 * A minimal DER (ITU-T X.690 §8, §10) reader: just enough to walk a certificate. Definite lengths
 * only (DER forbids indefinite ones, X.690 §10.1); every length is checked against the buffer.
 */

/** One tag-length-value element inside `bytes`. */
export interface Tlv {
  /** The identifier octet (single-byte tags only; X.509 needs no high tag numbers). */
  readonly tag: number;
  /** Offset of the first content octet. */
  readonly start: number;
  /** Offset just past the last content octet. */
  readonly end: number;
  /** Offset of the identifier octet (for slicing the whole element). */
  readonly headerStart: number;
}

/** Thrown on malformed DER; callers turn it into a coded SignerError. */
export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

/** Reads the element starting at `offset`, which must lie before `limit`. */
export function readTlv(bytes: Uint8Array, offset: number, limit: number = bytes.length): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated DER element');
  const tag = bytes[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported');
  let pos = offset + 1;
  const first = bytes[pos++] as number;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const count = first & 0x7f;
    if (count === 0) throw new DerError('indefinite length is not DER');
    if (count > 4) throw new DerError('DER length too large');
    if (pos + count > limit) throw new DerError('truncated DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[pos++] as number);
    if (length < 0x80 || (count > 1 && (bytes[offset + 2] as number) === 0)) throw new DerError('non-minimal DER length');
  }
  const end = pos + length;
  if (end > limit) throw new DerError('DER element runs past its container');
  return { tag, start: pos, end, headerStart: offset };
}

/** Reads the element at `offset` and checks its tag. */
export function expectTlv(bytes: Uint8Array, offset: number, tag: number, limit?: number): Tlv {
  const tlv = readTlv(bytes, offset, limit);
  if (tlv.tag !== tag) {
    throw new DerError(`expected DER tag 0x${tag.toString(16)}, found 0x${tlv.tag.toString(16)}`);
  }
  return tlv;
}

/** The children of a constructed element, in order. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.start;
  while (pos < parent.end) {
    const tlv = readTlv(bytes, pos, parent.end);
    out.push(tlv);
    pos = tlv.end;
  }
  return out;
}

/** Dotted form of an OBJECT IDENTIFIER's content octets (X.690 §8.19). */
export function decodeOid(bytes: Uint8Array, tlv: Tlv): string {
  if (tlv.tag !== 0x06 || tlv.end === tlv.start) throw new DerError('not an OBJECT IDENTIFIER');
  const arcs: bigint[] = [];
  let value = 0n;
  for (let i = tlv.start; i < tlv.end; i++) {
    const b = bytes[i] as number;
    value = (value << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(value);
      value = 0n;
    } else if (i === tlv.end - 1) {
      throw new DerError('truncated OBJECT IDENTIFIER');
    }
  }
  const first = arcs[0] as bigint;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].map(String).join('.');
}

/** The bytes of a whole element (header included). */
export function elementBytes(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.headerStart, tlv.end);
}

/** The content octets of an element. */
export function contentBytes(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.start, tlv.end);
}
