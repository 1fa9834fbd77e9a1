/**
 * Bearer secrets: one-time enrollment tokens (`rapki_et_…`) and admin tokens (`rapki_at_…`).
 *
 * Why this shape: 32 random bytes (256 bits) make guessing pointless; the prefix lets secret
 * scanners and humans recognise them; only SHA-256 of the token is stored, so a stolen database
 * does not yield usable tokens (a fast hash is enough for 256-bit random secrets). Lookup is by hash
 * and the found hash is compared again in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RandomSource } from '../../../common/src/clock-and-random.js';

export const ENROLLMENT_TOKEN_PREFIX = 'rapki_et_';
export const ADMIN_TOKEN_PREFIX = 'rapki_at_';
const TOKEN_BYTES = 32;
const BODY_RE = /^[A-Za-z0-9_-]{43}$/;

export function newSecretToken(prefix: string, random: RandomSource): string {
  return prefix + Buffer.from(random(TOKEN_BYTES)).toString('base64url');
}

/** SHA-256 hex of the whole token string. */
export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** True when `token` has the prefix and 43 base64url characters. */
export function isWellFormedToken(token: string, prefix: string): boolean {
  return token.startsWith(prefix) && BODY_RE.test(token.slice(prefix.length));
}

/** Constant-time comparison of two hex digests of equal length. */
export function digestsEqual(aHex: string, bHex: string): boolean {
  const a = Buffer.from(aHex, 'hex');
  const b = Buffer.from(bHex, 'hex');
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}
