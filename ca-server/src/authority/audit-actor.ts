/**
 * The `actor` of an audit record made by an admin or operator token: who, through what, with
 * which token (docs/ca-api.md "Audit log", docs/console.md "Audit").
 *
 * `<role>:<name>` is what the admin API has always written. The console appends
 * ` via=ui token=<id>` (the token's public id, the first 16 hex digits of its SHA-256), so a
 * record says which token acted and that it was through the console. It is part of the actor
 * string, not of `details`, because every writer of audit records (the authority, admin tokens,
 * the rotation manager) already takes an actor string, and `details.tokenId` already names the
 * token a record is about (`token.create`, `admin_token.revoke`). Names never hold spaces
 * (`admin-tokens.ts`), so the parts split without ambiguity.
 */
import type { AdminRole } from '../store/types.js';

/** Through what an action came. */
export type ActorChannel = 'api' | 'ui';

export interface ActorParts {
  readonly role: AdminRole;
  readonly name: string;
  /** Public id of the admin token (16 hex digits). */
  readonly tokenId?: string | undefined;
  readonly via?: ActorChannel | undefined;
}

export function formatActor(a: ActorParts): string {
  return `${a.role}:${a.name}${a.via ? ` via=${a.via}` : ''}${a.tokenId ? ` token=${a.tokenId}` : ''}`;
}

/** The parts of an actor string; `who` is the whole string when it is not an admin-token actor (`system`, `token:…`, `cert:…`). */
export function parseActor(actor: string): { who: string; via: string | undefined; tokenId: string | undefined } {
  const m = /^((?:admin|operator):\S+)(?: via=([a-z]+))?(?: token=([0-9a-f]{16}))?$/.exec(actor);
  if (!m) return { who: actor, via: undefined, tokenId: undefined };
  return { who: m[1]!, via: m[2], tokenId: m[3] };
}
