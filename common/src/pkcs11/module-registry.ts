/**
 * Loads and initializes PKCS#11 modules, shared and reference-counted per library path.
 *
 * Why: C_Initialize/C_Finalize are per process (PKCS#11 v2.40 §5.4), so two signers on the same
 * module (serve refreshing while an old signer is still open, tests) must share one initialized
 * instance; the module is finalized and unloaded when the last user releases it. The native pkcs11js
 * addon is imported here lazily, so nothing PKCS#11 loads unless a `pkcs11:` URI is used.
 */
import { CKF_OS_LOCKING_OK, CKR_ARGUMENTS_BAD, CKR_CANT_LOCK, CKR_CRYPTOKI_ALREADY_INITIALIZED } from './constants.js';
import { ckrName, ckrOf } from './ckr.js';
import { Pkcs11KeyError } from './errors.js';
import type { BindingFactory, Pkcs11Api } from './pkcs11-api.js';

/** The default binding: pkcs11js, imported on first use. */
export const pkcs11jsBinding: BindingFactory = async () => {
  let mod: { PKCS11?: new () => Pkcs11Api; default?: { PKCS11?: new () => Pkcs11Api } };
  try {
    mod = (await import('pkcs11js')) as typeof mod;
  } catch (err) {
    throw new Pkcs11KeyError(
      'pkcs11_binding_unavailable',
      'PKCS#11 support needs the native pkcs11js addon, which could not be loaded; reinstall rapki with build tools (make, g++, python3) available.',
      { cause: err },
    );
  }
  const Ctor = mod.PKCS11 ?? mod.default?.PKCS11;
  if (Ctor === undefined) throw new Pkcs11KeyError('pkcs11_binding_unavailable', 'The pkcs11js addon does not export PKCS11.');
  return new Ctor();
};

/** A handle on an initialized module; `release()` once per `acquireModule`. */
export interface ModuleLease {
  readonly api: Pkcs11Api;
  readonly path: string;
  release(): void;
}

interface Entry {
  readonly ready: Promise<Pkcs11Api>;
  /** Counted synchronously at acquire, so a release racing a pending acquire never finalizes. */
  refs: number;
}

const modules = new Map<string, Entry>();

async function open(path: string, binding: BindingFactory): Promise<Pkcs11Api> {
  const api = await binding();
  try {
    api.load(path);
  } catch (err) {
    throw new Pkcs11KeyError(
      'pkcs11_module_not_found',
      `The PKCS#11 module ${path} cannot be loaded (${ckrName(err)}); pass the module with --pkcs11-lib or module-path= in the URI.`,
      { cause: err },
    );
  }
  try {
    try {
      // Signatures run on a worker thread (C_SignAsync): ask for OS locking, as PKCS#11 v2.40 §5.4
      // requires for multi-threaded callers; modules that cannot lock are initialized plainly.
      api.C_Initialize({ flags: CKF_OS_LOCKING_OK });
    } catch (err) {
      const ckr = ckrOf(err);
      if (ckr !== CKR_CANT_LOCK && ckr !== CKR_ARGUMENTS_BAD) throw err;
      api.C_Initialize();
    }
  } catch (err) {
    if (ckrOf(err) !== CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      try {
        api.close();
      } catch {
        /* already failing */
      }
      throw new Pkcs11KeyError('pkcs11_module_failed', `The PKCS#11 module ${path} failed to initialize: ${ckrName(err)}.`, { cause: err });
    }
  }
  return api;
}

function drop(path: string, entry: Entry): void {
  entry.refs--;
  if (entry.refs > 0 || modules.get(path) !== entry) return;
  modules.delete(path);
  entry.ready.then(
    (api) => {
      try {
        api.C_Finalize();
      } catch {
        /* finalize failures leave nothing to clean up */
      }
      try {
        api.close();
      } catch {
        /* already unloaded */
      }
    },
    () => undefined,
  );
}

/** Loads (or reuses) the module at `path` and takes a reference on it. */
export async function acquireModule(path: string, binding: BindingFactory): Promise<ModuleLease> {
  let entry = modules.get(path);
  if (entry === undefined) {
    entry = { ready: open(path, binding), refs: 0 };
    modules.set(path, entry);
  }
  entry.refs++;
  const e = entry;
  let api: Pkcs11Api;
  try {
    api = await e.ready;
  } catch (err) {
    if (modules.get(path) === e) modules.delete(path);
    e.refs--;
    throw err;
  }
  let released = false;
  return {
    api,
    path,
    release() {
      if (released) return;
      released = true;
      drop(path, e);
    },
  };
}
