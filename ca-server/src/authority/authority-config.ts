/**
 * Limits and lifetimes of the authority. Defaults are named constants (step-ca style); the
 * config is validated once and frozen.
 */
import { caError } from '../errors.js';

export interface AuthorityConfig {
  readonly defaultTokenTtlSeconds: number;
  readonly maxTokenTtlSeconds: number;
  readonly defaultCertTtlSeconds: number;
  readonly maxCertTtlSeconds: number;
  /** CRL validity (nextUpdate - thisUpdate). */
  readonly crlValiditySeconds: number;
  /** The CRL is rebuilt on a timer every this many seconds (default 1/3 of its validity). */
  readonly crlRefreshSeconds: number;
}

export const DEFAULT_AUTHORITY_CONFIG: AuthorityConfig = Object.freeze({
  defaultTokenTtlSeconds: 3600,
  maxTokenTtlSeconds: 7 * 86400,
  defaultCertTtlSeconds: 86400,
  maxCertTtlSeconds: 30 * 86400,
  crlValiditySeconds: 86400,
  crlRefreshSeconds: 8 * 3600,
});

export function authorityConfig(overrides: Partial<AuthorityConfig> = {}): AuthorityConfig {
  const c = { ...DEFAULT_AUTHORITY_CONFIG, ...overrides };
  for (const [k, v] of Object.entries(c)) {
    if (!Number.isInteger(v) || v <= 0) throw caError('ca_config_invalid', `${k} must be a positive integer.`);
  }
  if (c.defaultTokenTtlSeconds > c.maxTokenTtlSeconds || c.defaultCertTtlSeconds > c.maxCertTtlSeconds) {
    throw caError('ca_config_invalid', 'A default lifetime is longer than its maximum.');
  }
  if (c.crlRefreshSeconds >= c.crlValiditySeconds) throw caError('ca_config_invalid', 'crlRefreshSeconds must be shorter than crlValiditySeconds.');
  return Object.freeze(c);
}
