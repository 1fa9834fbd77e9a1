/**
 * The one DER (ITU-T X.690 §8, §10) element reader of the signer, the CA server and the CLI: tag,
 * length and content bounds of each element, definite lengths only (DER forbids indefinite ones,
 * X.690 §10.1), minimal length encodings (§10.1), every length checked against its container;
 * OBJECT IDENTIFIER decoding (§8.19) and non-negative INTEGERs (§8.3). Each component builds its
 * own parsing on top (and turns {@link DerError} into its coded error).
 *
 * Dependency-free and small on purpose: it is on the credential-process start-up path. The
 * emulator keeps its own reader, so that a reader bug cannot hide in both signer and verifier.
 */

/** Thrown on malformed DER; callers turn it into their own coded error. */
export class DerError extends Error {
  override readonly name = 'DerError';
}

/** One tag-length-value element inside a byte array. */
export interface Tlv {
  /** The identifier octet (single-byte tags only; X.509 needs no high tag numbers). */
  readonly tag: number;
  /** Offset of the identifier octet (for slicing the whole element). */
  readonly offset: number;
  /** Offset of the first content octet. */
  readonly start: number;
  /** Offset just past the last content octet. */
  readonly end: number;
}

/** Reads the element starting at `offset`, which must end by `limit` (exclusive). */
export function readTlv(bytes: Uint8Array, offset: number, limit: number = bytes.length): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated DER element');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported');
  let length = bytes[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) throw new DerError('indefinite length is not DER');
    if (count > 4) throw new DerError('DER length too large');
    if (start + count > limit) throw new DerError('truncated DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i]!;
    if (length < 0x80 || (count > 1 && bytes[start] === 0)) throw new DerError('non-minimal DER length');
    start += count;
  }
  const end = start + length;
  if (end > limit) throw new DerError('truncated DER element: it runs past its container');
  return { tag, offset, start, end };
}

/** Reads the element at `offset` and checks its tag; `what` names it in the error. */
export function expectTlv(bytes: Uint8Array, offset: number, tag: number, limit: number = bytes.length, what?: string): Tlv {
  const t = readTlv(bytes, offset, limit);
  if (t.tag !== tag) {
    throw new DerError(`${what === undefined ? '' : `${what}: `}expected DER tag 0x${tag.toString(16)}, found 0x${t.tag.toString(16)}`);
  }
  return t;
}

/** The children of a constructed element, in order. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.start;
  while (pos < parent.end) {
    const t = readTlv(bytes, pos, parent.end);
    out.push(t);
    pos = t.end;
  }
  return out;
}

/** Dotted form of OID content bytes (numbers while arcs stay below 2^46, BigInt beyond). */
export function oidToString(content: Uint8Array): string {
  const out: string[] = [];
  let v = 0;
  let big: bigint | undefined;
  for (let i = 0; i < content.length; i++) {
    const b = content[i]!;
    if (big !== undefined) big = (big << 7n) | BigInt(b & 0x7f);
    else if (v >= 2 ** 46) big = (BigInt(v) << 7n) | BigInt(b & 0x7f);
    else v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (out.length === 0) {
        if (big !== undefined) out.push('2', String(big - 80n));
        else {
          const first = v < 80 ? Math.floor(v / 40) : 2;
          out.push(String(first), String(v - first * 40));
        }
      } else out.push(big !== undefined ? String(big) : String(v));
      v = 0;
      big = undefined;
    } else if (i === content.length - 1) throw new DerError('truncated OID');
  }
  if (out.length === 0) throw new DerError('empty OID');
  return out.join('.');
}

/** Dotted form of an OBJECT IDENTIFIER element (X.690 §8.19). */
export function decodeOid(bytes: Uint8Array, tlv: Tlv): string {
  if (tlv.tag !== 0x06 || tlv.end === tlv.start) throw new DerError('not an OBJECT IDENTIFIER');
  return oidToString(bytes.subarray(tlv.start, tlv.end));
}

/** The bytes of a whole element (header included), as a view (no copy). */
export function elementBytes(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.offset, tlv.end);
}

/** The content octets of an element, as a view (no copy). */
export function contentBytes(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.start, tlv.end);
}

/**
 * The value of a non-negative INTEGER element (X.690 §8.3) whose value fits `maxOctets` octets (a
 * leading sign octet `00` does not count). Refuses empty, negative and non-minimal encodings.
 */
export function readUnsignedInteger(bytes: Uint8Array, tlv: Tlv, maxOctets: number): bigint {
  if (tlv.tag !== 0x02) throw new DerError('INTEGER expected');
  const c = contentBytes(bytes, tlv);
  if (c.length === 0) throw new DerError('empty INTEGER');
  if (c[0]! & 0x80) throw new DerError('negative INTEGER');
  if (c.length > 1 && c[0] === 0 && !(c[1]! & 0x80)) throw new DerError('non-minimal INTEGER');
  if (c.length - (c[0] === 0 && c.length > 1 ? 1 : 0) > maxOctets) throw new DerError(`INTEGER longer than ${maxOctets} octets`);
  let v = 0n;
  for (const b of c) v = (v << 8n) | BigInt(b);
  return v;
}
