/**
 * The signer's DER (ITU-T X.690) helpers: the element reader shared with the CA server
 * (`common/src/der-reader.ts`), plus OBJECT IDENTIFIER decoding and element slicing — just enough
 * to walk a certificate.
 */

import { DerError, oidToString, type Tlv } from '../../../common/src/der-reader.js';

export { children, DerError, expectTlv, readTlv, type Tlv } from '../../../common/src/der-reader.js';

/** Dotted form of an OBJECT IDENTIFIER element (X.690 §8.19). */
export function decodeOid(bytes: Uint8Array, tlv: Tlv): string {
  if (tlv.tag !== 0x06 || tlv.end === tlv.start) throw new DerError('not an OBJECT IDENTIFIER');
  return oidToString(bytes.subarray(tlv.start, tlv.end));
}

/** The bytes of a whole element (header included). */
export function elementBytes(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.offset, tlv.end);
}

/** The content octets of an element. */
export function contentBytes(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.start, tlv.end);
}
