/**
 * Layout of a CA directory (`rapki ca init --dir D`, `rapki ca serve --dir D`).
 *
 * The CA itself (configuration, certificates, encrypted keys, rotation, sync targets) lives in its
 * store (docs/ha.md); the directory holds only what belongs to one node:
 * - `ca.db`, the default SQLite store (absent when the store is PostgreSQL);
 * - `ca.json`, a pointer `{"version": 2, "store": URL}` naming a store that is not the default
 *   (never a password); written by `ca init` and `ca migrate-store`;
 * - `tls/`, this node's server TLS certificate and key (each replica has its own names);
 * - `serve.lock` (SQLite stores: one serving process per directory), `passphrase` (development CAs
 *   made by `ca serve --init-if-missing` only);
 * - `root.pem` (and `intermediate.pem`), copies of the current CA certificates for distribution,
 *   rewritten at init, at every start of `ca serve` and when a rotation finishes; never read back;
 * - `imported-v1/`, the files of a directory made by an older rapki, after they were imported into
 *   the store at first open (`ca-dir-upgrade.ts`).
 *
 * The directory is 0700 and every file 0600; files are written through a temp file + rename so a
 * crash never leaves half a file.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { caError } from './errors.js';
import { writeFileAtomicSync } from '../../common/src/fs/atomic-write.js';
import type { CaKeyType } from './x509/types.js';

export interface CaPaths {
  readonly dir: string;
  readonly config: string;
  /** Export only (a copy of the current root for distribution): never read as state. */
  readonly rootCert: string;
  /** Export only (intermediate CAs). */
  readonly intermediateCert: string;
  readonly database: string;
  readonly passphrase: string;
  readonly tlsDir: string;
  readonly tlsCert: string;
  readonly tlsKey: string;
  readonly tlsMeta: string;
  /** Where the upgrade of an older directory moves the files it imported into the store. */
  readonly importedDir: string;
}

export function caPaths(dir: string): CaPaths {
  const d = resolve(dir);
  return {
    dir: d,
    config: join(d, 'ca.json'),
    rootCert: join(d, 'root.pem'),
    intermediateCert: join(d, 'intermediate.pem'),
    database: join(d, 'ca.db'),
    passphrase: join(d, 'passphrase'),
    tlsDir: join(d, 'tls'),
    tlsCert: join(d, 'tls', 'server.pem'),
    tlsKey: join(d, 'tls', 'server.key'),
    tlsMeta: join(d, 'tls', 'server.json'),
    importedDir: join(d, 'imported-v1'),
  };
}

/**
 * Contents of a version-1 `ca.json` (rapki before the store held the whole CA): read only by the
 * upgrade of such a directory (`ca-dir-upgrade.ts`). The fields live on in the store
 * (`CaConfigRecord`) and in the runtime view {@link CaConfig}.
 */
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

/**
 * The CA as the running code sees it (`ca-config.ts` builds it from the store): what `ca.json` said
 * in version 1, plus the id of the issuing certificate.
 */
export interface CaConfig {
  readonly keyType: CaKeyType;
  readonly subject: string;
  readonly intermediate: boolean;
  readonly createdAt: string;
  /** SHA-256 hex of the current root DER (what clients pin). */
  readonly fingerprint: string;
  /** Id of the certificate that signs leaves and CRLs now. */
  readonly issuerId: string;
  /** Present when the keys are on a PKCS#11 token. */
  readonly pkcs11?: CaPkcs11Keys | undefined;
}

/** What `ca.json` in a directory says: nothing (no file), a store pointer (version 2), or an older CA (version 1). */
export type CaDirPointer =
  { readonly kind: 'none' } | { readonly kind: 'pointer'; readonly store: string | undefined } | { readonly kind: 'legacy'; readonly config: CaDirConfig };

/** Version 2 of `ca.json`: only where the store is (never a password). */
export interface CaDirPointerFile {
  readonly version: 2;
  readonly store?: string | undefined;
}

/** True when the directory is a CA directory (`ca.json` of either version, or the default SQLite store). */
export function caExists(dir: string): boolean {
  const p = caPaths(dir);
  return existsSync(p.config) || existsSync(p.database);
}

/** Reads `ca.json` (absent: `none`); `ca_config_invalid` when it is neither version. */
export function readCaDirPointer(dir: string): CaDirPointer {
  const p = caPaths(dir);
  if (!existsSync(p.config)) return { kind: 'none' };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(p.config, 'utf8'));
  } catch (err) {
    throw caError('ca_config_invalid', `${p.config} is not valid JSON.`, { cause: err });
  }
  const v = (raw as { version?: unknown } | null)?.version;
  if (v === 1) return { kind: 'legacy', config: readCaConfig(dir) };
  const c = raw as Partial<CaDirPointerFile>;
  if (v !== 2 || (c.store !== undefined && (typeof c.store !== 'string' || c.store.length === 0 || c.store.length > 4096))) {
    throw caError('ca_config_invalid', `${p.config} does not have the expected fields.`);
  }
  return { kind: 'pointer', store: c.store };
}

/** Writes `ca.json` version 2 (atomic, 0600). */
export function writeCaDirPointer(dir: string, store: string | undefined): void {
  const body: CaDirPointerFile = { version: 2, ...(store !== undefined ? { store } : {}) };
  writeFileAtomicSync(caPaths(dir).config, `${JSON.stringify(body, null, 2)}\n`);
}

/** Reads a version-1 `ca.json` (the upgrade only). */
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
