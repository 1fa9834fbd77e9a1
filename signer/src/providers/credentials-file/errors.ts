/** Coded errors of the shared-credentials-file writer (`rapki update`). */
import { RapkiError } from '../../../../common/src/errors.js';
import { CREDENTIALS_FILE_CODES } from '../../../../common/src/errors/codes/credentials-file.js';

/** Every code of this area with what it means (the registry's entries, common/src/errors/codes/). */
export const CREDENTIALS_FILE_ERROR_CODES: Readonly<Record<keyof typeof CREDENTIALS_FILE_CODES, string>> = Object.freeze(
  Object.fromEntries(Object.entries(CREDENTIALS_FILE_CODES).map(([c, spec]) => [c, spec.message])) as Record<keyof typeof CREDENTIALS_FILE_CODES, string>,
);

export type CredentialsFileErrorCode = keyof typeof CREDENTIALS_FILE_CODES;

export function credentialsFileError(code: CredentialsFileErrorCode, message: string, cause?: unknown): RapkiError {
  return new RapkiError(code, message, cause === undefined ? undefined : { cause });
}
