/**
 * Throw-away PostgreSQL clusters for tests (Debian's `postgresql` package; `.ci/run` installs it).
 *
 * Each {@link startPostgres} runs `initdb` into a fresh temp directory and starts `postgres` on a
 * free port of 127.0.0.1 (and a Unix socket inside that directory), as the `postgres` system user
 * when the tests run as root (the server refuses root). `close()` stops it and removes the
 * directory. The server is not a daemon: it runs under a small shell wrapper that holds a pipe to
 * the test process, so if the test process dies (crash, SIGKILL of a vitest worker) the pipe closes
 * and the wrapper stops the server (SIGQUIT, immediate shutdown) and removes the directory: no
 * orphaned server, no stale directory.
 *
 * `fsync=off` and `full_page_writes=off` by default: safe for tests that kill server processes but
 * never the machine (a commit still reaches the OS before it is acknowledged: `synchronous_commit`
 * stays on, so even an immediate shutdown loses nothing acknowledged), and much faster on a busy
 * disk. A test of durability across a machine crash would pass `fsync: true`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Newest installed PostgreSQL server binaries (`PG_BIN` overrides). */
export const PG_BIN: string | undefined = (() => {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : undefined;
})();

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export const POSTGRES_MISSING: string | undefined = PG_BIN
  ? undefined
  : 'PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (install the Debian package postgresql; .ci/run does) or set PG_BIN';

export interface StartPostgresOptions {
  /** Keep fsync on (durability tests). Default false. */
  readonly fsync?: boolean;
  /** `max_connections` (default 100; raise it for several replicas with pools). */
  readonly maxConnections?: number;
  /** `trust` (default) or `scram`: TCP connections then need the password (`cluster.password`). */
  readonly auth?: 'trust' | 'scram';
  /** Extra `-c name=value` server settings. */
  readonly settings?: Readonly<Record<string, string | number>>;
  /** Serve TLS with this certificate and key (PEM files; copied into the cluster directory). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

export interface PostgresCluster {
  readonly host: string;
  readonly port: number;
  /** Temp directory (data, socket, log); removed by close(). */
  readonly dir: string;
  /** The superuser's password with `auth: 'scram'`, else undefined. */
  readonly password: string | undefined;
  /** `postgres://postgres@127.0.0.1:PORT/DB` (no password in it). */
  url(database?: string): string;
  /**
   * A new empty database (a fresh name unless given); returns its URL. With `icuLocale` its default
   * collation is that ICU locale's (e.g. `en-US`: case and punctuation sort linguistically, not by
   * byte), as on a production server created with a locale; otherwise the cluster's `C`.
   */
  createDatabase(name?: string, opts?: { readonly icuLocale?: string }): Promise<string>;
  /** Runs SQL as the superuser on a database (default `postgres`). */
  query(sql: string, params?: unknown[], database?: string): Promise<pg.QueryResult>;
  /** Stops the server: `fast` (clean shutdown) or `immediate` (like a crash; recovery at next start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts the stopped server again on the same port and data. */
  start(): Promise<void>;
  readonly running: boolean;
  /** The server log so far (for failure messages). */
  log(): string;
  /** Stops the server (immediate) and removes the directory; safe to call twice. */
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** uid/gid of the `postgres` user (when running as root). */
function postgresUser(): { uid: number; gid: number } {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) throw new Error('running as root but there is no `postgres` user (the Debian postgresql package creates it)');
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** argv prefix running a command as the server's user. */
function asServerUser(): string[] {
  return isRoot() ? ['runuser', '-u', 'postgres', '--'] : [];
}

function runAsServerUser(cmd: string, args: string[], cwd: string): void {
  const argv = [...asServerUser(), cmd, ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The wrapper: starts postgres in the background, stops it (SIGQUIT) and removes the directory
 * when its stdin (a pipe held by the test process) closes without a prior "keep" line. Args:
 * $1 bin dir, $2 data dir, $3 log file, $4 the directory to remove on abandonment, then settings.
 */
const WRAPPER = `
bin="$1"; data="$2"; log="$3"; top="$4"; shift 4
exec 3<&0
"$bin/postgres" -D "$data" "$@" </dev/null >>"$log" 2>&1 &
p=$!
(
  line=""
  read -r line <&3 || true
  if [ "$line" != "keep" ]; then
    kill -QUIT "$p" 2>/dev/null
    while kill -0 "$p" 2>/dev/null; do sleep 0.1; done
    rm -rf "$top"
  fi
) &
w=$!
wait "$p"
st=$?
exit $st
`;

export async function startPostgres(o: StartPostgresOptions = {}): Promise<PostgresCluster> {
  if (!PG_BIN) throw new Error(POSTGRES_MISSING);
  const bin = PG_BIN;
  const dir = mkdtempSync(join(tmpdir(), 'rapki-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const password = o.auth === 'scram' ? randomBytes(18).toString('base64url') : undefined;
  try {
    if (isRoot()) {
      const u = postgresUser();
      chownSync(dir, u.uid, u.gid);
    }
    const initArgs = ['-D', data, '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync', '--no-instructions'];
    if (password !== undefined) {
      const pwfile = join(dir, 'pwfile');
      writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
      if (isRoot()) {
        const u = postgresUser();
        chownSync(pwfile, u.uid, u.gid);
      }
      initArgs.push('--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`);
    } else {
      initArgs.push('-A', 'trust');
    }
    runAsServerUser(join(bin, 'initdb'), initArgs, dir);
    rmSync(join(dir, 'pwfile'), { force: true });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const tlsSettings: Record<string, string> = {};
  if (o.tls) {
    for (const [name, from] of [
      ['server.crt', o.tls.certFile],
      ['server.key', o.tls.keyFile],
    ] as const) {
      const to = join(dir, name);
      writeFileSync(to, readFileSync(from), { mode: 0o600 });
      if (isRoot()) {
        const u = postgresUser();
        chownSync(to, u.uid, u.gid);
      }
    }
    Object.assign(tlsSettings, { ssl: 'on', ssl_cert_file: join(dir, 'server.crt'), ssl_key_file: join(dir, 'server.key') });
  }
  const settings: Record<string, string | number> = {
    ...tlsSettings,
    listen_addresses: '127.0.0.1',
    unix_socket_directories: dir,
    max_connections: o.maxConnections ?? 100,
    fsync: o.fsync ? 'on' : 'off',
    full_page_writes: o.fsync ? 'on' : 'off',
    shared_buffers: '32MB',
    logging_collector: 'off',
    ...o.settings,
  };
  let port = 0;
  let child: ChildProcess | undefined;
  let closed = false;

  const launch = async (): Promise<void> => {
    const args = Object.entries({ ...settings, port }).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
    const argv = [...asServerUser(), 'sh', '-c', WRAPPER, 'pg-wrapper', bin, data, logFile, dir, ...args];
    const c = spawn(argv[0]!, argv.slice(1), { cwd: dir, stdio: ['pipe', 'ignore', 'ignore'] });
    c.stdin!.on('error', () => {});
    child = c;
    const exited = new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const done = await Promise.race([exited.then(() => 'exited' as const), ready().then((ok) => (ok ? ('ready' as const) : ('wait' as const)))]);
      if (done === 'ready') return;
      if (done === 'exited') throw new Error(`postgres exited at start:\n${tail()}`);
      if (Date.now() > deadline) throw new Error(`postgres not ready after ${START_TIMEOUT_MS} ms:\n${tail()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const ready = async (): Promise<boolean> => {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', password, connectionTimeoutMillis: 2000 });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await c.end().catch(() => {});
    }
  };

  const tail = (): string => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '(no server log)';
    }
  };

  const postmasterPid = (): number | undefined => {
    try {
      const n = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(n) && n > 0 ? n : undefined;
    } catch {
      return undefined;
    }
  };

  const stop = async (mode: 'fast' | 'immediate' = 'fast'): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    // Tell the wrapper's watchdog that this stop is deliberate (keep the directory).
    c.stdin!.end('keep\n');
    const pid = postmasterPid();
    if (pid !== undefined) {
      try {
        process.kill(pid, mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
      } catch {
        // already gone
      }
    }
    const timer = setTimeout(() => {
      const p = postmasterPid();
      if (p !== undefined) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }, STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    child = undefined;
  };

  // A port found free may be taken by someone else before postgres binds it: try a few.
  let lastErr: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    port = await freePort();
    try {
      await launch();
      lastErr = undefined;
      break;
    } catch (err) {
      lastErr = err;
      await stop('immediate').catch(() => {});
    }
  }
  if (lastErr !== undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw lastErr;
  }

  const admin = async <T>(database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database, password });
    c.on('error', () => {});
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end().catch(() => {});
    }
  };
  let dbCounter = 0;

  const cluster: PostgresCluster = {
    host: '127.0.0.1',
    get port() {
      return port;
    },
    dir,
    password,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async createDatabase(name?: string, opts: { readonly icuLocale?: string } = {}) {
      const db = name ?? `t${process.pid}_${++dbCounter}_${randomBytes(3).toString('hex')}`;
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(db)) throw new Error(`bad database name ${db}`);
      const icu = opts.icuLocale;
      if (icu !== undefined && !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(icu)) throw new Error(`bad ICU locale ${icu}`);
      const how = icu === undefined ? '' : ` TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8' LOCALE_PROVIDER icu ICU_LOCALE '${icu}'`;
      await admin('postgres', (c) => c.query(`CREATE DATABASE ${db}${how}`));
      return cluster.url(db);
    },
    query: (sql, params, database = 'postgres') => admin(database, (c) => c.query(sql, params)),
    stop,
    async start() {
      if (closed) throw new Error('the cluster is closed');
      if (child) return;
      await launch();
    },
    get running() {
      return child !== undefined;
    },
    log: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await stop('immediate').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}
