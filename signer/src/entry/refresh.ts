/**
 * Entry point for the CLI: credentials kept fresh for long-running commands (`rapki update`,
 * `rapki serve`, `rapki agent --serve`): the refreshing source, the stamp that tells when the key
 * files changed, and the shared credentials file writer of `rapki update`.
 */
export { RefreshingCredentialSource } from '../providers/refreshing-source.js';
export { keySourceStamp } from '../keys/key-source-stamp.js';
export { credentialsFilePath, writeProfileCredentials, type WriteProfileOptions } from '../providers/credentials-file/write-profile.js';
