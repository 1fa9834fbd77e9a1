/**
 * Layout of a CA directory (`rapki ca init --dir D`) and its `ca.json`.
 *
 * Why a fixed layout: `ca init`, `ca serve`, backups and operators must agree on where the keys,
 * certificates and database live. The directory is 0700 and every file 0600; files are written
 * through a temp file + rename so a crash never leaves half a key. `ca.json` is written last, so
 * its presence means "a complete CA lives here".
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { caError } from './errors.js';
import { writeFileAtomic0600 } from './keys/write-file-atomic.js';
import type { CaKeyType } from './x509/types.js';

export interface CaPaths {
  readonly dir: string;
  readonly config: string;
  readonly rootCert: string;
  readonly rootKey: string;
  readonly intermediateCert: string;
  readonly intermediateKey: string;
  readonly database: string;
  readonly passphrase: string;
  readonly tlsDir: string;
  readonly tlsCert: string;
  readonly tlsKey: string;
  readonly tlsMeta: string;
}

export function caPaths(dir: string): CaPaths {
  const d = resolve(dir);
  return {
    dir: d,
    config: join(d, 'ca.json'),
    rootCert: join(d, 'root.pem'),
    rootKey: join(d, 'root.key.enc'),
    intermediateCert: join(d, 'intermediate.pem'),
    intermediateKey: join(d, 'intermediate.key.enc'),
    database: join(d, 'ca.db'),
    passphrase: join(d, 'passphrase'),
    tlsDir: join(d, 'tls'),
    tlsCert: join(d, 'tls', 'server.pem'),
    tlsKey: join(d, 'tls', 'server.key'),
    tlsMeta: join(d, 'tls', 'server.json'),
  };
}

/** Contents of `ca.json`. */
export interface CaDirConfig {
  readonly version: 1;
  readonly keyType: CaKeyType;
  readonly subject: string;
  readonly intermediate: boolean;
  readonly createdAt: string;
  /** SHA-256 hex of the root DER. */
  readonly fingerprint: string;
  /**
   * Present when the CA keys live on a PKCS#11 token (`ca init --key pkcs11:…`): RFC 7512 URIs of
   * the keys (never a PIN; the PIN comes from `pin-source` or RAPKI_PKCS11_PIN at every start) and
   * the module. There are then no `*.key.enc` files.
   */
  readonly pkcs11?: CaPkcs11Keys | undefined;
  /**
   * The store URL given to `ca init` when it is not the default `sqlite:<dir>/ca.db` (e.g.
   * `postgres://rapki@db.example:5432/rapki`), never with a password; commands on this directory
   * use it unless told otherwise (`--store-url`, RAPKI_CA_STORE_URL). Absent: the default.
   */
  readonly store?: string | undefined;
}

/** Where a token-held CA's keys are (`ca.json` → `pkcs11`). */
export interface CaPkcs11Keys {
  readonly rootKey: string;
  /** Only with `intermediate: true`. */
  readonly intermediateKey?: string | undefined;
  /** `--pkcs11-lib` given at init (else the URI's module-path, else p11-kit-proxy). */
  readonly module?: string | undefined;
}

function validPkcs11Keys(v: unknown, intermediate: boolean): boolean {
  if (v === undefined) return true;
  if (typeof v !== 'object' || v === null) return false;
  const k = v as Partial<CaPkcs11Keys>;
  const uri = (x: unknown): boolean => typeof x === 'string' && /^pkcs11:/i.test(x) && x.length <= 4096 && !/pin-value=/i.test(x);
  return (
    uri(k.rootKey) &&
    (intermediate ? uri(k.intermediateKey) : k.intermediateKey === undefined) &&
    (k.module === undefined || (typeof k.module === 'string' && k.module.length > 0 && k.module.length <= 4096))
  );
}

export function caExists(dir: string): boolean {
  return existsSync(caPaths(dir).config);
}

/** Creates the directory (and parents) and forces 0700 on it. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

export function writePrivateFile(path: string, data: string | Uint8Array): void {
  writeFileAtomic0600(path, data);
}

export function readCaConfig(dir: string): CaDirConfig {
  const p = caPaths(dir);
  if (!existsSync(p.config)) throw caError('ca_not_found', `No CA in ${p.dir}; run \`rapki ca init --dir ${dir}\` first.`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(p.config, 'utf8'));
  } catch (err) {
    throw caError('ca_config_invalid', `${p.config} is not valid JSON.`, { cause: err });
  }
  const c = raw as Partial<CaDirConfig>;
  if (
    c.version !== 1 ||
    !['ec-p256', 'ec-p384', 'rsa-3072', 'rsa-4096'].includes(String(c.keyType)) ||
    typeof c.subject !== 'string' ||
    typeof c.intermediate !== 'boolean' ||
    typeof c.fingerprint !== 'string' ||
    !/^[0-9a-f]{64}$/.test(c.fingerprint) ||
    !validPkcs11Keys(c.pkcs11, c.intermediate) ||
    (c.store !== undefined && (typeof c.store !== 'string' || c.store.length === 0 || c.store.length > 4096))
  ) {
    throw caError('ca_config_invalid', `${p.config} does not have the expected fields.`);
  }
  return Object.freeze(c as CaDirConfig);
}

/** True when group/other can read the file or directory (we warn; we do not refuse). */
export function isTooOpen(path: string): boolean {
  try {
    return (statSync(path).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}
