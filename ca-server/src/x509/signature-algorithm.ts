import { DER_NULL, oid, sequence } from '../../../common/src/der/writer.js';
import { SIGNATURE_ALGORITHMS } from './constants.js';
import type { CaSigner } from './types.js';

const CACHE = new Map<string, Uint8Array>();

/**
 * DER AlgorithmIdentifier of a signer's algorithm: ECDSA without parameters (RFC 5758 §3.2),
 * RSA PKCS#1 v1.5 with NULL parameters (RFC 4055 §5).
 */
export function signatureAlgorithmIdentifier(name: CaSigner['signatureAlgorithm']): Uint8Array {
  let der = CACHE.get(name);
  if (!der) {
    const alg = SIGNATURE_ALGORITHMS[name];
    if (!alg) throw new TypeError(`unsupported signature algorithm ${String(name)}`);
    der = alg.nullParams ? sequence(oid(alg.oid), DER_NULL) : sequence(oid(alg.oid));
    CACHE.set(name, der);
  }
  return der;
}
