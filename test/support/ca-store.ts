/**
 * Opens the store of a test CA directory (its default SQLite file `ca.db`, or the store its
 * `ca.json` names) for one call, the way every rapki command does (`open-ca-store.ts`). Works while
 * a `ca serve` process runs on it (WAL, busy timeout).
 */
import { openCaDirStore } from '../../ca-server/src/open-ca-store.js';
import type { CaStore } from '../../ca-server/src/store/ca-store.js';
import { storeSelection } from '../../ca-server/src/store/store-selection.js';
import type { CaKeyRecord, CaState } from '../../ca-server/src/store/types.js';

export async function withCaStore<T>(dir: string, fn: (s: CaStore) => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const o = await openCaDirStore({ dir, location: storeSelection({ dir, env }).open().location, mustExist: true, env });
  try {
    return await fn(o.store);
  } finally {
    await o.close();
  }
}

/** The CA's state and the keys of its current root and issuing certificates. */
export async function caStateOf(
  dir: string,
  env?: NodeJS.ProcessEnv,
): Promise<{ state: CaState; rootKey: CaKeyRecord | undefined; issuingKey: CaKeyRecord | undefined }> {
  return withCaStore(
    dir,
    async (s) => {
      const state = await s.getCaState();
      const cfg = state.config!;
      return { state, rootKey: await s.getCaKey(cfg.rootId), issuingKey: await s.getCaKey(cfg.issuerId) };
    },
    env,
  );
}
