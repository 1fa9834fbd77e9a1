/**
 * ECDSA signatures as devices return them, r || s with each half the size of the group order
 * (PKCS#11 CKM_ECDSA, v2.40 §2.3.1; TPM2_Sign's TPMS_SIGNATURE_ECC padded to the curve size), to
 * the DER `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` of RFC 3279 §2.2.3 that X.509
 * SigV4, TLS and X.509 use. Shared by the PKCS#11 and TPM key sources.
 */
import { integerFromUnsigned, sequence } from './der/writer.js';

/** True when `raw` can be r || s: even, non-empty, at most two 132-octet halves (P-521). */
export function isRawEcdsaSignature(raw: Uint8Array): boolean {
  return raw.length > 0 && raw.length % 2 === 0 && raw.length <= 264;
}

/** DER ECDSA-Sig-Value of a raw r || s signature; throws RangeError unless {@link isRawEcdsaSignature}. */
export function ecdsaRawToDer(raw: Uint8Array): Buffer {
  if (!isRawEcdsaSignature(raw)) throw new RangeError(`an ECDSA signature of ${raw.length} bytes is not r || s of equal halves`);
  const half = raw.length / 2;
  const der = sequence(integerFromUnsigned(raw.subarray(0, half)), integerFromUnsigned(raw.subarray(half)));
  return Buffer.from(der.buffer, der.byteOffset, der.byteLength);
}
