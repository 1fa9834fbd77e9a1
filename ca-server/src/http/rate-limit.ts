/**
 * Token-bucket rate limiting per client IP (docs/security.md C19), so one client cannot starve the others.
 * In memory, bounded: at most `maxKeys` buckets; full buckets are the first to be forgotten.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Clock } from '../../../common/src/clock-and-random.js';
import type { RateLimit } from '../config.js';
import { caError } from '../errors.js';

export class TokenBucketLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    readonly limit: RateLimit,
    readonly clock: Clock,
    readonly maxKeys = 10_000,
  ) {}

  /** Takes one token for `key`; returns 0 when allowed, else the seconds to wait. */
  take(key: string): number {
    const now = this.clock().getTime();
    let b = this.#buckets.get(key);
    if (!b) {
      if (this.#buckets.size >= this.maxKeys) this.#evict(now);
      b = { tokens: this.limit.burst, at: now };
      this.#buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.limit.burst, b.tokens + ((now - b.at) / 1000) * this.limit.ratePerSecond);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.limit.ratePerSecond));
  }

  #evict(now: number): void {
    for (const [k, b] of this.#buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.limit.ratePerSecond >= this.limit.burst) this.#buckets.delete(k);
    }
    if (this.#buckets.size >= this.maxKeys) {
      const first = this.#buckets.keys().next().value;
      if (first !== undefined) this.#buckets.delete(first);
    }
  }
}

export function rateLimit(limiter: TokenBucketLimiter) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const wait = limiter.take(req.socket.remoteAddress ?? 'unknown');
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      next(caError('rate_limited'));
      return;
    }
    next();
  };
}
