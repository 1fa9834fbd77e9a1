/**
 * Admin tokens as the API names them (docs/ca-api.md "Admin tokens"): roles, the name rule, the
 * public id, the longest lifetime.
 */
import type { NameCheck } from '../name-policy.js';

export const ADMIN_TOKEN_ROLES = ['admin', 'operator'] as const;
export type AdminTokenRole = (typeof ADMIN_TOKEN_ROLES)[number];

/** Longest lifetime a new admin token may ask for (ten years); no `ttl`: it does not expire. */
export const ADMIN_TOKEN_MAX_TTL_SECONDS = 3650 * 86_400;

/** Names are short and print without quoting. */
const NAME = /^[A-Za-z0-9._@-]{1,64}$/;
/** The public id: the first 16 hex digits of the token's SHA-256. */
export const ADMIN_TOKEN_ID = /^[0-9a-f]{16}$/;

export function checkAdminTokenName(name: unknown): NameCheck<string> {
  return typeof name === 'string' && NAME.test(name) ? { ok: true, value: name } : { ok: false, reason: 'a name is 1-64 characters [A-Za-z0-9._@-]' };
}

export function isAdminTokenRole(role: unknown): role is AdminTokenRole {
  return (ADMIN_TOKEN_ROLES as readonly unknown[]).includes(role);
}
