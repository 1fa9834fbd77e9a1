/**
 * The store a command works on, from its flags (`--store-url`, `--store-url-file`), the
 * environment (`RAPKI_CA_STORE_URL`), the URL `ca init` recorded in `ca.json`, else
 * `sqlite:<dir>/ca.db` — decided once per command, for `ca init` (what to record) and for opening
 * an existing CA directory.
 */
import { existsSync } from 'node:fs';
import { caPaths, readCaDirPointer } from '../ca-dir.js';
import type { InitCaStore } from '../init.js';
import type { OpenCaStoreOptions } from '../open-ca.js';
import { parseStoreUrl, storeUrlOf, type StoreLocation } from './store-url.js';

export interface StoreSelectionInput {
  readonly dir: string;
  readonly url?: string | undefined;
  readonly urlFile?: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly warn?: ((message: string) => void) | undefined;
}

export interface StoreSelection {
  /** For `ca init`: the location, recorded in ca.json unless it is the default. */
  readonly init: InitCaStore;
  /** For an existing CA directory (ca.json's recorded URL counts when nothing explicit was given). */
  open(): OpenCaStoreOptions & { readonly location: StoreLocation };
}

export function storeSelection(i: StoreSelectionInput): StoreSelection {
  const explicit = storeUrlOf({ dir: i.dir, url: i.url, urlFile: i.urlFile, env: i.env, warn: i.warn });
  const parse = (url: string, origin: Parameters<typeof parseStoreUrl>[1]['origin']): StoreLocation =>
    parseStoreUrl(url, { origin, dir: caPaths(i.dir).dir, env: i.env });
  // Parsed now: a bad URL or a password on the command line fails before anything else happens.
  const location = parse(explicit.url, explicit.origin);
  return {
    init: { location, record: explicit.origin !== 'default', env: i.env, warn: i.warn },
    open() {
      let loc = location;
      if (explicit.origin === 'default' && existsSync(caPaths(i.dir).config)) {
        const ptr = readCaDirPointer(i.dir);
        const recorded = ptr.kind === 'legacy' ? ptr.config.store : ptr.kind === 'pointer' ? ptr.store : undefined;
        if (recorded !== undefined) loc = parse(recorded, 'ca.json');
      }
      return { location: loc, env: i.env, warn: i.warn };
    },
  };
}
