/**
 * Opens the store of a CA directory: the one store factory (`store/open-store.ts`) at the location
 * the command chose (`store/store-selection.ts`), and, the first time a directory made by an older
 * rapki is opened, its upgrade (`ca-dir-upgrade.ts`: the loose files imported into the store).
 * Every command that works on a CA directory comes through here (`ca serve`, `admin-token create
 * --dir`, `audit verify --dir`, `aws … --ca-dir`, `ca backup`, `ca migrate-store`).
 */
import { type UpgradeResult, upgradeCaDir } from './ca-dir-upgrade.js';
import { resolveStoreLocation, type StoreLocation } from './store/store-url.js';
import { openStore, type OpenedStore, type OpenStoreOptions } from './store/open-store.js';

export interface OpenCaDirStoreOptions extends Omit<OpenStoreOptions, 'location'> {
  /** The CA directory (holds the default SQLite store, or `ca.json` naming another one; may be a replica's empty directory). */
  readonly dir: string;
  /** Where the store is; default `sqlite:<dir>/ca.db`. */
  readonly location?: StoreLocation | undefined;
  /** Clock of the upgrade's audit record. */
  readonly now?: () => Date;
}

export interface OpenedCaDirStore extends OpenedStore {
  /** Set when this open upgraded an older CA directory. */
  readonly upgraded: UpgradeResult | undefined;
}

export async function openCaDirStore(o: OpenCaDirStoreOptions): Promise<OpenedCaDirStore> {
  const location = o.location ?? resolveStoreLocation({ dir: o.dir, env: {} });
  const opened = await openStore({ ...o, location });
  try {
    const upgraded = await upgradeCaDir(o.dir, opened.store, o.now);
    return { ...opened, upgraded };
  } catch (err) {
    await opened.close();
    throw err;
  }
}
