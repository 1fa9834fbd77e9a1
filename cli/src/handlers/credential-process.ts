/**
 * `rapki credential-process`: one set of temporary credentials for credential_process, from the
 * per-user cache or a CreateSession. Entered through the lean fast path
 * (cli/src/fast/credential-process.ts) or yargs.
 *
 * stdout carries ONLY the compact `{"Version":1,...}` object without a trailing newline, exactly as
 * the official helper prints it (aws_signing_helper cmd/credential_process.go); everything else goes
 * to stderr.
 */
import { cachedCredentialProcess, hashKeyMaterial, type KeyMaterialHashes } from '../../../signer/src/entry/credential-cache.js';
import type { RolesAnywhereCredentials } from '../../../signer/src/entry/config.js';
import type { FlagValues } from '../credential-flags.js';
import type { SignerCommandIo } from '../io.js';
import { runCommand } from '../run-command.js';
import { resolveCredentialProcess } from '../signer-options.js';
import { VERSION } from '../version.js';

/** The credential_process JSON, compact, key order of the official helper's `CredentialProcessOutput`. */
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
  return runCommand(io, async () => {
    const config = resolveCredentialProcess(values, io);
    // The key and session code load only on a miss: a cache hit stays a file read (start-up time).
    const fetch = async (): Promise<RolesAnywhereCredentials> => {
      const [{ loadKeySigner }, { createSession }] = await Promise.all([
        import('../../../signer/src/entry/key-signer.js'),
        import('../../../signer/src/entry/session.js'),
      ]);
      const signer = await loadKeySigner(config.keySource);
      try {
        return await createSession(
          signer,
          { ...config.session, debug: config.debug ? (line) => io.stderr(`rapki: debug: ${line}\n`) : undefined },
          { env: io.env, userAgent: `rapki/${VERSION} (node ${process.versions.node}; ${process.platform})` },
        );
      } finally {
        await signer.close?.();
      }
    };
    if (values['no-cache'] === true) {
      await io.stdout(credentialProcessJson(await fetch()));
      return;
    }
    let hashes: KeyMaterialHashes | undefined;
    try {
      hashes = await hashKeyMaterial(config.keySource, io.env);
    } catch {
      hashes = undefined; // unreadable file: the miss path reports it with its proper error
    }
    const r = await cachedCredentialProcess({ keyMaterialHashes: hashes, params: config.session, fetch, env: io.env, warn: io.warn });
    if (config.debug) io.stderr(`rapki: debug: credential cache: ${r.source}\n`);
    await io.stdout(credentialProcessJson(r.credentials));
  });
}
