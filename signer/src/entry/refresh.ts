/**
 * Entry point for the CLI: credentials kept fresh for long-running commands (`rapki update`,
 * `rapki serve`, `rapki agent --serve`): the refreshing source and the stamp that tells when the
 * key files changed.
 */
export { RefreshingCredentialSource } from '../providers/refreshing-source.js';
export { keySourceStamp } from '../keys/key-source-stamp.js';
