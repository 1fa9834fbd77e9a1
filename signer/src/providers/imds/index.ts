/** The local credential endpoint (IMDSv2 and container formats). */
export { startCredentialServer, roleNameFromArn } from './server.js';
export type { CredentialServer, CredentialServerOptions } from './server.js';
export { TokenStore } from './token-store.js';
export { imdsCredentialDocument } from './document.js';
export type { ImdsCredentialDocument } from './document.js';
export { isLoopbackAddress } from './loopback.js';
export { CREDENTIAL_SERVER_ERROR_CODES } from './errors.js';
export * as imdsConstants from './constants.js';
