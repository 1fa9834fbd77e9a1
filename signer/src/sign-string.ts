import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { SIGN_STRING_PREFIX, SIGN_STRING_PUBKEY_LABEL, SIGN_STRING_VERSION } from './constants.js';
import { SignerError } from './errors.js';
import type { KeySigner, SignDigest } from './types.js';

/**
 * Public key bytes as the helper hashes them: the uncompressed EC point `04‖X‖Y` (SEC 1 §2.3.3) or
 * the PKCS#1 RSAPublicKey DER (RFC 8017 §A.1.1).
 */
export function publicKeyBytes(publicKey: KeyObject): Buffer {
  if (publicKey.asymmetricKeyType === 'rsa') return publicKey.export({ type: 'pkcs1', format: 'der' });
  if (publicKey.asymmetricKeyType === 'ec') {
    const jwk = publicKey.export({ format: 'jwk' });
    return Buffer.concat([Buffer.of(4), Buffer.from(jwk.x as string, 'base64url'), Buffer.from(jwk.y as string, 'base64url')]);
  }
  throw new SignerError('unsupported_key_type', `sign-string supports RSA and EC certificates, not ${publicKey.asymmetricKeyType ?? 'unknown'}.`);
}

/**
 * The official `sign-string` test payload (as aws_signing_helper's `sign-string` builds it):
 * `"AWS Roles Anywhere Credential Helper Signing Test" ‖ "1" ‖ SHA-256("IAM RA" ‖ pubkey)`,
 * the digest appended as 32 raw bytes.
 */
export function signStringPayload(certificateDer: Uint8Array): Buffer {
  const pub = publicKeyBytes(new X509Certificate(certificateDer).publicKey);
  const digest = createHash('sha256').update(SIGN_STRING_PUBKEY_LABEL, 'utf8').update(pub).digest();
  return Buffer.concat([Buffer.from(SIGN_STRING_PREFIX + SIGN_STRING_VERSION, 'utf8'), digest]);
}

/**
 * Signs the test payload with the signer's key and the chosen digest (default SHA-256); returns the
 * signature bytes (RSA PKCS#1 v1.5, or DER ECDSA). Used to check a key without calling AWS.
 */
export async function signString(signer: KeySigner, digest: SignDigest = 'sha256'): Promise<Uint8Array> {
  const payload = signStringPayload(signer.certificate);
  if (digest === 'sha256') return signer.sign(payload);
  if (!signer.signWithDigest) {
    throw new SignerError('unsupported_digest', `This key source signs with SHA256 only; ${digest.toUpperCase()} is not available.`);
  }
  return signer.signWithDigest(payload, digest);
}
