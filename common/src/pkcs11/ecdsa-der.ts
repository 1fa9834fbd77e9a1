/**
 * CKM_ECDSA returns the raw signature r || s, each half the size of the group order (PKCS#11 v2.40
 * §2.3.1); X.509 SigV4 (like TLS and X.509) wants the DER `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER,
 * s INTEGER }` of RFC 3279 §2.2.3.
 */
import { Pkcs11KeyError } from './errors.js';

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

/** DER ECDSA-Sig-Value of a raw r || s signature (even, non-empty length). */
export function rawEcdsaToDer(raw: Uint8Array): Buffer {
  if (raw.length === 0 || raw.length % 2 !== 0 || raw.length > 264) {
    throw new Pkcs11KeyError('pkcs11_operation_failed', `The token returned an ECDSA signature of ${raw.length} bytes; expected r || s of equal halves.`);
  }
  const half = raw.length / 2;
  const body = Buffer.concat([derInteger(raw.subarray(0, half)), derInteger(raw.subarray(half))]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}
