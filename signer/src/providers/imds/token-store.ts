/**
 * Session tokens of the IMDSv2-compatible endpoint.
 *
 * Why hashed: the store keeps only SHA-256 digests, so a heap dump or debug log of the store
 * reveals no usable token; lookups go by digest, so no byte-wise comparison of the secret happens
 * (nothing to time). At most 256 live tokens (the helper's limit, aws_signing_helper/serve.go); tokens end
 * only by their TTL (swept periodically). At the cap a new token is refused — the caller answers
 * 429 — instead of evicting one as the helper does: eviction let any local process mint 256
 * tokens and log every other client (an SDK mid-refresh) out.
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

  /**
   * Mints a token valid for `ttlSeconds` (already validated by the caller), or refuses while
   * `maxTokens` are live, saying when the earliest of them expires.
   */
  issue(ttlSeconds: number): { ok: true; token: string } | { ok: false; retryAfterSeconds: number } {
    this.sweep();
    if (this.#byDigest.size >= this.#max) {
      let earliest = Infinity;
      for (const exp of this.#byDigest.values()) earliest = Math.min(earliest, exp);
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((earliest - this.#now()) / 1000)) };
    }
    const token = Buffer.from(this.#random(TOKEN_RANDOM_BYTES)).toString('base64url').slice(0, TOKEN_LENGTH);
    this.#byDigest.set(digest(token), this.#now() + ttlSeconds * 1000);
    return { ok: true, token };
  }

  /** True when `token` was issued here and has not expired. */
  verify(token: string): boolean {
    return this.remainingSeconds(token) !== undefined;
  }

  /** Whole seconds `token` has left (0 in its last second), or undefined when unknown or expired. */
  remainingSeconds(token: string): number | undefined {
    if (token.length === 0 || token.length > MAX_TOKEN_HEADER_LENGTH) return undefined;
    const d = digest(token);
    const expiresAt = this.#byDigest.get(d);
    if (expiresAt === undefined) return undefined;
    const left = expiresAt - this.#now();
    if (left <= 0) {
      this.#byDigest.delete(d);
      return undefined;
    }
    return Math.floor(left / 1000);
  }

  /** Drops expired tokens. */
  sweep(): void {
    const now = this.#now();
    for (const [d, exp] of this.#byDigest) if (exp <= now) this.#byDigest.delete(d);
  }
}
