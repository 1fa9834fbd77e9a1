/**
 * A "sign these bytes with SHA-2" function over an open token key ({@link TokenKey}), the way
 * X.509 signatures need it: CKM_ECDSA over the digest with r||s turned into DER (RFC 5758 §3.2,
 * RFC 3279 §2.2.3) for EC; CKM_SHA256_RSA_PKCS for RSA (RFC 8017 §8.2), or raw CKM_RSA_PKCS over a
 * DigestInfo when the token offers only that. Shared by the CA's token-held signing key and by
 * `rapki enroll --key pkcs11:` (the CSR is signed on the token).
 */
import { createHash } from 'node:crypto';
import { CKK_EC, CKM_ECDSA, CKM_RSA_PKCS, CKM_SHA256_RSA_PKCS, DIGEST_INFO_PREFIX } from './constants.js';
import { rawEcdsaToDer } from './ecdsa-der.js';
import { Pkcs11KeyError } from './errors.js';
import type { TokenKey } from './token-key.js';

/**
 * `hash` is the digest for EC keys (SHA-384 for a P-384 CA, SHA-256 otherwise); RSA always signs
 * with SHA-256. Throws `pkcs11_unsupported_mechanism` when an RSA token offers neither mechanism.
 */
export function tokenKeySigner(key: TokenKey, hash: 'sha256' | 'sha384' = 'sha256'): (data: Uint8Array) => Promise<Uint8Array> {
  if (key.keyType === CKK_EC) {
    return async (data) => rawEcdsaToDer(await key.sign(CKM_ECDSA, createHash(hash).update(data).digest()));
  }
  if (key.mechanisms.has(CKM_SHA256_RSA_PKCS)) {
    return async (data) => Uint8Array.from(await key.sign(CKM_SHA256_RSA_PKCS, data));
  }
  if (key.mechanisms.has(CKM_RSA_PKCS)) {
    return async (data) =>
      Uint8Array.from(await key.sign(CKM_RSA_PKCS, Buffer.concat([DIGEST_INFO_PREFIX.sha256, createHash('sha256').update(data).digest()])));
  }
  throw new Pkcs11KeyError('pkcs11_unsupported_mechanism', `${key.token} offers neither CKM_SHA256_RSA_PKCS nor CKM_RSA_PKCS.`);
}
