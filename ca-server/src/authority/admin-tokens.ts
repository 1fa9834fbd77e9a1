/**
 * Admin bearer tokens: create (with an optional lifetime), authenticate, list, revoke
 * (docs/ca-api.md "Admin tokens", docs/security.md C24).
 *
 * Why a separate unit: the authority delegates here so that token lifecycle rules live in one
 * place. The rules:
 * - only the SHA-256 is stored; the secret is returned once by {@link AdminTokens.create};
 * - the public id is the first 16 hex digits of that hash (the `tokenId` of audit records), so
 *   listing and revoking never need the secret;
 * - an expired or revoked token authenticates exactly like an unknown one (`undefined` → the
 *   same 401 `unauthorized`), after the same constant-time digest comparison, so a caller cannot
 *   tell the three apart (RFC 6750 §3.1 `invalid_token` covers all of them);
 * - last use is written at most once a minute per token ({@link LAST_USED_MIN_INTERVAL_MS}), so
 *   a busy admin client does not turn every read into a synchronous SQLite commit;
 * - the last usable admin-role token cannot be revoked (`last_admin_token`), which would leave
 *   nobody able to manage the CA short of editing `ca.db`.
 */
import { caError } from '../errors.js';
import type { CaStore } from '../store/ca-store.js';
import type { AdminRole, AdminTokenRecord } from '../store/types.js';
import { ADMIN_TOKEN_ID, ADMIN_TOKEN_MAX_TTL_SECONDS, checkAdminTokenName, isAdminTokenRole } from '../../../common/src/contract/admin-tokens.js';
import type { Clock, RandomSource } from '../../../common/src/clock-and-random.js';
import { ADMIN_TOKEN_PREFIX, digestsEqual, hashSecretToken, isWellFormedToken, newSecretToken } from './secret-tokens.js';

/** Last-use writes are throttled to one per token per minute. */
export const LAST_USED_MIN_INTERVAL_MS = 60_000;

export type AdminTokenStatus = 'active' | 'expired' | 'revoked';

export interface AdminTokenDeps {
  readonly store: Pick<CaStore, 'findAdminToken' | 'createAdminToken' | 'listAdminTokens' | 'revokeAdminToken' | 'touchAdminToken'>;
  readonly clock: Clock;
  readonly random: RandomSource;
}

/** An authenticated admin or operator token: public id, name, role. */
export interface AdminPrincipalRecord {
  readonly id: string;
  readonly name: string;
  readonly role: AdminRole;
}

export interface CreatedAdminToken {
  readonly token: string;
  readonly id: string;
  readonly name: string;
  readonly role: AdminRole;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
}

/** Derived status at `now` (revocation wins over expiry). */
export function adminTokenStatus(rec: Pick<AdminTokenRecord, 'expiresAt' | 'revokedAt'>, now: Date): AdminTokenStatus {
  if (rec.revokedAt) return 'revoked';
  if (rec.expiresAt && rec.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

export class AdminTokens {
  readonly #d: AdminTokenDeps;

  constructor(deps: AdminTokenDeps) {
    this.#d = deps;
  }

  /** Creates an admin or operator bearer token; returns the secret once. */
  async create(input: { name: string; role: AdminRole; ttlSeconds?: number | undefined }, actor: string): Promise<CreatedAdminToken> {
    // The contract's rules (common/src/contract/admin-tokens.ts), the ones the CLI checks with.
    if (!checkAdminTokenName(input.name).ok) throw caError('invalid_request', 'name must be 1-64 characters [A-Za-z0-9._@-].');
    if (!isAdminTokenRole(input.role)) throw caError('invalid_request', 'role must be admin or operator.');
    const ttl = input.ttlSeconds;
    if (ttl !== undefined && ttl > ADMIN_TOKEN_MAX_TTL_SECONDS) {
      throw caError('ttl_too_long', `ttl may be at most ${ADMIN_TOKEN_MAX_TTL_SECONDS} seconds; omit it for a token that does not expire.`);
    }
    const now = this.#d.clock();
    const token = newSecretToken(ADMIN_TOKEN_PREFIX, this.#d.random);
    const hash = hashSecretToken(token);
    const id = hash.slice(0, 16);
    const expiresAt = ttl === undefined ? null : new Date(now.getTime() + ttl * 1000);
    await this.#d.store.createAdminToken(
      { hash, role: input.role, name: input.name, createdAt: now, expiresAt },
      {
        time: now,
        actor,
        action: 'admin_token.create',
        details: { name: input.name, role: input.role, tokenId: id, expiresAt: expiresAt ? expiresAt.toISOString() : null },
      },
    );
    return { token, id, name: input.name, role: input.role, createdAt: now, expiresAt };
  }

  /** Resolves a bearer token; undefined when unknown, expired or revoked (indistinguishable on purpose). */
  async authenticate(token: string): Promise<AdminPrincipalRecord | undefined> {
    if (!isWellFormedToken(token, ADMIN_TOKEN_PREFIX)) return undefined;
    const hash = hashSecretToken(token);
    const rec = await this.#d.store.findAdminToken(hash);
    if (!rec || !digestsEqual(rec.hash, hash)) return undefined;
    return this.principalOf(rec);
  }

  /**
   * Who a stored token stands for, if it is usable now (not expired, not revoked), recording the
   * use; undefined otherwise. For callers that hold the record already: the console's session
   * carries the token's id, so a revoked or expired token ends its sessions at the next request.
   */
  async principalOf(rec: AdminTokenRecord): Promise<AdminPrincipalRecord | undefined> {
    const now = this.#d.clock();
    if (adminTokenStatus({ expiresAt: rec.expiresAt ?? null, revokedAt: rec.revokedAt ?? null }, now) !== 'active') return undefined;
    const last = rec.lastUsedAt ?? null;
    if (rec.id && (last === null || now.getTime() - last.getTime() >= LAST_USED_MIN_INTERVAL_MS)) {
      try {
        await this.#d.store.touchAdminToken(rec.id, now, LAST_USED_MIN_INTERVAL_MS);
      } catch {
        // Best effort: `lastUsedAt` is informational, and a failed write (disk full during an
        // incident) must not lock the administrators out of the CA.
      }
    }
    return { id: rec.id, name: rec.name, role: rec.role };
  }

  /** Every token with its derived status; never the hash or the secret. */
  async list(): Promise<{ record: Omit<AdminTokenRecord, 'hash'>; status: AdminTokenStatus }[]> {
    const now = this.#d.clock();
    return (await this.#d.store.listAdminTokens()).map(({ hash: _hash, ...record }) => ({ record, status: adminTokenStatus(record, now) }));
  }

  /** Revokes by public id; refuses the last usable admin-role token (`last_admin_token`). */
  async revoke(id: string, actor: string): Promise<Omit<AdminTokenRecord, 'hash'>> {
    if (typeof id !== 'string' || !ADMIN_TOKEN_ID.test(id)) throw caError('invalid_request', 'id must be the 16 hex digits shown by the admin token list.');
    const now = this.#d.clock();
    const { hash: _hash, ...rec } = await this.#d.store.revokeAdminToken({
      id,
      revokedAt: now,
      revokedBy: actor,
      audit: (r) => ({ time: now, actor, action: 'admin_token.revoke', details: { tokenId: r.id, name: r.name, role: r.role } }),
    });
    return rec;
  }
}
