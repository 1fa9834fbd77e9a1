/**
 * `backup.sig`: the CA root's signature over the exact bytes of `backup.json`.
 *
 * Why: the manifest's SHA-256 list only detects damage. Whoever can write to a backup can also
 * edit `ca.db` (plant an admin token, un-revoke a certificate) and recompute every hash and the
 * audit chain. A signature made with the root key, which the backup holds only encrypted (or not
 * at all, on a PKCS#11 token), cannot be recomputed; `ca restore` checks it against the root the
 * operator expects (`--expect-fingerprint`), so swapping in a whole other CA is refused too.
 *
 * Why the root key and not the issuing one: the root is what operators pin (the fingerprint), and
 * an intermediate, even a retired or compromised one, cannot sign a backup of this CA.
 */
import { createHash, verify, X509Certificate } from 'node:crypto';
import { digestsEqual } from '../authority/secret-tokens.js';
import type { IssuerContext } from '../authority/issuer.js';
import { SIGNATURE_ALGORITHMS } from '../x509/constants.js';
import type { CaSigner } from '../x509/types.js';
import { SIGNATURE_FORMAT, SIGNATURE_VERSION } from './constants.js';
import { backupError } from './errors.js';

/** Contents of `backup.sig` (JSON). */
export interface BackupSignature {
  readonly format: typeof SIGNATURE_FORMAT;
  readonly version: typeof SIGNATURE_VERSION;
  /** The signer's algorithm (as in certificates): ecdsa-with-SHA256/384 or sha256WithRSAEncryption. */
  readonly algorithm: CaSigner['signatureAlgorithm'];
  /** SHA-256 of the root certificate that signed (hex). */
  readonly signer: string;
  /** SHA-256 of the signed `backup.json` bytes (hex), for a clear error before the signature check. */
  readonly manifestSha256: string;
  /** Base64 of the signature (ECDSA: DER). */
  readonly signature: string;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Signs the manifest bytes with the root key (`root` from `openIssuingKey({ which: 'root' })`). */
export async function signManifest(manifest: Uint8Array, root: IssuerContext): Promise<BackupSignature> {
  const signature = await root.signer.sign(manifest);
  return {
    format: SIGNATURE_FORMAT,
    version: SIGNATURE_VERSION,
    algorithm: root.signer.signatureAlgorithm,
    signer: sha256(root.certificate),
    manifestSha256: sha256(manifest),
    signature: Buffer.from(signature).toString('base64'),
  };
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Checks `sigText` over `manifest` with the root certificate `rootDer` (whose fingerprint the caller
 * has already compared with the one the operator expects). Throws `backup_signature_invalid`.
 */
export function verifyManifestSignature(manifest: Uint8Array, sigText: string, rootDer: Uint8Array): void {
  const bad = (why: string): never => {
    throw backupError(
      'backup_signature_invalid',
      `backup.sig does not verify: ${why}. The backup was changed after it was made, or it is not from this CA; do not restore it.`,
    );
  };
  let raw: unknown;
  try {
    raw = JSON.parse(sigText);
  } catch {
    bad('not JSON');
  }
  const s = raw as Partial<BackupSignature> | null;
  if (typeof s !== 'object' || s === null || s.format !== SIGNATURE_FORMAT || s.version !== SIGNATURE_VERSION) bad('unknown format');
  const alg = SIGNATURE_ALGORITHMS[s!.algorithm as CaSigner['signatureAlgorithm']];
  if (!alg || !Object.hasOwn(SIGNATURE_ALGORITHMS, String(s!.algorithm))) bad('unknown algorithm');
  if (typeof s!.signer !== 'string' || !HEX64.test(s!.signer) || !digestsEqual(s!.signer, sha256(rootDer))) bad('signed by another root');
  if (typeof s!.manifestSha256 !== 'string' || !HEX64.test(s!.manifestSha256) || !digestsEqual(s!.manifestSha256, sha256(manifest)))
    bad('backup.json was changed');
  if (typeof s!.signature !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(s!.signature) || s!.signature.length > 2048) bad('malformed signature');
  let ok: boolean;
  try {
    const key = new X509Certificate(rootDer).publicKey;
    ok = verify(alg!.hash, manifest, { key, dsaEncoding: 'der' }, Buffer.from(s!.signature!, 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) bad("the signature is not the root key's");
}
