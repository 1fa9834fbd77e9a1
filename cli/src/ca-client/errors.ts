/**
 * Error codes raised by the CA client itself: the `ca-client` area of the one registry
 * (common/src/errors/codes/ca-client.ts), plus the shared grammar codes (serial, SAN, duration).
 * The server's own codes pass through from the response body (`errorFromWire`).
 */
import type { RapkiError } from '../../../common/src/errors.js';
import { CA_CLIENT_CODES } from '../../../common/src/errors/codes/ca-client.js';
import { rapkiError } from '../../../common/src/errors/registry.js';

/** This area's codes, the shared grammar codes, and `flag_value_invalid` for flags that do not go together. */
export type CaClientErrorCode = keyof typeof CA_CLIENT_CODES | 'serial_invalid' | 'san_invalid' | 'duration_invalid' | 'flag_value_invalid';

/** The registry's entries of this area. */
export const CA_CLIENT_ERRORS = CA_CLIENT_CODES;

/** Appended to every network error: the URL was tried, and this is what changes it. */
export const CA_URL_HINT = 'the URL comes from --ca-url or RAPKI_CA_URL';

/** `ca_unreachable` naming the URL tried and what sets it. */
export function caUnreachable(url: URL, err: Error): RapkiError {
  return caClientError('ca_unreachable', `could not reach the CA at ${url.origin}: ${err.message} (${CA_URL_HINT})`, {
    cause: err,
    details: { url: url.origin },
  });
}

/** A coded client-side error with the registry's message unless a more precise safe one is given. */
export function caClientError(code: CaClientErrorCode, message?: string, options?: { cause?: unknown; details?: Record<string, unknown> }): RapkiError {
  return rapkiError(code, message, options);
}
