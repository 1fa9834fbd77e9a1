/**
 * `rapki admin-token create --dir D`: a new admin (or operator) token made on the CA host itself,
 * without the API and so without an existing admin token: the way back in when the token printed
 * once by `ca init` (or `npm start`'s first start) was lost.
 *
 * Why the CA key must be opened first: the database alone is not the authority over the CA. Whoever
 * can read `D/ca.db` (a backup operator, a leaked copy) must not be able to mint admin tokens; the
 * passphrase (or the PKCS#11 PIN of a token-held key) is what proves control of the CA, as for
 * `ca serve`. The key is only checked, never used.
 *
 * Works while `rapki ca serve` runs on the same directory: the store is SQLite in WAL mode with a
 * busy timeout, the token is one short IMMEDIATE transaction (with its audit record, chained onto
 * the head read inside that transaction), and the server reads admin tokens from the database on
 * each request, so the new token works at once.
 */
import { readFileSync } from 'node:fs';
import { isRapkiError } from '../../common/src/errors.js';
import { decodeCertificate } from '../../common/src/x509/certificate.js';
import { pemToDer } from '../../common/src/x509/pem.js';
import { AdminTokens, type CreatedAdminToken } from './authority/admin-tokens.js';
import { systemClock, systemRandom, type Clock, type RandomSource } from './authority/deps.js';
import { caExists, caPaths, readCaConfig } from './ca-dir.js';
import { caError } from './errors.js';
import { decryptCaKey } from './keys/key-encryption.js';
import { openPkcs11CaSigner } from './keys/pkcs11-ca-signer.js';
import { SqliteCaStore } from './store/sqlite-store.js';
import type { AdminRole } from './store/types.js';

/** Audit actor of tokens made this way (docs/ca-api.md "Actors"). */
export const CA_HOST_ACTOR = 'ca-host';

export interface LocalAdminTokenOptions {
  readonly dir: string;
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
  if (!caExists(o.dir)) throw caError('ca_not_found', `No CA in ${caPaths(o.dir).dir}; pass the directory of \`rapki ca init --dir\`.`);
  await checkCaKey(o.dir, o.passphrase);
  const store = SqliteCaStore.open(caPaths(o.dir).database);
  try {
    const tokens = new AdminTokens({ store, clock: o.clock ?? systemClock, random: o.random ?? systemRandom });
    return await tokens.create({ name: o.name, role: o.role, ttlSeconds: o.ttlSeconds }, CA_HOST_ACTOR);
  } finally {
    await store.close();
  }
}

async function checkCaKey(dir: string, passphrase: string | undefined): Promise<void> {
  const p = caPaths(dir);
  const config = readCaConfig(dir);
  if (config.pkcs11) {
    const rootDer = pemToDer(readFileSync(p.rootCert, 'utf8'), 'CERTIFICATE');
    // Logs in with the PIN (?pin-source= or RAPKI_PKCS11_PIN) and checks the key against root.pem.
    const signer = await openPkcs11CaSigner({ keyUri: config.pkcs11.rootKey, publicKeySpki: decodeCertificate(rootDer).spki, pkcs11Lib: config.pkcs11.module });
    await signer.close();
    return;
  }
  if (!passphrase) throw caError('passphrase_required');
  try {
    decryptCaKey(readFileSync(p.rootKey, 'utf8'), passphrase);
  } catch (err) {
    if (isRapkiError(err) && err.code === 'ca_key_wrong_passphrase') throw caError('passphrase_invalid', undefined, { cause: err });
    throw err;
  }
}
