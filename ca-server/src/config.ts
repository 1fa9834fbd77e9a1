/**
 * Configuration of `rapki ca serve`: one schema, validated at start, then frozen (DESIGN.md
 * Conventions; fastify's `initial-config-validation`).
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { isRapkiError } from '../../common/src/errors.js';
import { keyFileModeWarning, type KeyLoadWarning } from '../../common/src/key-file-mode.js';
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
}

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
}): ServeConfig {
  const { host, port } = parseListen(input.listen ?? DEFAULT_LISTEN);
  const rl = { ...DEFAULT_RATE_LIMITS, ...(input.rateLimits ?? {}) };
  for (const [k, v] of Object.entries(rl)) {
    if (!(v.ratePerSecond > 0) || !(v.burst >= 1)) throw caError('ca_config_invalid', `rate limit ${k} must be positive.`);
  }
  return Object.freeze({
    dir: caPaths(input.dir).dir,
    host,
    port,
    authority: authorityConfig(input.authority),
    rateLimits: Object.freeze(rl),
    bodyLimitBytes: BODY_LIMIT_BYTES,
    tlsCertDays: 30,
  });
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
