/**
 * How a TPM key signs X.509 SigV4 data, chosen as aws_signing_helper chooses it (its
 * `TPMv2Signer.Sign`), so that a key works the same with both:
 *
 * - RSA: TPM2_Sign with RSASSA (PKCS#1 v1.5) and the requested hash over that hash's digest.
 * - ECC: the digest (SHA-256 for CreateSession) is cut or left-padded with zeros to the curve's
 *   byte size, and the TPM is told the hash of that size (SHA-256 for P-256, SHA-384 for P-384).
 *   Padding on the left keeps the integer ECDSA signs unchanged (FIPS 186-5 §6.4.1 uses the
 *   leftmost bits of the digest), so the result is exactly ECDSA with SHA-256, which is what the
 *   service verifies also for P-384 (the official helper's tpm_signer.go does the same). The (r, s)
 *   pair becomes DER.
 *
 * A key whose public area fixes a scheme (not TPM_ALG_NULL) must be signed with that scheme and its
 * hash (Part 3 TPM2_Sign); such keys are accepted when the digest still fits (see `ecDigestSize`).
 */
import { createHash } from 'node:crypto';
import { ecdsaRawToDer } from '../../../../common/src/ecdsa-der.js';
import type { SignDigest } from '../../types.js';
import { TPM_ALG_ECC, TPM_ALG_ECDSA, TPM_ALG_NULL, TPM_ALG_RSASSA, TPM_CURVES, TPM_HASHES, TPMA_OBJECT_RESTRICTED, TPMA_OBJECT_SIGN } from './constants.js';
import type { TpmSignature } from './commands.js';
import { TpmKeyError } from './errors.js';
import type { TpmPublic } from './public-area.js';

/** TPM hash algorithm id of a node digest name. */
const HASH_ID: Readonly<Record<SignDigest, number>> = Object.fromEntries(
  Object.entries(TPM_HASHES)
    .filter(([, h]) => h.name !== 'sha1')
    .map(([id, h]) => [h.name, Number(id)]),
) as Record<SignDigest, number>;

/** One TPM2_Sign call: what to send, and how to turn its answer into signature bytes. */
export interface TpmSignRequest {
  readonly digest: Buffer;
  readonly scheme: number;
  readonly hashAlg: number;
  encode(sig: TpmSignature): Buffer;
}

/** Refuses keys that cannot sign arbitrary data (no sign attribute, restricted, foreign scheme). */
export function checkSigningKey(p: TpmPublic, source: string): void {
  if (!(p.objectAttributes & TPMA_OBJECT_SIGN)) {
    throw new TpmKeyError('tpm_key_unsupported', `${source} is not a signing key (its sign attribute is clear); create the key with the sign attribute.`);
  }
  if (p.objectAttributes & TPMA_OBJECT_RESTRICTED) {
    throw new TpmKeyError(
      'tpm_key_unsupported',
      `${source} is a restricted key: the TPM signs only digests it computed itself with it (attestation keys), not a request.`,
    );
  }
  const allowed = p.type === TPM_ALG_ECC ? TPM_ALG_ECDSA : TPM_ALG_RSASSA;
  if (p.scheme.scheme !== TPM_ALG_NULL && p.scheme.scheme !== allowed) {
    throw new TpmKeyError(
      'tpm_key_unsupported',
      `${source} is fixed to signature scheme 0x${p.scheme.scheme.toString(16)}; Roles Anywhere needs ${p.type === TPM_ALG_ECC ? 'ECDSA' : 'RSASSA-PKCS1-v1_5'}.`,
    );
  }
}

/**
 * Size of the digest sent for an EC key: the curve size when the key leaves the scheme open (as
 * the official helper), else the fixed scheme's hash size, accepted when the message digest fits
 * in it and it does not exceed the curve size (so the TPM uses all of it, unchanged).
 */
function ecDigestSize(p: TpmPublic & { type: typeof TPM_ALG_ECC }, messageDigestSize: number, source: string): { size: number; hashAlg: number } {
  const curve = TPM_CURVES[p.curveId];
  if (curve === undefined) throw new TpmKeyError('tpm_key_unsupported', `${source} is on an ECC curve other than P-256 or P-384.`);
  if (p.scheme.scheme === TPM_ALG_NULL) {
    const entry = Object.entries(TPM_HASHES).find(([, h]) => h.size === curve.bytes);
    return { size: curve.bytes, hashAlg: Number(entry![0]) };
  }
  const fixed = TPM_HASHES[p.scheme.hashAlg ?? TPM_ALG_NULL];
  if (fixed === undefined || fixed.size < Math.min(messageDigestSize, curve.bytes) || fixed.size > curve.bytes) {
    throw new TpmKeyError('tpm_key_unsupported', `${source} is fixed to ECDSA with a hash that cannot carry a SHA-256 signature on its curve.`);
  }
  return { size: fixed.size, hashAlg: p.scheme.hashAlg! };
}

/** Cut to `size` bytes (leftmost) or left-pad with zeros. */
function fit(d: Buffer, size: number): Buffer {
  if (d.length >= size) return d.subarray(0, size);
  return Buffer.concat([Buffer.alloc(size - d.length), d]);
}

/** The TPM2_Sign request for `data` with `digest`. */
export function signRequest(p: TpmPublic, data: Uint8Array, digest: SignDigest, source: string): TpmSignRequest {
  const messageDigest = createHash(digest).update(data).digest();
  if (p.type === TPM_ALG_ECC) {
    const { size, hashAlg } = ecDigestSize(p, messageDigest.length, source);
    const half = TPM_CURVES[p.curveId]!.bytes;
    return {
      digest: fit(messageDigest, size),
      scheme: TPM_ALG_ECDSA,
      hashAlg,
      encode: (sig) => {
        if (sig.kind !== 'ecdsa' || sig.r.length > half || sig.s.length > half) {
          throw new TpmKeyError('tpm_response_invalid', 'TPM2_Sign returned no ECDSA signature of the curve size for an ECC key.');
        }
        return ecdsaRawToDer(Buffer.concat([fit(sig.r, half), fit(sig.s, half)]));
      },
    };
  }
  const hashAlg = HASH_ID[digest];
  if (p.scheme.scheme !== TPM_ALG_NULL && p.scheme.hashAlg !== hashAlg) {
    throw new TpmKeyError('tpm_key_unsupported', `${source} is fixed to RSASSA with another hash than ${digest.toUpperCase()}.`);
  }
  return {
    digest: messageDigest,
    scheme: TPM_ALG_RSASSA,
    hashAlg,
    encode: (sig) => {
      if (sig.kind !== 'rsa' || sig.sigAlg !== TPM_ALG_RSASSA)
        throw new TpmKeyError('tpm_response_invalid', 'TPM2_Sign returned no RSASSA signature for an RSA key.');
      return sig.sig;
    },
  };
}
