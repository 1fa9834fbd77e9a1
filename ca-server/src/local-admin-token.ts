/**
 * `rapki admin-token create --dir D`: a new admin (or operator) token made on the CA host itself,
 * without the API and so without an existing admin token: the way back in when the token printed
 * once by `ca init` (or `npm start`'s first start) was lost.
 *
 * Why the CA key must be opened first: the store alone is not the authority over the CA. Whoever
 * can read the store (a backup operator, a leaked copy, a database account) must not be able to
 * mint admin tokens; the passphrase that decrypts the root key (or the PKCS#11 PIN of a token-held
 * key) is what proves control of the CA, as for `ca serve`. The key is only checked, never used.
 *
 * Works while `rapki ca serve` runs on the same CA (SQLite in WAL mode with a busy timeout, or the
 * PostgreSQL store every replica shares): the token is one short transaction with its audit record,
 * and the servers read admin tokens from the store on each request, so the new token works at once.
 */
import { AdminTokens, type CreatedAdminToken } from './authority/admin-tokens.js';
import { systemClock, systemRandom, type Clock, type RandomSource } from '../../common/src/clock-and-random.js';
import { loadCaConfig } from './ca-config.js';
import { caExists, caPaths } from './ca-dir.js';
import { caError } from './errors.js';
import { openIssuingKey } from './keys/issuing-key.js';
import { openCaDirStore } from './open-ca-store.js';
import type { StoreLocation } from './store/store-url.js';
import type { AdminRole } from './store/types.js';

/** Audit actor of tokens made this way (docs/ca-api.md "Actors"). */
export const CA_HOST_ACTOR = 'ca-host';

export interface LocalAdminTokenOptions {
  readonly dir: string;
  /** Where the store is (`store/store-selection.ts`); default `sqlite:<dir>/ca.db`. */
  readonly location?: StoreLocation | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** The CA key passphrase; unused for a CA whose keys are on a PKCS#11 token (the PIN is asked there). */
  readonly passphrase: string | undefined;
  readonly name: string;
  readonly role: AdminRole;
  readonly ttlSeconds?: number | undefined;
  readonly clock?: Clock;
  readonly random?: RandomSource;
}

/** Checks that the caller controls the CA's root key, then stores a new admin token. */
export async function createAdminTokenOnCaHost(o: LocalAdminTokenOptions): Promise<CreatedAdminToken> {
  if ((o.location === undefined || o.location.backend === 'sqlite') && !caExists(o.dir)) {
    throw caError('ca_not_found', `No CA in ${caPaths(o.dir).dir}; pass the directory of \`rapki ca init --dir\` (and --store-url for a CA in PostgreSQL).`);
  }
  const opened = await openCaDirStore({ dir: o.dir, location: o.location, mustExist: true, env: o.env });
  try {
    const { state } = await loadCaConfig(opened.store, opened.display);
    const root = await openIssuingKey({ store: opened.store, state, passphrase: o.passphrase ?? '', which: 'root' });
    await root.close();
    const tokens = new AdminTokens({ store: opened.store, clock: o.clock ?? systemClock, random: o.random ?? systemRandom });
    return await tokens.create({ name: o.name, role: o.role, ttlSeconds: o.ttlSeconds }, CA_HOST_ACTOR);
  } finally {
    await opened.close();
  }
}
