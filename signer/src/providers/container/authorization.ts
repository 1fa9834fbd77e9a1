/**
 * The `Authorization` check of the container-credentials route.
 *
 * Clients send the raw value of `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`'s contents or of
 * `AWS_CONTAINER_AUTHORIZATION_TOKEN` (AWS SDKs and Tools Reference Guide, "Container credential
 * provider"), so the comparison is of the whole header value. It is constant-time over SHA-256
 * digests, so neither content nor length leaks.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Longest token accepted (header values beyond this are refused unhashed). */
export const MAX_AUTH_TOKEN_LENGTH = 4096;
/** Shortest token we accept to serve credentials behind (anything shorter is guessable). */
export const MIN_AUTH_TOKEN_LENGTH = 16;

/** Why a token is unusable, or undefined when it is fine. */
export function authTokenProblem(token: string): string | undefined {
  if (token.length < MIN_AUTH_TOKEN_LENGTH) return `must be at least ${MIN_AUTH_TOKEN_LENGTH} characters`;
  if (token.length > MAX_AUTH_TOKEN_LENGTH) return `must be at most ${MAX_AUTH_TOKEN_LENGTH} characters`;
  if (/[\r\n]/.test(token)) return 'must not contain CR or LF';
  return undefined;
}

/** A checker bound to one expected token; only its digest is kept. */
export function authorizationChecker(expected: string): (presented: string | undefined) => boolean {
  const want = createHash('sha256').update(expected, 'utf8').digest();
  return (presented) => {
    if (presented === undefined || presented.length > MAX_AUTH_TOKEN_LENGTH) return false;
    const got = createHash('sha256').update(presented, 'utf8').digest();
    return timingSafeEqual(got, want);
  };
}
