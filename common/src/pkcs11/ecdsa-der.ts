/**
 * CKM_ECDSA returns the raw signature r || s, each half the size of the group order (PKCS#11 v2.40
 * §2.3.1); X.509 SigV4 (like TLS and X.509) wants the DER of RFC 3279 §2.2.3. The conversion itself
 * is `common/src/ecdsa-der.ts`; here a token's malformed answer becomes a PKCS#11 error.
 */
import { ecdsaRawToDer, isRawEcdsaSignature } from '../ecdsa-der.js';
import { Pkcs11KeyError } from './errors.js';

/** DER ECDSA-Sig-Value of a raw r || s signature (even, non-empty length). */
export function rawEcdsaToDer(raw: Uint8Array): Buffer {
  if (!isRawEcdsaSignature(raw)) {
    throw new Pkcs11KeyError('pkcs11_operation_failed', `The token returned an ECDSA signature of ${raw.length} bytes; expected r || s of equal halves.`);
  }
  return ecdsaRawToDer(raw);
}
