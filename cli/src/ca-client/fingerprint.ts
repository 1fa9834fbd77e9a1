/**
 * Root certificate fingerprints: the one thing a host must know to trust the CA.
 *
 * Why: `rapki enroll` runs on a fresh host that has no CA bundle yet; it pins the CA by the SHA-256
 * of the root certificate's DER (as `openssl x509 -fingerprint -sha256` prints it, and as `rapki ca
 * init` prints it), which the operator passes along with the token, as step-ca does with
 * `--fingerprint`.
 */
import { timingSafeEqual } from 'node:crypto';
import { caClientError } from './errors.js';

/**
 * Normalize a SHA-256 fingerprint given in any common form (upper/lower case, `:` or space
 * separated, optional `sha256:` / `SHA256 Fingerprint=` prefix) to 64 lower-case hex digits.
 */
export function normalizeFingerprint(input: string): string {
  if (typeof input !== 'string') throw new TypeError('fingerprint must be a string');
  let s = input.trim();
  if (s.length > 300) throw caClientError('ca_fingerprint_invalid');
  s = s.replace(/^sha-?256\s*(fingerprint)?\s*[=:]\s*/i, '');
  const hex = s.replace(/[:\s-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw caClientError('ca_fingerprint_invalid');
  return hex;
}

/** Constant-time comparison of two normalized fingerprints. */
export function fingerprintsEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ba.length === 32 && bb.length === 32 && timingSafeEqual(ba, bb);
}
