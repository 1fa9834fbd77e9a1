/** Coded errors of the shared-credentials-file writer (`rapki update`). */
import { RapkiError } from '../../../../common/src/errors.js';

export const CREDENTIALS_FILE_ERROR_CODES = {
  invalid_profile_name: 'the profile name cannot be written as an INI section header',
  credentials_file_too_large: 'the shared credentials file is larger than any sane one',
  credentials_file_unreadable: 'the shared credentials file exists but cannot be read',
  credentials_file_write_failed: 'unable to write to AWS credentials file',
  invalid_credential_value: 'a credential value contains a line break',
} as const;

export type CredentialsFileErrorCode = keyof typeof CREDENTIALS_FILE_ERROR_CODES;

export function credentialsFileError(code: CredentialsFileErrorCode, message: string, cause?: unknown): RapkiError {
  return new RapkiError(code, message, cause === undefined ? undefined : { cause });
}
