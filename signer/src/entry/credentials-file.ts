/** Entry point for the CLI: `rapki update`, credentials written to a profile of the shared credentials file (atomic, 0600). */
export { credentialsFilePath, writeProfileCredentials, type WriteProfileOptions } from '../providers/credentials-file/write-profile.js';
