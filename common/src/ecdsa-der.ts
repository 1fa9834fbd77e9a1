/**
 * ECDSA signatures as devices return them, r || s with each half the size of the group order
 * (PKCS#11 CKM_ECDSA, v2.40 §2.3.1; TPM2_Sign's TPMS_SIGNATURE_ECC padded to the curve size), to
 * the DER `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` of RFC 3279 §2.2.3 that X.509
 * SigV4, TLS and X.509 use. Shared by the PKCS#11 and TPM key sources.
 */

function derInteger(bytes: Uint8Array): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  let v = Buffer.from(bytes.subarray(i));
  if ((v[0] as number) & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
  return Buffer.concat([Buffer.from([0x02]), derLength(v.length), v]);
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}

/** True when `raw` can be r || s: even, non-empty, at most two 132-octet halves (P-521). */
export function isRawEcdsaSignature(raw: Uint8Array): boolean {
  return raw.length > 0 && raw.length % 2 === 0 && raw.length <= 264;
}

/** DER ECDSA-Sig-Value of a raw r || s signature; throws RangeError unless {@link isRawEcdsaSignature}. */
export function ecdsaRawToDer(raw: Uint8Array): Buffer {
  if (!isRawEcdsaSignature(raw)) throw new RangeError(`an ECDSA signature of ${raw.length} bytes is not r || s of equal halves`);
  const half = raw.length / 2;
  const body = Buffer.concat([derInteger(raw.subarray(0, half)), derInteger(raw.subarray(half))]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}
