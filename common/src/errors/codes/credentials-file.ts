/** Codes of the shared-credentials-file writer (`rapki update`). */
import type { ErrorTable } from '../spec.js';

export const CREDENTIALS_FILE_CODES = {
  invalid_profile_name: { message: 'the profile name cannot be written as an INI section header' },
  credentials_file_too_large: { message: 'the shared credentials file is larger than any sane one' },
  credentials_file_unreadable: { message: 'the shared credentials file exists but cannot be read' },
  credentials_file_write_failed: { message: 'unable to write to AWS credentials file' },
  invalid_credential_value: { message: 'a credential value contains a line break' },
} as const satisfies ErrorTable;
