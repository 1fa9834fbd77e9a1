export { preflight, type PreflightArgs, type PreflightResult } from './preflight.js';
export { checkSessionInput, type SessionInputToCheck, type CheckedSessionInput } from './check-session-input.js';
export { checkCertificates, type CheckedCertificates } from './check-certificates.js';
