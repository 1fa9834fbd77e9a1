/**
 * Coded errors of the local credential endpoint (`rapki serve`, and later the agent).
 * One table so that the CLI, docs and tests agree on the codes.
 */
import { RapkiError } from '../../../../common/src/errors.js';

export const CREDENTIAL_SERVER_ERROR_CODES = {
  non_loopback_address: 'a non-loopback listen address needs an explicit opt-in (--allow-non-loopback)',
  invalid_listen_option: 'address, port or hop limit out of range',
  listen_failed: 'the listening socket could not be created (address in use, permission)',
  credentials_unavailable: 'no valid credentials to serve (CreateSession failed and nothing cached)',
  invalid_auth_token: 'the container authorization token is empty, too long or contains CR/LF',
} as const;

export type CredentialServerErrorCode = keyof typeof CREDENTIAL_SERVER_ERROR_CODES;

export function credentialServerError(
  code: CredentialServerErrorCode,
  message: string,
  options?: { cause?: unknown; details?: Record<string, unknown> },
): RapkiError {
  return new RapkiError(code, message, options);
}
