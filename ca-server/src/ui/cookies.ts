/**
 * Cookies of the console. The session cookie is `__Host-` prefixed: the browser accepts it only
 * with `Secure`, `Path=/` and no `Domain`, so no other host (or plain-HTTP page) can plant or
 * overwrite it. `HttpOnly` keeps it from scripts; `SameSite=Strict` keeps it off every request
 * another site starts (docs/console.md "Sessions").
 */
import type { Request, Response } from 'express';

/** The session id (a `rapki_cs_` secret; the store has only its SHA-256). */
export const SESSION_COOKIE = '__Host-rapki_session';
/** Double-submit value of the sign-in form (there is no session yet to bind a CSRF token to). */
export const SIGN_IN_COOKIE = '__Host-rapki_sign_in';

const VALUE_RE = /^[A-Za-z0-9_-]{1,200}$/;

/** The value of one cookie, if present once and well-formed. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string' || header.length > 8192) return undefined;
  let found: string | undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    if (found !== undefined) return undefined; // twice: someone is planting one
    found = part.slice(eq + 1).trim();
  }
  return found !== undefined && VALUE_RE.test(found) ? found : undefined;
}

/** Sets a `__Host-` cookie; `maxAgeSeconds` undefined = until the browser closes. */
export function setCookie(res: Response, name: string, value: string, maxAgeSeconds?: number): void {
  const age = maxAgeSeconds === undefined ? '' : `; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`;
  res.append('Set-Cookie', `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=Strict${age}`);
}

export function clearCookie(res: Response, name: string): void {
  res.append('Set-Cookie', `${name}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0`);
}
