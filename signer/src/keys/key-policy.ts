import type { KeyObject } from 'node:crypto';
import { ALGORITHM_ECDSA, ALGORITHM_RSA, ALLOWED_EC_CURVES, MAX_RSA_BITS, MIN_RSA_BITS } from '../constants.js';
import { SignerError } from '../errors.js';
import type { SigningAlgorithm } from '../types.js';

/**
 * Which keys rapki signs with, and the X.509 SigV4 algorithm each implies (User Guide, "Signing process"):
 * RSA 2048..8192 bits (PKCS#1 v1.5) and EC P-256/P-384 (ECDSA, SHA-256). 8192 is accepted because
 * the service documents no upper bound and such keys exist in the field; below 2048 is refused as
 * weak. Ed25519/Ed448/DSA/RSA-PSS and other curves are not X.509 SigV4 algorithms at all.
 */
export function algorithmForKey(key: KeyObject): SigningAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) {
      throw new SignerError(
        'rsa_key_too_small',
        `The RSA key has ${bits} bits; Roles Anywhere needs at least ${MIN_RSA_BITS}. Issue a new key and certificate (e.g. rsa-3072 or ec-p256).`,
      );
    }
    if (bits > MAX_RSA_BITS) {
      throw new SignerError('rsa_key_too_large', `The RSA key has ${bits} bits; rapki accepts at most ${MAX_RSA_BITS}.`);
    }
    return ALGORITHM_RSA;
  }
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
    if (!(ALLOWED_EC_CURVES as readonly string[]).includes(curve)) {
      throw new SignerError('unsupported_curve', `The EC key is on curve ${curve}; only P-256 (prime256v1) and P-384 (secp384r1) are supported.`);
    }
    return ALGORITHM_ECDSA;
  }
  throw new SignerError(
    'unsupported_key_type',
    `The private key is of type ${type ?? 'unknown'}; Roles Anywhere signing supports RSA (2048+ bits) and EC P-256/P-384 keys only.`,
  );
}
