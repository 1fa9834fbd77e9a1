/**
 * `rapki credential-process`, start-up critical: the AWS CLI and SDKs run it for every credential
 * lookup, so it is parsed by `node:util` parseArgs from the shared flag table instead of yargs
 * (`--help` still goes through yargs, see cli/src/main.ts), and it imports only the signer.
 *
 * stdout carries ONLY the compact `{"Version":1,...}` object without a trailing newline, exactly as
 * the official helper prints it (signer-spec.md §1.8); everything else goes to stderr.
 */
import { parseArgs } from 'node:util';
import { createSession } from '../../../signer/src/session/create-session.js';
import { loadKeySigner } from '../../../signer/src/keys/load-key-signer.js';
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
  try {
    const { values } = parseArgs({ args: normalizeBooleanArgs(args, command), options, strict: true, allowPositionals: false });
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
    const signer = await loadKeySigner(config.keySource);
    try {
      const creds = await createSession(
        signer,
        { ...config.session, debug: config.debug ? (line) => io.writeStderr(`rapki: debug: ${line}`) : undefined },
        { env: io.env, userAgent: `rapki/${VERSION} (node ${process.versions.node}; ${process.platform})` },
      );
      await io.writeStdout(credentialProcessJson(creds));
    } finally {
      await signer.close?.();
    }
  });
}

/** Entry of the fast path (cli/src/main.ts): args after `credential-process`; resolves to the exit code. */
export async function runCredentialProcessFast(args: string[]): Promise<number> {
  const io = processIo();
  let values: FlagValues;
  try {
    values = parseSignerArgs(args, 'credential-process');
  } catch (err) {
    return runReporting(io, () => Promise.reject(err));
  }
  return runCredentialProcess(values, io);
}
