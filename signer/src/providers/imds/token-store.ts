/**
 * Session tokens of the IMDSv2-compatible endpoint.
 *
 * Why hashed: the store keeps only SHA-256 digests, so a heap dump or debug log of the store
 * reveals no usable token; lookups go by digest, so no byte-wise comparison of the secret happens
 * (nothing to time). Limits follow the helper (signer-spec.md §3.4): at most 256 live tokens, the
 * earliest-expiring one is evicted to make room, expired ones are swept periodically.
 */
import { createHash } from 'node:crypto';
import { MAX_LIVE_TOKENS, MAX_TOKEN_HEADER_LENGTH, TOKEN_LENGTH, TOKEN_RANDOM_BYTES } from './constants.js';

export interface TokenStoreOptions {
  /** Milliseconds since the epoch (injected clock). */
  readonly now: () => number;
  /** Cryptographically secure random bytes (injected for tests). */
  readonly randomBytes: (size: number) => Uint8Array;
  readonly maxTokens?: number | undefined;
}

function digest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class TokenStore {
  readonly #byDigest = new Map<string, number>();
  readonly #now: () => number;
  readonly #random: (size: number) => Uint8Array;
  readonly #max: number;

  constructor(options: TokenStoreOptions) {
    this.#now = options.now;
    this.#random = options.randomBytes;
    this.#max = options.maxTokens ?? MAX_LIVE_TOKENS;
  }

  /** Number of tokens held (live or not yet swept). */
  get size(): number {
    return this.#byDigest.size;
  }

  /** Mints a token valid for `ttlSeconds` (already validated by the caller). */
  issue(ttlSeconds: number): string {
    this.sweep();
    while (this.#byDigest.size >= this.#max) this.#evictEarliest();
    const token = Buffer.from(this.#random(TOKEN_RANDOM_BYTES)).toString('base64url').slice(0, TOKEN_LENGTH);
    this.#byDigest.set(digest(token), this.#now() + ttlSeconds * 1000);
    return token;
  }

  /** True when `token` was issued here and has not expired. */
  verify(token: string): boolean {
    if (token.length === 0 || token.length > MAX_TOKEN_HEADER_LENGTH) return false;
    const d = digest(token);
    const expiresAt = this.#byDigest.get(d);
    if (expiresAt === undefined) return false;
    if (expiresAt <= this.#now()) {
      this.#byDigest.delete(d);
      return false;
    }
    return true;
  }

  /** Drops expired tokens. */
  sweep(): void {
    const now = this.#now();
    for (const [d, exp] of this.#byDigest) if (exp <= now) this.#byDigest.delete(d);
  }

  #evictEarliest(): void {
    let victim: string | undefined;
    let earliest = Infinity;
    for (const [d, exp] of this.#byDigest) {
      if (exp < earliest) {
        earliest = exp;
        victim = d;
      }
    }
    if (victim !== undefined) this.#byDigest.delete(victim);
  }
}
