/**
 * Which PKCS#11 module to load, and the injectable edges every PKCS#11 user shares (the signer's
 * key sources and the CA's token-held signing key).
 */
import { DEFAULT_PKCS11_MODULE } from './constants.js';
import { Pkcs11KeyError } from './errors.js';
import type { BindingFactory } from './pkcs11-api.js';
import type { Pkcs11Uri } from './uri.js';

/** Injected edges: the native binding and the environment (PIN fallback). */
export interface Pkcs11Deps {
  readonly binding?: BindingFactory | undefined;
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

/** Reads a file (the PIN's `pin-source`); injected by tests. */
export interface Pkcs11FileIo {
  readFile(path: string): Promise<Uint8Array>;
}

/**
 * The module path: `--pkcs11-lib`, else `module-path` of the key URI, then of the certificate URI,
 * else the p11-kit proxy (RFC 7512 §2.4 `module-path`; `module-name` lookup is platform-specific and
 * refused).
 */
export function modulePathFor(opts: { readonly pkcs11Lib?: string | undefined }, keyUri: Pkcs11Uri | undefined, certUri: Pkcs11Uri | undefined): string {
  if (opts.pkcs11Lib !== undefined && opts.pkcs11Lib !== '') return opts.pkcs11Lib;
  const fromUri = keyUri?.modulePath ?? certUri?.modulePath;
  if (fromUri !== undefined) return fromUri;
  if (keyUri?.moduleName !== undefined || certUri?.moduleName !== undefined) {
    throw new Pkcs11KeyError(
      'invalid_pkcs11_uri',
      'module-name is not supported (module lookup by name is platform-specific); give the library with --pkcs11-lib or module-path=.',
    );
  }
  return DEFAULT_PKCS11_MODULE;
}
