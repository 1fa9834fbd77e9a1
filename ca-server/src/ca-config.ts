/**
 * The CA's configuration as the running code sees it ({@link CaConfig}), read from the store: the
 * configuration row, and the PKCS#11 URIs of the current keys when they are on a token.
 */
import type { CaConfig, CaPkcs11Keys } from './ca-dir.js';
import { caError } from './errors.js';
import type { CaStore } from './store/ca-store.js';
import type { CaState } from './store/types.js';
import type { CaKeyType } from './x509/types.js';

/** The CA's state and configuration; `ca_not_found` when the store holds no CA. */
export async function loadCaConfig(store: CaStore, where: string): Promise<{ readonly config: CaConfig; readonly state: CaState }> {
  const state = await store.getCaState();
  if (!state.config) throw caError('ca_not_found', `The store ${where} holds no CA; run \`rapki ca init\` with it first.`);
  return { config: await caConfigFrom(store, state), state };
}

/** Builds the runtime view from a state read before (`ca_config_invalid` when it does not hold together). */
export async function caConfigFrom(store: CaStore, state: CaState): Promise<CaConfig> {
  const c = state.config;
  if (!c) throw caError('ca_not_found');
  if (!state.certificates.some((x) => x.id === c.rootId) || !state.certificates.some((x) => x.id === c.issuerId)) {
    throw caError('ca_config_invalid', 'The store names CA certificates it does not hold.');
  }
  let pkcs11: CaPkcs11Keys | undefined;
  const rootKey = await store.getCaKey(c.rootId);
  if (rootKey?.kind === 'pkcs11') {
    const issuing = c.intermediate ? await store.getCaKey(c.issuerId) : undefined;
    pkcs11 = {
      rootKey: rootKey.value,
      ...(c.intermediate && issuing?.kind === 'pkcs11' ? { intermediateKey: issuing.value } : {}),
      ...(c.pkcs11Module !== null ? { module: c.pkcs11Module } : {}),
    };
  }
  return Object.freeze({
    keyType: c.keyType as CaKeyType,
    subject: c.subject,
    intermediate: c.intermediate,
    createdAt: c.createdAt.toISOString(),
    fingerprint: c.rootId,
    issuerId: c.issuerId,
    ...(pkcs11 ? { pkcs11 } : {}),
  });
}
