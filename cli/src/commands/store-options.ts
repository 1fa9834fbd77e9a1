/**
 * `--store-url` / `--store-url-file` for every command that opens a CA's store (docs/ha.md).
 * A password never goes in `--store-url` (the process list shows it; such a URL is refused): use
 * PGPASSWORD, PGPASSFILE (~/.pgpass), `--store-url-file` or RAPKI_CA_STORE_URL.
 */
export const storeOptions = {
  'store-url': {
    type: 'string',
    describe:
      'where the CA state lives: postgres://USER@HOST:PORT/DB[?sslmode=verify-full&sslrootcert=FILE] (password from PGPASSWORD / PGPASSFILE, never here) or sqlite:PATH; ' +
      'default RAPKI_CA_STORE_URL, else what `ca init` recorded in ca.json, else sqlite:<dir>/ca.db',
  },
  'store-url-file': { type: 'string', describe: 'file holding the store URL (may include the password; keep it 0600)' },
} as const;

/** The parsed values, as the store selection takes them. */
export interface StoreArgs {
  readonly 'store-url'?: string | undefined;
  readonly 'store-url-file'?: string | undefined;
}
