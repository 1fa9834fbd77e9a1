/**
 * Configuration of `rapki ca serve`: one schema, validated at start, then frozen (a bad value stops
 * the start, never a later request; fastify's `initial-config-validation`).
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { isRapkiError } from '../../common/src/errors.js';
import { keyFileModeWarning, type KeyLoadWarning } from '../../common/src/key-file-mode.js';
import { checkSan } from '../../common/src/name-policy.js';
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

/** How long a client may take at each step of a connection (docs/security.md, docs/ca-api.md). */
export interface HttpTimeouts {
  /** From accept to a complete TLS handshake (absolute, not idle). */
  readonly handshakeMs: number;
  /** From the start of a request to its last header line. */
  readonly headersMs: number;
  /** From the start of a request to its last body byte. */
  readonly requestMs: number;
  /** Idle time between two requests on one connection. */
  readonly keepAliveMs: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = Object.freeze({ handshakeMs: 10_000, headersMs: 15_000, requestMs: 30_000, keepAliveMs: 5_000 });

/** Open files kept free for the store, logs, worker threads and outbound calls. */
export const DESCRIPTOR_RESERVE = 128;

export interface ConnectionCaps {
  /** Open connections at most (default: the descriptor limit less {@link DESCRIPTOR_RESERVE}, 32-4096). */
  readonly max: number;
  /** Open connections at most per client address, IPv6 per /64 (default: a quarter of `max`, 8-64). */
  readonly perClient: number;
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
  /**
   * Names of this node's server TLS certificate (`--tls-san`, canonical `dns:`/`ip:` strings), or
   * undefined for the listen address (docs/ha.md: each replica has its own).
   */
  readonly tlsSans: readonly string[] | undefined;
  /** The web console at `/ui/` (docs/console.md). */
  readonly console: ConsoleConfig;
  readonly connections: ConnectionCaps;
  readonly timeouts: HttpTimeouts;
}

/** Caps for a process that may hold `descriptorLimit` open files (undefined: unknown, taken as 1024). */
export function connectionCaps(descriptorLimit: number | undefined, given: Partial<ConnectionCaps> = {}): ConnectionCaps {
  const fds = descriptorLimit ?? 1024;
  const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, Math.floor(v)));
  const max = given.max ?? clamp(fds - DESCRIPTOR_RESERVE, 32, 4096);
  const perClient = given.perClient ?? clamp(max / 4, 8, 64);
  for (const [k, v] of Object.entries({ max, perClient })) {
    if (!Number.isInteger(v) || v < 1) throw caError('ca_config_invalid', `the connection cap ${k} must be a positive integer.`);
  }
  if (descriptorLimit !== undefined && max > descriptorLimit - 32) {
    throw caError(
      'ca_config_invalid',
      `--max-connections ${max} does not fit the open-file limit ${descriptorLimit} (ulimit -n); raise the limit or lower the cap below ${descriptorLimit - DESCRIPTOR_RESERVE}.`,
    );
  }
  return Object.freeze({ max, perClient: Math.min(perClient, max) });
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
  connections?: Partial<ConnectionCaps>;
  /** `ulimit -n` of this process, when known (http/descriptor-limit.ts). */
  descriptorLimit?: number | undefined;
  timeouts?: Partial<HttpTimeouts>;
  /** `--tls-san dns:NAME|ip:ADDR`, repeatable. */
  tlsSans?: readonly string[] | undefined;
}): ServeConfig {
  const timeouts = Object.freeze({ ...DEFAULT_TIMEOUTS, ...(input.timeouts ?? {}) });
  for (const [k, v] of Object.entries(timeouts)) {
    if (!(v > 0)) throw caError('ca_config_invalid', `timeout ${k} must be positive.`);
  }
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
    tlsSans: input.tlsSans === undefined || input.tlsSans.length === 0 ? undefined : parseTlsSans(input.tlsSans),
    console: Object.freeze(ui),
    connections: connectionCaps(input.descriptorLimit, input.connections),
    timeouts,
  });
}

/** Most `--tls-san` names (a server certificate, not a directory). */
export const MAX_TLS_SANS = 20;

/** `--tls-san` values: `dns:NAME` or `ip:ADDRESS` only, through the name policy, canonical, distinct. */
export function parseTlsSans(list: readonly string[]): readonly string[] {
  if (list.length > MAX_TLS_SANS) throw caError('ca_config_invalid', `At most ${MAX_TLS_SANS} --tls-san names.`);
  const out = list.map((text) => {
    if (!/^(dns|ip):/i.test(text)) throw caError('ca_config_invalid', `--tls-san "${text.slice(0, 80)}" must be dns:NAME or ip:ADDRESS.`);
    const r = checkSan(text);
    if (!r.ok) throw caError('ca_config_invalid', `--tls-san ${r.reason}.`);
    return `${r.value.type}:${r.value.value}`;
  });
  return Object.freeze([...new Set(out)].sort());
}

/** Longest passphrase file read (a passphrase, not a document). */
const MAX_PASSPHRASE_FILE_BYTES = 4096;

/**
 * The CA key passphrase: `RAPKI_CA_PASSPHRASE`, else `--passphrase-file`, else `D/passphrase`
 * (only written by `--init-if-missing` on a fresh directory). Trailing newline of a file dropped.
 * A `--passphrase-file` must be a small regular file; one that group or others can read is used,
 * and `onWarning` gets the same finding as a key file would (signer/src/keys/key-file-mode.ts).
 */
export function resolvePassphrase(opts: {
  env: NodeJS.ProcessEnv;
  passphraseFile?: string | undefined;
  dir?: string | undefined;
  onWarning?: ((w: KeyLoadWarning) => void) | undefined;
}): string | undefined {
  const fromEnv = opts.env.RAPKI_CA_PASSPHRASE;
  if (fromEnv) return fromEnv;
  const file = opts.passphraseFile ?? (opts.dir ? caPaths(opts.dir).passphrase : undefined);
  if (!file) return undefined;
  let text: string;
  try {
    const fd = openSync(file, 'r');
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || st.size > MAX_PASSPHRASE_FILE_BYTES) {
        if (!opts.passphraseFile) return undefined;
        throw caError('passphrase_required', `The passphrase file ${file} must be a regular file of at most ${MAX_PASSPHRASE_FILE_BYTES} bytes.`);
      }
      if (opts.passphraseFile) {
        const w = keyFileModeWarning(file, st.mode, process.platform, 'CA key passphrase file');
        if (w) opts.onWarning?.(w);
      }
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if (isRapkiError(err)) throw err;
    if (opts.passphraseFile) throw caError('passphrase_required', `Cannot read the passphrase file ${opts.passphraseFile}.`, { cause: err });
    return undefined;
  }
  const v = text.replace(/\r?\n$/, '');
  return v.length > 0 ? v : undefined;
}
