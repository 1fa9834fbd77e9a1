/**
 * Where the CA's store is: `--store-url`, `--store-url-file`, `RAPKI_CA_STORE_URL`, the URL that
 * `ca init` recorded in `ca.json`, else `sqlite:<dir>/ca.db` (docs/ha.md "Choosing the store").
 *
 * `postgres://` / `postgresql://` select PostgreSQL (libpq's URI form,
 * https://www.postgresql.org/docs/15/libpq-connect.html#LIBPQ-CONNSTRING); `sqlite:PATH` names a
 * SQLite file. A password never comes from a command-line flag (`ps` shows flags to every user):
 * one inside `--store-url` is refused; it comes from PGPASSWORD, PGPASSFILE (~/.pgpass), a
 * `--store-url-file`, or `RAPKI_CA_STORE_URL` (the environment of a process is private to its user).
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { caError } from '../errors.js';

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** A PostgreSQL connection as libpq would make it (defaults filled in from the environment). */
export interface PgConnectionSpec {
  /** Host name, IP address, or a Unix socket directory (starts with `/`). */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  /** Only from a URL given through a file or the environment; else PGPASSWORD / PGPASSFILE at connect time. */
  readonly password: string | undefined;
  readonly sslmode: SslMode;
  readonly sslrootcert: string | undefined;
  readonly sslcert: string | undefined;
  readonly sslkey: string | undefined;
  readonly applicationName: string;
  readonly connectTimeoutMs: number | undefined;
  /** rapki's own parameters (`pool_max`, `statement_timeout` in ms). */
  readonly poolMax: number | undefined;
  readonly statementTimeoutMs: number | undefined;
}

export type StoreLocation =
  | { readonly backend: 'sqlite'; readonly file: string; readonly display: string }
  | { readonly backend: 'postgres'; readonly spec: PgConnectionSpec; readonly display: string };

/** Where the URL came from (a flag shows in `ps`; the others do not). */
export type StoreUrlOrigin = 'flag' | 'file' | 'env' | 'ca.json' | 'default';

export interface StoreUrlInput {
  /** CA directory (holds `ca.db` for the default SQLite store). */
  readonly dir: string;
  /** `--store-url`. */
  readonly url?: string | undefined;
  /** `--store-url-file`. */
  readonly urlFile?: string | undefined;
  /** The URL recorded in `ca.json` by `ca init` (never with a password). */
  readonly recorded?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /** Told about risky but accepted input (e.g. a URL file readable by others). */
  readonly warn?: (message: string) => void;
}

/** The store URL and where it came from. */
export function storeUrlOf(i: StoreUrlInput): { url: string; origin: StoreUrlOrigin } {
  const env = i.env ?? process.env;
  if (i.url !== undefined && i.urlFile !== undefined) throw caError('store_url_invalid', 'Give --store-url or --store-url-file, not both.');
  if (i.url !== undefined) return { url: i.url, origin: 'flag' };
  if (i.urlFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(i.urlFile, 'utf8');
    } catch (err) {
      throw caError('store_url_invalid', `Cannot read the store URL file ${i.urlFile}.`, { cause: err });
    }
    try {
      if ((statSync(i.urlFile).mode & 0o077) !== 0) i.warn?.(`${i.urlFile} is readable by group or others; chmod 0600 it (it may hold the database password)`);
    } catch {
      // read above; a race here is harmless
    }
    return { url: text.trim(), origin: 'file' };
  }
  const fromEnv = env.RAPKI_CA_STORE_URL;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { url: fromEnv.trim(), origin: 'env' };
  if (i.recorded !== undefined) return { url: i.recorded, origin: 'ca.json' };
  return { url: `sqlite:${join(resolve(i.dir), 'ca.db')}`, origin: 'default' };
}

/** Resolves and parses: the location of the store for a command. */
export function resolveStoreLocation(i: StoreUrlInput): StoreLocation {
  const { url, origin } = storeUrlOf(i);
  return parseStoreUrl(url, { origin, dir: i.dir, env: i.env ?? process.env });
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(url);
}

/**
 * Parses a store URL. `origin` 'flag' refuses a password in it. Relative SQLite paths are taken
 * relative to `dir`.
 */
export function parseStoreUrl(url: string, o: { origin: StoreUrlOrigin; dir: string; env?: NodeJS.ProcessEnv }): StoreLocation {
  const env = o.env ?? process.env;
  if (url.length === 0 || url.length > 4096) throw caError('store_url_invalid', 'The store URL is empty or too long.');
  if (/^sqlite:/i.test(url)) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path.length === 0 || path.includes('\0')) throw caError('store_url_invalid', 'sqlite: needs a file path, e.g. sqlite:/var/lib/rapki/ca/ca.db.');
    const file = isAbsolute(path) ? path : resolve(o.dir, path);
    return { backend: 'sqlite', file, display: `sqlite:${file}` };
  }
  if (!isPostgresUrl(url)) throw caError('store_url_invalid', 'The store URL must start with postgres://, postgresql:// or sqlite:.');
  let u: URL;
  // libpq allows an empty host (postgres:///db, postgres://user@/db): the environment or the socket then.
  const NO_HOST = 'rapki-no-host.invalid';
  let hostless = false;
  try {
    // WHATWG URL parses postgres:// as an opaque-host URL; swap the scheme for one with a host.
    const asHttp = url.replace(/^postgres(?:ql)?:\/\/([^/?#]*)/i, (_m, auth: string) => {
      const at = auth.lastIndexOf('@');
      if (auth.slice(at + 1) !== '' && !auth.slice(at + 1).startsWith(':')) return `http://${auth}`;
      hostless = true;
      return `http://${auth.slice(0, at + 1)}${NO_HOST}${auth.slice(at + 1)}`;
    });
    u = new URL(asHttp);
  } catch (err) {
    throw caError('store_url_invalid', 'The PostgreSQL URL cannot be parsed.', { cause: err });
  }
  const params = u.searchParams;
  const known = new Set([
    'host',
    'port',
    'user',
    'dbname',
    'password',
    'sslmode',
    'sslrootcert',
    'sslcert',
    'sslkey',
    'application_name',
    'connect_timeout',
    'pool_max',
    'statement_timeout',
  ]);
  for (const k of params.keys()) {
    if (!known.has(k))
      throw caError('store_url_invalid', `Unknown parameter "${k}" in the store URL (known: ${[...known].filter((x) => x !== 'password').join(', ')}).`);
  }
  const password = u.password !== '' ? decodeURIComponent(u.password) : (params.get('password') ?? undefined);
  if (password !== undefined && o.origin === 'flag') throw caError('store_url_has_password');
  const sslmodeRaw = params.get('sslmode') ?? env.PGSSLMODE ?? 'prefer';
  if (!SSL_MODES.includes(sslmodeRaw as SslMode)) throw caError('store_url_invalid', `sslmode must be one of ${SSL_MODES.join(', ')}.`);
  const int = (name: string, v: string | null | undefined, min: number, max: number): number | undefined => {
    if (v === null || v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw caError('store_url_invalid', `${name} must be an integer from ${min} to ${max}.`);
    return n;
  };
  const host = params.get('host') ?? (!hostless ? decodeURIComponent(u.hostname).replace(/^\[(.*)\]$/, '$1') : undefined) ?? env.PGHOST ?? defaultHost();
  const port = int('port', params.get('port') ?? (u.port !== '' ? u.port : env.PGPORT), 1, 65535) ?? 5432;
  const user = params.get('user') ?? (u.username !== '' ? decodeURIComponent(u.username) : undefined) ?? env.PGUSER ?? userInfo().username;
  const pathDb = u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : undefined;
  const database = params.get('dbname') ?? pathDb ?? env.PGDATABASE ?? user;
  const connectTimeoutS = int('connect_timeout', params.get('connect_timeout') ?? env.PGCONNECT_TIMEOUT, 1, 3600);
  const spec: PgConnectionSpec = {
    host,
    port,
    user,
    database,
    password,
    sslmode: sslmodeRaw as SslMode,
    sslrootcert: params.get('sslrootcert') ?? env.PGSSLROOTCERT ?? undefined,
    sslcert: params.get('sslcert') ?? env.PGSSLCERT ?? undefined,
    sslkey: params.get('sslkey') ?? env.PGSSLKEY ?? undefined,
    applicationName: params.get('application_name') ?? 'rapki-ca',
    connectTimeoutMs: connectTimeoutS === undefined ? undefined : connectTimeoutS * 1000,
    poolMax: int('pool_max', params.get('pool_max'), 1, 1000),
    statementTimeoutMs: int('statement_timeout', params.get('statement_timeout'), 100, 3_600_000),
  };
  return { backend: 'postgres', spec, display: displayUrl(spec) };
}

/** The URL without a password (safe to log, and what `ca init` records in `ca.json`). */
export function displayUrl(s: PgConnectionSpec): string {
  const socket = s.host.startsWith('/');
  const hostPart = socket ? '' : s.host.includes(':') ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`;
  const q = new URLSearchParams();
  if (socket) {
    q.set('host', s.host);
    if (s.port !== 5432) q.set('port', String(s.port));
  }
  if (s.sslmode !== 'prefer') q.set('sslmode', s.sslmode);
  for (const [k, v] of [
    ['sslrootcert', s.sslrootcert],
    ['sslcert', s.sslcert],
    ['sslkey', s.sslkey],
  ] as const)
    if (v !== undefined) q.set(k, v);
  if (s.poolMax !== undefined) q.set('pool_max', String(s.poolMax));
  if (s.statementTimeoutMs !== undefined) q.set('statement_timeout', String(s.statementTimeoutMs));
  const qs = q.toString();
  return `postgres://${encodeURIComponent(s.user)}@${hostPart}/${encodeURIComponent(s.database)}${qs ? `?${qs}` : ''}`;
}

/** libpq's default: the Unix socket directory of the Debian/Ubuntu packages, else localhost. */
function defaultHost(): string {
  try {
    if (statSync('/var/run/postgresql').isDirectory()) return '/var/run/postgresql';
  } catch {
    // none
  }
  return 'localhost';
}
