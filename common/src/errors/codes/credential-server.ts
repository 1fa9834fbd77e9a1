/** Codes of the local credential endpoint (`rapki serve`, `rapki agent --serve`). */
import type { ErrorTable } from '../spec.js';

export const CREDENTIAL_SERVER_CODES = {
  non_loopback_address: { message: 'a non-loopback listen address needs an explicit opt-in (--allow-non-loopback)' },
  listen_failed: { message: 'the listening socket could not be created (address in use, permission)' },
  invalid_auth_token: { message: 'the container authorization token is empty, too long or contains CR/LF' },
} as const satisfies ErrorTable;
