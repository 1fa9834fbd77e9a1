/**
 * `rapki credential-process`, start-up critical: the AWS CLI and SDKs run it for every credential
 * lookup, so it is parsed by the lean table parser (cli/src/parse-signer-args.ts) instead of yargs
 * (`--help` still goes through yargs, see cli/src/main.ts), and it imports only the signer.
 *
 * stdout carries ONLY the compact `{"Version":1,...}` object without a trailing newline, exactly as
 * the official helper prints it (signer-spec.md §1.8); everything else goes to stderr.
 */
import { writeSync } from 'node:fs';
import { cachedCredentialProcess } from '../../../signer/src/providers/cache/cached-credential-process.js';
import { hashKeyMaterial, type KeyMaterialHashes } from '../../../signer/src/providers/cache/cache-key.js';
import type { RolesAnywhereCredentials } from '../../../signer/src/types.js';
import type { FlagValues } from '../credential-flags.js';
import { parseSignerArgs, positionalsWarning } from '../parse-signer-args.js';
import { processIo, runReporting, type SignerCommandIo } from '../run-signer-command.js';
import { resolveCredentialProcess } from '../signer-options.js';
import { VERSION } from '../version.js';

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
      hashes = await hashKeyMaterial(config.keySource, io.env);
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
    const parsed = parseSignerArgs(args, 'credential-process');
    const w = positionalsWarning('credential-process', parsed.positionals);
    if (w) io.warn(w);
    values = parsed.values;
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
export { parseSignerArgs } from '../parse-signer-args.js';
