/**
 * yargs option tables shared by the CA client commands. Kept apart from the client so that building
 * the command tree (`rapki --help`) loads no TLS or crypto code.
 */
import type { Options } from 'yargs';
import { CA_ENV } from './constants.js';

/** yargs option table shared by the CA client commands. */
export const caConnectionOptions = {
  'ca-url': { type: 'string', describe: `CA server URL, https://HOST:PORT (or ${CA_ENV.url})` },
  'ca-fingerprint': {
    type: 'string',
    describe: `SHA-256 of the CA root certificate, hex, colons allowed (or ${CA_ENV.fingerprint})`,
  },
  'ca-file': { type: 'string', describe: `PEM file with the CA root to trust instead of a fingerprint (or ${CA_ENV.caFile})` },
} as const satisfies Record<string, Options>;

export const adminTokenOptions = {
  'admin-token-file': { type: 'string', describe: 'file holding the admin token (default: RAPKI_ADMIN_TOKEN)' },
} as const satisfies Record<string, Options>;
