/** The shared credentials file writer of `rapki update`. */
export { upsertProfile, isValidProfileName, CREDENTIAL_KEYS } from './ini-update.js';
export { writeProfileCredentials, credentialsFilePath, ENV_SHARED_CREDENTIALS_FILE } from './write-profile.js';
export { CREDENTIALS_FILE_ERROR_CODES } from './errors.js';
