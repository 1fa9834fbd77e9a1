/**
 * `rapki credential-process`, start-up critical: the AWS CLI and SDKs run it for every credential
 * lookup, so it is parsed by `node:util` parseArgs from the shared flag table instead of yargs
 * (`--help` still goes through yargs, see cli/src/main.ts), and it imports only the signer.
 *
 * stdout carries ONLY the compact `{"Version":1,...}` object without a trailing newline, exactly as
 * the official helper prints it (signer-spec.md §1.8); everything else goes to stderr.
 */
import { writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { cachedCredentialProcess } from '../../../signer/src/providers/cache/cached-credential-process.js';
import { hashKeyMaterial, type KeyMaterialHashes } from '../../../signer/src/providers/cache/cache-key.js';
import type { RolesAnywhereCredentials } from '../../../signer/src/types.js';
import { flagError, flagsOf, normalizeBooleanArgs, type FlagValues, type SignerCommand } from '../credential-flags.js';
import { processIo, runReporting, type SignerCommandIo } from '../run-signer-command.js';
import { resolveCredentialProcess } from '../signer-options.js';
import { VERSION } from '../version.js';

/**
 * Parses signer-command args with the shared table. Unknown flags, positionals and malformed
 * values are `unknown_flag` / `invalid_flag_value` errors (exit 1).
 */
export function parseSignerArgs(args: readonly string[], command: SignerCommand): FlagValues {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const f of flagsOf(command)) options[f.name] = { type: f.type };
  const normalized = normalizeBooleanArgs(args, command);
  const quick = parsePlainLongFlags(normalized, options);
  if (quick) return quick;
  try {
    const { values } = parseArgs({ args: normalized, options, strict: true, allowPositionals: false });
    return values as FlagValues;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const m = /'(-{1,2}[^']+)'/.exec(e.message);
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw flagError('unknown_flag', `unknown flag ${m?.[1] ?? ''} for ${command}; run \`rapki ${command} --help\``, err);
    }
    if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw flagError('unknown_flag', `unexpected argument ${m?.[1] ?? ''} for ${command}; run \`rapki ${command} --help\``, err);
    }
    throw flagError('invalid_flag_value', e.message.split('\n')[0] ?? 'invalid flag value', err);
  }
}

/**
 * The common case without `node:util` parseArgs (about 1 ms of a ~25 ms Node start, cold): every
 * token is `--known-flag`, `--known-string-flag=value` or `--known-string-flag value` (a value not
 * starting with `-`). Gives what parseArgs gives for these; anything else (unknown flags,
 * positionals, `--`, short flags, dash-leading or missing values, a value on a boolean) returns
 * undefined and goes through parseArgs, which then also words the error.
 */
function parsePlainLongFlags(args: readonly string[], options: Record<string, { type: 'string' | 'boolean' }>): FlagValues | undefined {
  const values: Record<string, string | boolean> = Object.create(null) as Record<string, string | boolean>;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.length < 3 || a.charCodeAt(0) !== 45 || a.charCodeAt(1) !== 45) return undefined; // "--x"
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const spec = Object.hasOwn(options, name) ? options[name] : undefined;
    if (!spec) return undefined;
    if (spec.type === 'boolean') {
      if (eq >= 0) return undefined;
      values[name] = true;
    } else if (eq >= 0) {
      values[name] = a.slice(eq + 1);
    } else {
      const v = args[i + 1];
      if (v === undefined || v.charCodeAt(0) === 45) return undefined;
      values[name] = v;
      i++;
    }
  }
  return values;
}

/** The credential_process JSON, compact, key order of the official helper (signer-spec.md §1.8). */
export function credentialProcessJson(c: RolesAnywhereCredentials): string {
  return JSON.stringify({
    Version: 1,
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    SessionToken: c.sessionToken,
    Expiration: c.expiration,
  });
}

/** Runs credential-process on parsed flag values. */
export async function runCredentialProcess(values: FlagValues, io: SignerCommandIo): Promise<number> {
  return runReporting(io, async () => {
    const config = resolveCredentialProcess(values, io);
    // The key and session code load only on a miss: a cache hit stays a file read (start-up time).
    const fetch = async (): Promise<RolesAnywhereCredentials> => {
      const [{ loadKeySigner }, { createSession }] = await Promise.all([
        import('../../../signer/src/keys/load-key-signer.js'),
        import('../../../signer/src/session/create-session.js'),
      ]);
      const signer = await loadKeySigner(config.keySource);
      try {
        return await createSession(
          signer,
          { ...config.session, debug: config.debug ? (line) => io.writeStderr(`rapki: debug: ${line}`) : undefined },
          { env: io.env, userAgent: `rapki/${VERSION} (node ${process.versions.node}; ${process.platform})` },
        );
      } finally {
        await signer.close?.();
      }
    };
    if (values['no-cache'] === true) {
      await io.writeStdout(credentialProcessJson(await fetch()));
      return;
    }
    let hashes: KeyMaterialHashes | undefined;
    try {
      hashes = hashKeyMaterial(config.keySource);
    } catch {
      hashes = undefined; // unreadable file: the miss path reports it with its proper error
    }
    const r = await cachedCredentialProcess({ keyMaterialHashes: hashes, params: config.session, fetch, env: io.env, warn: io.warn });
    if (config.debug) io.writeStderr(`rapki: debug: credential cache: ${r.source}`);
    await io.writeStdout(credentialProcessJson(r.credentials));
  });
}

/**
 * stdout by blocking write(2) on fd 1, falling back to `process.stdout` if that fails (EAGAIN on
 * a non-blocking pipe). Why: merely creating `process.stdout` for a pipe loads the net/stream
 * machinery, about a quarter of a cache hit's cost over a bare Node start (bench/credential-process.bench.mjs).
 */
function writeStdoutDirect(data: string | Uint8Array): Promise<void> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(1, buf, off);
    return Promise.resolve();
  } catch {
    return new Promise<void>((resolve, reject) => {
      process.stdout.write(buf.subarray(off), (err) => (err ? reject(err) : resolve()));
    });
  }
}

/** Entry of the fast path (cli/src/main.ts): args after `credential-process`; resolves to the exit code. */
export async function runCredentialProcessFast(args: string[]): Promise<number> {
  const io: SignerCommandIo = { ...processIo(), writeStdout: writeStdoutDirect };
  let values: FlagValues;
  try {
    values = parseSignerArgs(args, 'credential-process');
  } catch (err) {
    return runReporting(io, () => Promise.reject(err));
  }
  return runCredentialProcess(values, io);
}

/**
 * For the build only (scripts/credential-process-code-cache.cjs): how a cache entry is named, so
 * the build can run one real cache hit and store V8's code cache of exactly the functions it uses.
 */
export { cacheKey, hashKeyMaterial } from '../../../signer/src/providers/cache/cache-key.js';
export { resolveCredentialProcess } from '../signer-options.js';
