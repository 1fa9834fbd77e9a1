import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { RapkiError } from '../../../common/src/errors.js';
import type { CaKeyType, CaSigner } from '../x509/types.js';

/** The CA key type of a private key, or a coded error for keys a CA may not use. */
export function caKeyTypeOf(key: KeyObject): CaKeyType {
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    if (d.namedCurve === 'prime256v1') return 'ec-p256';
    if (d.namedCurve === 'secp384r1') return 'ec-p384';
  } else if (key.asymmetricKeyType === 'rsa') {
    if (d.modulusLength === 3072) return 'rsa-3072';
    if (d.modulusLength === 4096) return 'rsa-4096';
  }
  throw new RapkiError('ca_key_unsupported', 'the CA key must be EC P-256/P-384 or RSA 3072/4096');
}

/**
 * A `CaSigner` over a node private key.
 *
 * Algorithms: P-256 → ecdsa-with-SHA256, P-384 → ecdsa-with-SHA384 (RFC 5758 §3.2: hash matched
 * to the curve), RSA → sha256WithRSAEncryption (PKCS#1 v1.5, RFC 8017 §8.2; Roles Anywhere signs
 * and checks RSA with PKCS#1 v1.5). ECDSA signatures come out DER-encoded (`Ecdsa-Sig-Value`),
 * as certificates need. EC signing is sub-millisecond and runs inline; RSA runs on the libuv
 * thread pool so a server keeps serving while it signs.
 */
export function caSignerFromPrivateKey(key: KeyObject): CaSigner {
  if (key.type !== 'private') throw new TypeError('caSignerFromPrivateKey needs a private key');
  const keyType = caKeyTypeOf(key);
  const publicKeySpki = new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }));
  if (keyType === 'ec-p256' || keyType === 'ec-p384') {
    const hash = keyType === 'ec-p256' ? 'sha256' : 'sha384';
    return Object.freeze({
      keyType,
      publicKeySpki,
      signatureAlgorithm: keyType === 'ec-p256' ? ('ecdsa-with-SHA256' as const) : ('ecdsa-with-SHA384' as const),
      sign: (tbs: Uint8Array): Promise<Uint8Array> => {
        try {
          return Promise.resolve(sign(hash, tbs, { key, dsaEncoding: 'der' }));
        } catch (err) {
          return Promise.reject(err);
        }
      },
    });
  }
  return Object.freeze({
    keyType,
    publicKeySpki,
    signatureAlgorithm: 'sha256WithRSAEncryption' as const,
    sign: (tbs: Uint8Array): Promise<Uint8Array> =>
      new Promise<Uint8Array>((resolve, reject) => {
        sign('sha256', tbs, key, (err, sig) => (err ? reject(err) : resolve(sig)));
      }),
  });
}
