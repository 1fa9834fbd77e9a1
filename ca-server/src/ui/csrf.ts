/**
 * Cross-site request forgery defences of the console (docs/console.md "CSRF"), two of them on
 * every state-changing request:
 *
 * 1. a synchronizer token in every form, derived from the session id
 *    (HMAC-SHA-256(session id, label)): bound to the session, nothing more to store (so any replica
 *    behind a load balancer checks it), and useless without the session cookie; the sign-in form,
 *    before any session, uses a double-submit cookie instead;
 * 2. the `Origin` header must be this server's own origin (and `Sec-Fetch-Site`, when sent,
 *    `same-origin`), so a form posted from another site is refused even before the token check.
 *
 * `SameSite=Strict` on the cookies is a third layer, not counted on (older browsers).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

const LABEL = 'rapki console csrf v1';

/** The form token of a session. */
export function csrfTokenFor(sessionId: string): string {
  return createHmac('sha256', sessionId).update(LABEL).digest('base64url');
}

/** Constant-time comparison of two tokens (strings of equal length, else false). */
export function tokensEqual(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== expected.length || given.length === 0) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}

/** `https://<Host>` as the browser addressed this server. */
export function ownOrigin(req: Request): string | undefined {
  const host = req.headers.host;
  return typeof host === 'string' && /^[A-Za-z0-9.:[\]-]{1,300}$/.test(host) ? `https://${host.toLowerCase()}` : undefined;
}

/** True when the request says it comes from a page of this origin. */
export function fromOwnOrigin(req: Request): boolean {
  const own = ownOrigin(req);
  const origin = req.headers.origin;
  if (!own || typeof origin !== 'string' || origin.toLowerCase() !== own) return false;
  const site = req.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin';
}
