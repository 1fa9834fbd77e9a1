/**
 * Coded errors of the local credential endpoint (`rapki serve`, and later the agent).
 * One table so that the CLI, docs and tests agree on the codes.
 */
import { RapkiError } from '../../../../common/src/errors.js';
import { CREDENTIAL_SERVER_CODES } from '../../../../common/src/errors/codes/credential-server.js';

/** Every code of this area with what it means (the registry's entries, common/src/errors/codes/). */
export const CREDENTIAL_SERVER_ERROR_CODES: Readonly<Record<keyof typeof CREDENTIAL_SERVER_CODES, string>> = Object.freeze(
  Object.fromEntries(Object.entries(CREDENTIAL_SERVER_CODES).map(([c, spec]) => [c, spec.message])) as Record<keyof typeof CREDENTIAL_SERVER_CODES, string>,
);

/** This area's codes, and the shared `listen_invalid` (an address, port or hop limit out of range). */
export type CredentialServerErrorCode = keyof typeof CREDENTIAL_SERVER_CODES | 'listen_invalid';

export function credentialServerError(
  code: CredentialServerErrorCode,
  message: string,
  options?: { cause?: unknown; details?: Record<string, unknown> },
): RapkiError {
  return new RapkiError(code, message, options);
}
