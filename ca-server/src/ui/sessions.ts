/**
 * Console sessions (docs/console.md "Sessions"): an admin or operator token is exchanged once for
 * a random session id kept in an HttpOnly cookie; the token itself is not kept anywhere (not in
 * the browser, not in the session row). The store holds only SHA-256 of the session id and the
 * public id of the token, so every replica sharing the store knows the session, and every
 * request re-checks the token: revoking or expiring it ends its sessions at once.
 *
 * A session ends after `idleTimeoutSeconds` without a request, `lifetimeSeconds` after sign-in in
 * any case, or at sign-out (deleted on the server, not just forgotten by the browser).
 */
import type { AdminPrincipalRecord } from '../authority/admin-tokens.js';
import { formatActor } from '../authority/audit-actor.js';
import type { Clock, RandomSource } from '../../../common/src/clock-and-random.js';
import { digestsEqual, hashSecretToken, isWellFormedToken, newSecretToken } from '../authority/secret-tokens.js';
import type { CertificateAuthority } from '../authority/authority.js';
import type { CaStore } from '../store/ca-store.js';
import type { UiSessionRecord } from '../store/types.js';

export const SESSION_ID_PREFIX = 'rapki_cs_';
/** Last-use writes at most this often per session (the idle end is exact to within this). */
export const SESSION_TOUCH_INTERVAL_MS = 15_000;

export interface ConsoleSessionDeps {
  readonly store: Pick<CaStore, 'createUiSession' | 'findUiSession' | 'touchUiSession' | 'deleteUiSession'>;
  readonly authority: Pick<CertificateAuthority, 'authenticateAdmin' | 'adminPrincipalOf'>;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly idleTimeoutSeconds: number;
  readonly lifetimeSeconds: number;
}

export type SessionCheck =
  | { readonly ok: true; readonly principal: AdminPrincipalRecord; readonly session: UiSessionRecord }
  | { readonly ok: false; readonly reason: 'unknown' | 'expired' | 'token_ended' };

/** The public handle of a session in audit records: not the id, not enough to find it. */
function sessionRef(idHash: string): string {
  return idHash.slice(0, 16);
}

export class ConsoleSessions {
  readonly #d: ConsoleSessionDeps;

  constructor(d: ConsoleSessionDeps) {
    this.#d = d;
  }

  /** Exchanges a token for a new session; undefined (and nothing stored) when the token is not usable. */
  async signIn(token: string): Promise<{ sessionId: string; principal: AdminPrincipalRecord; session: UiSessionRecord } | undefined> {
    const principal = await this.#d.authority.authenticateAdmin(token);
    if (!principal) return undefined;
    const now = this.#d.clock();
    const sessionId = newSecretToken(SESSION_ID_PREFIX, this.#d.random);
    const idHash = hashSecretToken(sessionId);
    const expiresAt = new Date(now.getTime() + this.#d.lifetimeSeconds * 1000);
    const session: UiSessionRecord = {
      idHash,
      adminTokenId: principal.id,
      createdAt: now,
      lastSeenAt: now,
      idleExpiresAt: this.#idleEnd(now, expiresAt),
      expiresAt,
    };
    await this.#d.store.createUiSession(session, {
      time: now,
      actor: formatActor({ role: principal.role, name: principal.name, via: 'ui', tokenId: principal.id }),
      action: 'console.sign_in',
      details: { session: sessionRef(idHash), expiresAt: expiresAt.toISOString() },
    });
    return { sessionId, principal, session };
  }

  /** The session behind a cookie value, if it is still open; an ended one is deleted. */
  async check(sessionId: string): Promise<SessionCheck> {
    if (!isWellFormedToken(sessionId, SESSION_ID_PREFIX)) return { ok: false, reason: 'unknown' };
    const idHash = hashSecretToken(sessionId);
    const found = await this.#d.store.findUiSession(idHash);
    if (!found || !digestsEqual(found.session.idHash, idHash)) return { ok: false, reason: 'unknown' };
    const { session } = found;
    const now = this.#d.clock();
    if (now.getTime() >= session.expiresAt.getTime() || now.getTime() >= session.idleExpiresAt.getTime()) {
      await this.#d.store.deleteUiSession(idHash, undefined);
      return { ok: false, reason: 'expired' };
    }
    const principal = await this.#d.authority.adminPrincipalOf(found.adminToken);
    if (!principal) {
      await this.#d.store.deleteUiSession(idHash, undefined);
      return { ok: false, reason: 'token_ended' };
    }
    if (now.getTime() - session.lastSeenAt.getTime() >= SESSION_TOUCH_INTERVAL_MS) {
      const idleExpiresAt = this.#idleEnd(now, session.expiresAt);
      await this.#d.store.touchUiSession(idHash, now, idleExpiresAt);
      return { ok: true, principal, session: { ...session, lastSeenAt: now, idleExpiresAt } };
    }
    return { ok: true, principal, session };
  }

  /** Ends the session on the server (audited); a second sign-out of the same session does nothing. */
  async signOut(sessionId: string, principal: AdminPrincipalRecord): Promise<void> {
    if (!isWellFormedToken(sessionId, SESSION_ID_PREFIX)) return;
    const idHash = hashSecretToken(sessionId);
    await this.#d.store.deleteUiSession(idHash, {
      time: this.#d.clock(),
      actor: formatActor({ role: principal.role, name: principal.name, via: 'ui', tokenId: principal.id }),
      action: 'console.sign_out',
      details: { session: sessionRef(idHash) },
    });
  }

  #idleEnd(now: Date, expiresAt: Date): Date {
    return new Date(Math.min(now.getTime() + this.#d.idleTimeoutSeconds * 1000, expiresAt.getTime()));
  }
}
