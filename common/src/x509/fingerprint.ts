/**
 * SHA-256 fingerprints: lower-case hex of the SHA-256 of a certificate's DER (what `openssl x509
 * -fingerprint -sha256` prints, without the colons), the CA's issuer ids and the `--ca-fingerprint`
 * pin; also used for the digest of a CRL's PEM that the CRL sync records.
 *
 * Uses node:crypto, so it stays off the credential-process start-up path (the signer's credential
 * cache has its own dependency-free SHA-256 for that reason).
 */
import { createHash } from 'node:crypto';

/** SHA-256 of `data` (DER bytes, or text as UTF-8), lower-case hex. */
export function sha256Fingerprint(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
