/**
 * Entry point for the CLI: what a command needs to read and check a signer configuration before
 * any key or network code loads (defaults, the endpoint from the environment, the option types).
 * Statically imported by `rapki credential-process`, so it re-exports only modules that import
 * nothing heavy.
 */
export { DEFAULT_DURATION_SECONDS } from '../constants.js';
export { endpointFromEnv, plainHttpWarning } from '../session/endpoint.js';
export type { KeySourceOptions, RolesAnywhereCredentials, SessionOptions, SignDigest } from '../types.js';
