/**
 * Host keys made inside the TPM (`rapki enroll --key tpm`, and each renewal of such a key), and
 * signing with a loaded TSS2 key file outside a KeySigner (the CSR, the renewal's proof of
 * possession).
 *
 * A new key is created under the owner hierarchy's storage primary (the standard template, made
 * again by TPM2_CreatePrimary each time, as tpm2-openssl does by default), with the attributes of
 * {@link HOST_KEY_ATTRIBUTES}: it cannot be duplicated to another TPM, and its password, when it has
 * one, is guarded by the TPM's dictionary-attack protection. What leaves the TPM is the public area
 * and the private area wrapped by the storage key: usable only inside this TPM.
 */
import type { SignDigest } from '../../types.js';
import type { Tss2KeyFile } from './key-file.js';
import { loadKeyFile, readPersistent, signWithPassword } from './key-handle.js';
import { hostKeyTemplate, storagePrimaryTemplate, type TpmPublic } from './public-area.js';
import { checkSigningKey, signRequest } from './signing.js';
import { TpmResponseError, withTpm, type Sleep } from './tpm-client.js';
import { TpmKeyError } from './errors.js';
import { TPM_RC_CURVE, TPM_RC_KEY_SIZE, TPM_RC_VALUE, TPM_RH_OWNER } from './constants.js';

const UNSUPPORTED_TEMPLATE_RCS: ReadonlySet<number> = new Set([TPM_RC_VALUE, TPM_RC_KEY_SIZE, TPM_RC_CURVE]);
import type { TpmDeviceDeps } from './transport.js';

export type TpmDeps = TpmDeviceDeps & { readonly sleep?: Sleep };

/** Key types `enroll --key tpm` makes. */
export type TpmHostKeyType = { ec: 'P-256' | 'P-384' } | { rsaBits: number };

/** A key the TPM just made: what a TSS2 key file stores. */
export interface CreatedTpmKey extends Tss2KeyFile {}

/** Creates a signing key in the TPM under the owner hierarchy; `password` empty = no password. */
export async function createTpmHostKey(type: TpmHostKeyType, password: Uint8Array, deps: TpmDeps = {}): Promise<CreatedTpmKey> {
  return withTpm(deps, async (tpm) => {
    const parent = await tpm.createPrimary(TPM_RH_OWNER, storagePrimaryTemplate(false));
    let created: Awaited<ReturnType<typeof tpm.create>>;
    try {
      created = await tpm.create(parent.handle, hostKeyTemplate(type), password);
    } catch (err) {
      // Part 3 TPM2_Create: an algorithm, size or curve the TPM does not implement is refused in
      // the template (parameter 2).
      if (err instanceof TpmResponseError && UNSUPPORTED_TEMPLATE_RCS.has(err.base)) {
        const what = 'ec' in type ? `EC ${type.ec}` : `RSA ${type.rsaBits}`;
        throw new TpmKeyError(
          'tpm_key_unsupported',
          `This TPM does not make ${what} keys (${err.message}); choose another --key-type (ec-p256 and rsa-2048 work on every TPM 2.0).`,
          { cause: err },
        );
      }
      throw err;
    }
    return {
      emptyAuth: password.length === 0,
      parent: TPM_RH_OWNER,
      rsaParent: false,
      parentName: undefined,
      description: undefined,
      public2b: created.public2b,
      private2b: created.private2b,
      publicArea: created.outPublic,
    };
  });
}

/**
 * Signs with a TSS2 key file: the TPM is opened, the key loaded under its parent, the data signed
 * as X.509 SigV4 wants it (`signing.ts`), everything flushed. `describe` names the key in errors.
 */
export async function signWithKeyFile(
  kf: Tss2KeyFile,
  password: Uint8Array,
  data: Uint8Array,
  digest: SignDigest,
  describe: string,
  deps: TpmDeps = {},
): Promise<Buffer> {
  checkSigningKey(kf.publicArea, describe);
  const req = signRequest(kf.publicArea, data, digest, describe);
  return withTpm(deps, async (tpm) => {
    const handle = await loadKeyFile(tpm, kf, describe);
    return req.encode(await signWithPassword(tpm, { handle, publicArea: kf.publicArea, describe }, password, req.digest, req.scheme, req.hashAlg));
  });
}

/** Signs with a persistent key (`handle:`), as {@link signWithKeyFile}. */
export async function signWithPersistentKey(
  handle: number,
  publicArea: TpmPublic,
  password: Uint8Array,
  data: Uint8Array,
  digest: SignDigest,
  describe: string,
  deps: TpmDeps = {},
): Promise<Buffer> {
  const req = signRequest(publicArea, data, digest, describe);
  return withTpm(deps, async (tpm) => req.encode(await signWithPassword(tpm, { handle, publicArea, describe }, password, req.digest, req.scheme, req.hashAlg)));
}

/**
 * Puts the key of `kf` at the persistent handle `handle` in place of what is there (the owner
 * authorizes, with an empty owner password as on most hosts): TPM2_EvictControl removes the old
 * object, TPM2_Load and TPM2_EvictControl make the new one persistent at the same handle, so
 * configurations naming `handle:0x81…` keep working. Called only once the certificate for the new
 * key is on disk.
 */
export async function replacePersistentKey(handle: number, kf: Tss2KeyFile, describe: string, deps: TpmDeps = {}): Promise<void> {
  await withTpm(deps, async (tpm) => {
    const present = (await tpm.persistentHandles(handle)).includes(handle);
    if (present) await tpm.evictControl(handle, handle);
    const loaded = await loadKeyFile(tpm, kf, describe);
    await tpm.evictControl(loaded, handle);
  });
}

/** The public area at a persistent handle, or undefined when nothing is there. */
export async function readPersistentPublic(handle: number, deps: TpmDeps = {}): Promise<TpmPublic | undefined> {
  return withTpm(deps, async (tpm) => ((await tpm.persistentHandles(handle)).includes(handle) ? readPersistent(tpm, handle) : undefined));
}
