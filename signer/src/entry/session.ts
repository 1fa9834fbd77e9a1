/**
 * Entry point for the CLI: one CreateSession call with a `KeySigner` (HTTPS, the trust check,
 * the response parser). Loaded when credentials are fetched, never on a cache hit.
 */
export { createSession, type SessionDeps } from '../session/create-session.js';
