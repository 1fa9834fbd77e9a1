/**
 * Configuration of `rapki ca serve`: one schema, validated at start, then frozen (DESIGN.md
 * Conventions; fastify's `initial-config-validation`).
 */
import { readFileSync } from 'node:fs';
import { authorityConfig, type AuthorityConfig } from './authority/authority-config.js';
import { caPaths } from './ca-dir.js';
import { caError } from './errors.js';

export const DEFAULT_LISTEN = '127.0.0.1:8443';
/** Largest JSON body accepted (the biggest legitimate one is a CSR of an RSA-8192 key, ~2 KiB). */
export const BODY_LIMIT_BYTES = 64 * 1024;

export interface RateLimit {
  /** Tokens added per second. */
  readonly ratePerSecond: number;
  readonly burst: number;
}

export interface ServeConfig {
  readonly dir: string;
  readonly host: string;
  readonly port: number;
  readonly authority: AuthorityConfig;
  readonly rateLimits: { readonly enroll: RateLimit; readonly admin: RateLimit };
  readonly bodyLimitBytes: number;
  /** Server TLS certificate lifetime; it is reissued when a third of it is left. */
  readonly tlsCertDays: number;
  /** The web console at `/ui/` (docs/console.md). */
  readonly console: ConsoleConfig;
}

/** `--no-ui`, `--ui-idle-timeout`, `--ui-session-lifetime` of `rapki ca serve`. */
export interface ConsoleConfig {
  readonly enabled: boolean;
  /** A session unused this long ends. */
  readonly idleTimeoutSeconds: number;
  /** A session ends this long after sign-in, however much it is used. */
  readonly lifetimeSeconds: number;
}

/** Short enough that an unattended browser does not stay signed in, long enough for an incident. */
export const DEFAULT_CONSOLE_CONFIG: ConsoleConfig = Object.freeze({ enabled: true, idleTimeoutSeconds: 15 * 60, lifetimeSeconds: 8 * 3600 });
/** Bounds of the console lifetimes (seconds). */
export const CONSOLE_LIMITS = Object.freeze({ minIdle: 60, maxIdle: 24 * 3600, minLifetime: 300, maxLifetime: 7 * 86400 });

export const DEFAULT_RATE_LIMITS = Object.freeze({
  enroll: Object.freeze({ ratePerSecond: 200, burst: 400 }),
  admin: Object.freeze({ ratePerSecond: 50, burst: 100 }),
});

/** Parses `HOST:PORT`, `[v6]:PORT` or `PORT`. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(listen) ?? (/^(\d{1,5})$/.exec(listen) ? [listen, undefined, '127.0.0.1', listen] : null);
  if (!m) throw caError('listen_invalid', `--listen "${listen}" must be HOST:PORT.`);
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw caError('listen_invalid', 'The port must be 0-65535.');
  return { host: (m[1] ?? m[2])!, port };
}

export function serveConfig(input: {
  dir: string;
  listen?: string | undefined;
  authority?: Partial<AuthorityConfig>;
  rateLimits?: Partial<ServeConfig['rateLimits']>;
  console?: Partial<ConsoleConfig> | undefined;
}): ServeConfig {
  const { host, port } = parseListen(input.listen ?? DEFAULT_LISTEN);
  const rl = { ...DEFAULT_RATE_LIMITS, ...(input.rateLimits ?? {}) };
  for (const [k, v] of Object.entries(rl)) {
    if (!(v.ratePerSecond > 0) || !(v.burst >= 1)) throw caError('ca_config_invalid', `rate limit ${k} must be positive.`);
  }
  const ui = { ...DEFAULT_CONSOLE_CONFIG, ...(input.console ?? {}) };
  const L = CONSOLE_LIMITS;
  if (!Number.isInteger(ui.idleTimeoutSeconds) || ui.idleTimeoutSeconds < L.minIdle || ui.idleTimeoutSeconds > L.maxIdle) {
    throw caError('ca_config_invalid', `--ui-idle-timeout must be ${L.minIdle} s to ${L.maxIdle / 3600} h.`);
  }
  if (!Number.isInteger(ui.lifetimeSeconds) || ui.lifetimeSeconds < L.minLifetime || ui.lifetimeSeconds > L.maxLifetime) {
    throw caError('ca_config_invalid', `--ui-session-lifetime must be ${L.minLifetime / 60} min to ${L.maxLifetime / 86400} days.`);
  }
  if (ui.idleTimeoutSeconds > ui.lifetimeSeconds) throw caError('ca_config_invalid', '--ui-idle-timeout must not be longer than --ui-session-lifetime.');
  return Object.freeze({
    dir: caPaths(input.dir).dir,
    host,
    port,
    authority: authorityConfig(input.authority),
    rateLimits: Object.freeze(rl),
    bodyLimitBytes: BODY_LIMIT_BYTES,
    tlsCertDays: 30,
    console: Object.freeze(ui),
  });
}

/**
 * The CA key passphrase: `RAPKI_CA_PASSPHRASE`, else `--passphrase-file`, else `D/passphrase`
 * (only written by `--init-if-missing` on a fresh directory). Trailing newline of a file dropped.
 */
export function resolvePassphrase(opts: { env: NodeJS.ProcessEnv; passphraseFile?: string | undefined; dir?: string | undefined }): string | undefined {
  const fromEnv = opts.env.RAPKI_CA_PASSPHRASE;
  if (fromEnv) return fromEnv;
  const file = opts.passphraseFile ?? (opts.dir ? caPaths(opts.dir).passphrase : undefined);
  if (!file) return undefined;
  try {
    const v = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    return v.length > 0 ? v : undefined;
  } catch (err) {
    if (opts.passphraseFile) throw caError('passphrase_required', `Cannot read the passphrase file ${opts.passphraseFile}.`, { cause: err });
    return undefined;
  }
}
