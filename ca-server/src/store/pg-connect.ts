/**
 * The `pg` pool configuration of a {@link PgConnectionSpec}: TLS as libpq's `sslmode` says
 * (https://www.postgresql.org/docs/15/libpq-ssl.html#LIBPQ-SSL-PROTECTION), the password looked up
 * per connection (`pg-password.ts`), and bounds on every wait so that a dead or stuck database
 * gives an error, never a hang:
 * - `connectionTimeoutMillis`: a new connection (or a free one from the pool) within this time;
 * - `statement_timeout` (server side) and `query_timeout` (client side, a little longer, for a
 *   server that stopped answering altogether);
 * - `idle_in_transaction_session_timeout`: a replica that died inside a transaction releases its
 *   locks (the audit head!) after this time at the latest; TCP keep-alive finds dead peers.
 *
 * sslmode: `disable` plain; `allow`/`prefer` TLS without verification when the server offers it,
 * else plain (decided once when the store opens); `require` TLS without verification (as libpq,
 * with `sslrootcert` it verifies the chain like `verify-ca`); `verify-ca` chain only; `verify-full`
 * chain and host name. `sslrootcert=system` uses Node's CA store. Unix sockets never use TLS.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { caError } from '../errors.js';
import { pgPassword } from './pg-password.js';
import type { PgConnectionSpec } from './store-url.js';

export const PG_DEFAULTS = Object.freeze({
  poolMax: 10,
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 10_000,
  /** Extra client-side margin over the statement timeout. */
  queryTimeoutMarginMs: 5_000,
  idleInTransactionMs: 30_000,
  idleClientMs: 30_000,
});

export interface PgConnectOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly warn?: (message: string) => void;
}

/** TLS options for a verification mode, or false. */
function tlsOptions(spec: PgConnectionSpec, verify: 'none' | 'ca' | 'full'): ConnectionOptions {
  const read = (what: string, path: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw caError('store_url_invalid', `Cannot read ${what} ${path}.`, { cause: err });
    }
  };
  const o: ConnectionOptions = { rejectUnauthorized: verify !== 'none' };
  if (spec.sslrootcert !== undefined && spec.sslrootcert !== 'system') o.ca = read('sslrootcert', spec.sslrootcert);
  if (verify === 'ca') o.checkServerIdentity = () => undefined;
  if (spec.sslcert !== undefined) o.cert = read('sslcert', spec.sslcert);
  if (spec.sslkey !== undefined) o.key = read('sslkey', spec.sslkey);
  return o;
}

/** The TLS setting for a pool: `false`, or options. `prefer`/`allow` return 'probe'. */
function sslSetting(spec: PgConnectionSpec): false | ConnectionOptions | 'probe' {
  if (spec.host.startsWith('/')) return false;
  switch (spec.sslmode) {
    case 'disable':
      return false;
    case 'allow':
    case 'prefer':
      return 'probe';
    case 'require':
      return tlsOptions(spec, spec.sslrootcert !== undefined ? 'ca' : 'none');
    case 'verify-ca':
    case 'verify-full':
      if (spec.sslrootcert === undefined) {
        throw caError('store_url_invalid', `sslmode=${spec.sslmode} needs sslrootcert=FILE (the CA that issued the server certificate) or sslrootcert=system.`);
      }
      return tlsOptions(spec, spec.sslmode === 'verify-ca' ? 'ca' : 'full');
  }
}

function baseConfig(spec: PgConnectionSpec, o: PgConnectOptions): pg.PoolConfig {
  const env = o.env ?? process.env;
  const statementTimeout = spec.statementTimeoutMs ?? PG_DEFAULTS.statementTimeoutMs;
  return {
    host: spec.host,
    port: spec.port,
    user: spec.user,
    database: spec.database,
    // A function: looked up for every new connection (PGPASSFILE rotation), never logged.
    password: async () => pgPassword(spec, { env, warn: o.warn }) ?? '',
    application_name: spec.applicationName,
    max: spec.poolMax ?? PG_DEFAULTS.poolMax,
    connectionTimeoutMillis: spec.connectTimeoutMs ?? PG_DEFAULTS.connectTimeoutMs,
    idleTimeoutMillis: PG_DEFAULTS.idleClientMs,
    statement_timeout: statementTimeout,
    query_timeout: statementTimeout + PG_DEFAULTS.queryTimeoutMarginMs,
    idle_in_transaction_session_timeout: PG_DEFAULTS.idleInTransactionMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

/**
 * The pool configuration; for `prefer`/`allow` one probe connection decides between TLS and
 * plain (a server that refuses TLS answers "does not support SSL").
 */
export async function pgPoolConfig(spec: PgConnectionSpec, o: PgConnectOptions = {}): Promise<pg.PoolConfig> {
  const base = baseConfig(spec, o);
  const ssl = sslSetting(spec);
  if (ssl !== 'probe') return { ...base, ssl };
  const withTls = tlsOptions(spec, 'none');
  const probe = new pg.Client({ ...base, ssl: withTls });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return { ...base, ssl: withTls };
  } catch (err) {
    if (/does not support SSL/i.test(String((err as Error)?.message))) return { ...base, ssl: false };
    throw err;
  } finally {
    await probe.end().catch(() => {});
  }
}
