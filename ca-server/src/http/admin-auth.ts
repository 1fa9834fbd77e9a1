/**
 * Admin bearer authentication and role check.
 *
 * Roles: `admin` may do everything; `operator` may mint enrollment tokens and read (inventory,
 * audit) but not revoke, unblock or create admin tokens. Tokens are stored as SHA-256 and compared
 * in constant time (`authority/secret-tokens.ts`).
 */
import type { NextFunction, Request, Response } from 'express';
import type { CertificateAuthority } from '../authority/authority.js';
import { formatActor, type ActorChannel } from '../authority/audit-actor.js';
import { caError } from '../errors.js';
import type { AdminRole } from '../store/types.js';

export interface AdminPrincipal {
  /** Public id of the token (16 hex digits). */
  readonly id?: string | undefined;
  readonly name: string;
  readonly role: AdminRole;
}

export function adminAuth(authority: CertificateAuthority) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    res.setHeader('Cache-Control', 'no-store');
    const h = req.headers.authorization;
    const m = typeof h === 'string' ? /^Bearer ([^\s]{1,200})$/i.exec(h) : null;
    if (!m) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="rapki-ca"');
      throw caError('unauthorized');
    }
    const who = await authority.authenticateAdmin(m[1]!);
    if (!who) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="rapki-ca", error="invalid_token"');
      throw caError('unauthorized');
    }
    res.locals.admin = who satisfies AdminPrincipal;
    next();
  };
}

/** Route guard: the authenticated principal must have one of `roles`. */
export function requireRole(...roles: AdminRole[]) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const who = res.locals.admin as AdminPrincipal | undefined;
    if (!who) throw caError('unauthorized');
    if (!roles.includes(who.role)) throw caError('forbidden');
    next();
  };
}

/**
 * The audit actor of the request (`authority/audit-actor.ts`): `role:name` for the admin API;
 * the console (`res.locals.via = 'ui'`) adds ` via=ui token=<id>`.
 */
export function actorOf(res: Response): string {
  const who = res.locals.admin as AdminPrincipal;
  const via = res.locals.via as ActorChannel | undefined;
  return formatActor({ role: who.role, name: who.name, via, tokenId: via ? who.id : undefined });
}
