/**
 * `rapki/signer`: the public API of the signer, for Node code that wants temporary AWS credentials
 * from a certificate and key without the AWS SDK's credential_process round trip.
 *
 * - `fromRolesAnywhere(options)`: an AWS SDK v3 credential provider (memoized, refreshed 5 minutes
 *   before expiry, files re-read at each refresh).
 * - `loadKeySigner(options)` + `createSession(signer, options)`: one CreateSession call.
 * - `signCreateSessionRequest(input, signer, now)`: the signed request only (no I/O), e.g. to send
 *   it with another HTTP stack.
 */
export { fromRolesAnywhere, type FromRolesAnywhereOptions } from './providers/from-roles-anywhere.js';
export { loadKeySigner } from './keys/load-key-signer.js';
export { keySignerFromPem, type PemKeySource } from './keys/key-signer-from-pem.js';
export { signCreateSessionRequest } from './request/sign-create-session.js';
export { createSession, type SessionDeps } from './session/create-session.js';
export { preflight } from './preflight/preflight.js';
export { SESSION_ERROR_CODES, type SessionErrorCode } from './session/errors.js';
export { SIGNER_ERROR_CODES, SignerError, type SignerErrorCode } from './errors.js';
export { RapkiError, isRapkiError } from '../../common/src/errors.js';
export type {
  CreateSessionInput,
  KeySigner,
  KeySourceOptions,
  RolesAnywhereCredentials,
  SessionOptions,
  SignedCreateSessionRequest,
  SigningAlgorithm,
} from './types.js';
