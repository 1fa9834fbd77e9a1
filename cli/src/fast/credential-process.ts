/**
 * Entry of `rapki credential-process`, start-up critical: the AWS CLI and SDKs run it for every
 * credential lookup, so it is parsed by the lean table parser (cli/src/parse-signer-args.ts)
 * instead of yargs (`--help` still goes through yargs, see cli/src/main.ts), writes stdout without
 * Node's stream machinery, and imports only the signer. The command itself is
 * cli/src/handlers/credential-process.ts; a failure is reported as every command's
 * (cli/src/report.ts, loaded only then).
 */
import { writeSync } from 'node:fs';
import type { FlagValues } from '../credential-flags.js';
import { runCredentialProcess } from '../handlers/credential-process.js';
import { processIo, type SignerCommandIo } from '../io.js';
import { parseSignerArgs, positionalsWarning } from '../parse-signer-args.js';
import { runCommand } from '../run-command.js';

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
  const io: SignerCommandIo = processIo({ stdout: writeStdoutDirect });
  let values: FlagValues;
  try {
    const parsed = parseSignerArgs(args, 'credential-process');
    const w = positionalsWarning('credential-process', parsed.positionals);
    if (w) io.warn(w);
    values = parsed.values;
  } catch (err) {
    return runCommand(io, () => Promise.reject(err));
  }
  return runCredentialProcess(values, io);
}

/**
 * For the build only (scripts/credential-process-code-cache.cjs): how a cache entry is named, so
 * the build can run one real cache hit and store V8's code cache of exactly the functions it uses.
 */
export { cacheKey, hashKeyMaterial } from '../../../signer/src/entry/credential-cache.js';
export { resolveCredentialProcess } from '../signer-options.js';
export { parseSignerArgs } from '../parse-signer-args.js';
export { credentialProcessJson } from '../handlers/credential-process.js';
