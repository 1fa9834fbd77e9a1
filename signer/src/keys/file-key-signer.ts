import { sign as cryptoSign, X509Certificate, type KeyObject } from 'node:crypto';
import { SIGNING_DIGEST } from '../constants.js';
import { SignerError } from '../errors.js';
import type { KeySigner, SignDigest } from '../types.js';
import { algorithmForKey } from './key-policy.js';

const DIGESTS: ReadonlySet<string> = new Set(['sha256', 'sha384', 'sha512']);

/**
 * A KeySigner over an in-memory node:crypto key. Checks at construction that the key type is
 * allowed and that the key belongs to the certificate (`X509Certificate#checkPrivateKey`), so a
 * mismatch is reported locally instead of as the service's opaque "Invalid signature".
 *
 * `sign` is `crypto.sign('sha256', data, key)`: RSASSA-PKCS1-v1_5 for RSA, DER-encoded ECDSA for EC
 * (SHA-256 for every curve, as Roles Anywhere verifies). The key object is kept in a closure, never exposed.
 */
export function createFileKeySigner(key: KeyObject, certificate: Uint8Array, chain: readonly Uint8Array[]): KeySigner {
  const algorithm = algorithmForKey(key);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certificate);
  } catch (err) {
    throw new SignerError('certificate_unparsable', 'The certificate could not be parsed as X.509.', { cause: err });
  }
  if (!x509.checkPrivateKey(key)) {
    throw new SignerError(
      'key_certificate_mismatch',
      `The private key does not belong to the certificate (serial ${x509.serialNumber}); pass the key that was used to request this certificate.`,
    );
  }
  const frozenChain = Object.freeze(chain.map((c) => Uint8Array.from(c)));
  return Object.freeze({
    certificate: Uint8Array.from(certificate),
    chain: frozenChain,
    algorithm,
    sign(data: Uint8Array): Promise<Uint8Array> {
      return Promise.resolve(cryptoSign(SIGNING_DIGEST, data, key));
    },
    signWithDigest(data: Uint8Array, digest: SignDigest): Promise<Uint8Array> {
      if (!DIGESTS.has(digest)) {
        return Promise.reject(new SignerError('unsupported_digest', `Digest ${String(digest)} is not supported; use SHA256, SHA384 or SHA512.`));
      }
      return Promise.resolve(cryptoSign(digest, data, key));
    },
  });
}
