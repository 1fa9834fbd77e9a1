import { createHash } from 'node:crypto';
import { children, contentBytes, expectTlv } from '../../../common/src/der/reader.js';
import { Tag } from '../../../common/src/der/writer.js';

/**
 * The `subjectPublicKey` BIT STRING content (without the unused-bits byte) of a DER
 * SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
 */
export function subjectPublicKeyBits(spki: Uint8Array): Uint8Array {
  const seq = expectTlv(spki, 0, Tag.SEQUENCE, spki.length, 'SubjectPublicKeyInfo');
  const [alg, bits] = children(spki, seq);
  if (!alg || alg.tag !== Tag.SEQUENCE || !bits || bits.tag !== Tag.BIT_STRING || bits.end - bits.start < 2) {
    throw new TypeError('malformed SubjectPublicKeyInfo');
  }
  return contentBytes(spki, bits).subarray(1);
}

/**
 * Key identifier by RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING
 * value. Used for SKI of every certificate we make and for AKI of what it issues.
 */
export function keyIdentifier(spki: Uint8Array): Uint8Array {
  return createHash('sha1').update(subjectPublicKeyBits(spki)).digest();
}
