/**
 * Entry point for the CLI: the local credential endpoint of `rapki serve` and `rapki agent --serve`
 * (the EC2 instance metadata API shape), its defaults and limits.
 */
export { roleNameFromArn, startCredentialServer, type CredentialServer, type CredentialServerOptions } from '../providers/imds/server.js';
export { DEFAULT_ADDRESS, DEFAULT_HOP_LIMIT, DEFAULT_PORT, MAX_HOP_LIMIT, MIN_HOP_LIMIT, SERVE_REFRESH_BEFORE_MS } from '../providers/imds/constants.js';
export { isLoopbackAddress } from '../providers/imds/loopback.js';
