/** Codes of the CA's store: opening it, choosing it (docs/ha.md), and its availability. */
import type { ErrorTable } from '../spec.js';

export const STORE_CODES = {
  store_unavailable: { http: 503, message: 'The CA database does not answer; retry later.' },
  store_state_conflict: { http: 409, message: 'The CA state changed meanwhile (another replica or command); run the command again.' },
  store_locked: { message: 'Another rapki ca serve process serves this CA directory; stop it first.' },
  store_url_invalid: { message: 'The store URL is not valid; use postgres://… or sqlite:PATH.' },
  store_url_has_password: {
    message: 'A password in --store-url shows in the process list; use PGPASSWORD, PGPASSFILE, --store-url-file or RAPKI_CA_STORE_URL.',
  },
  store_schema_newer: { message: 'The database was migrated by a newer rapki; upgrade this rapki first.' },
  store_not_empty: { message: 'The target store already holds data; migrate only into an empty database.' },
} as const satisfies ErrorTable;
