/**
 * Response headers of every console response, on top of the CA's own (`http/request-context.ts`:
 * HSTS, nosniff, X-Frame-Options, Referrer-Policy, request id). The Content-Security-Policy
 * replaces the API's `default-src 'none'` with the least a page needs: script and style from
 * this origin only (no inline script, no `style` attributes, no `eval`), forms posting only
 * here, no framing, nothing from another host.
 */
import type { NextFunction, Request, Response } from 'express';

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function consoleHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Content-Security-Policy', CONSOLE_CSP);
  // `no-referrer` (the API's) makes a browser send `Origin: null` on form posts, which the CSRF
  // check could not tell from a sandboxed page; `same-origin` keeps the origin on our own posts
  // and still sends nothing to another site.
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
  // Pages hold secrets (a token shown once) and per-session form tokens: never cached.
  res.setHeader('Cache-Control', 'no-store');
  next();
}
