/**
 * `rapki sign-string`: signs the official helper's fixed test payload (signer/src/sign-string.ts) with the
 * key, so an operator can check a key (and that it matches the certificate) without calling AWS.
 * Output as the helper prints it, without a trailing newline: `json` (the hex in a JSON string,
 * default), `text` (hex) or `bin` (raw signature bytes).
 */
import { loadKeySigner } from '../../../signer/src/entry/key-signer.js';
import { signString } from '../../../signer/src/entry/sign-string.js';
import type { SignDigest } from '../../../signer/src/entry/config.js';
import { flagError, optionalString, type FlagValues } from '../credential-flags.js';
import type { SignerCommandIo } from '../io.js';
import { runCommand } from '../run-command.js';
import { resolveKeySource } from '../signer-options.js';

const FORMATS = ['json', 'text', 'bin'] as const;
const DIGESTS: Readonly<Record<string, SignDigest>> = { SHA256: 'sha256', SHA384: 'sha384', SHA512: 'sha512' };

export async function runSignString(values: FlagValues, io: SignerCommandIo): Promise<number> {
  return runCommand(io, async () => {
    const keySource = resolveKeySource(values, 'sign-string', io);
    const format = (optionalString(values, 'format') ?? 'json').toLowerCase();
    if (!(FORMATS as readonly string[]).includes(format)) {
      throw flagError('flag_value_invalid', `--format must be one of json, text, bin; got '${format.slice(0, 20)}'`);
    }
    const digestName = (optionalString(values, 'digest') ?? 'SHA256').toUpperCase();
    const digest = DIGESTS[digestName];
    if (!digest) throw flagError('flag_value_invalid', `--digest must be one of SHA256, SHA384, SHA512; got '${digestName.slice(0, 20)}'`);
    const signer = await loadKeySigner(keySource);
    try {
      const sig = Buffer.from(await signString(signer, digest));
      if (format === 'bin') await io.stdout(sig);
      else if (format === 'text') await io.stdout(sig.toString('hex'));
      else await io.stdout(JSON.stringify(sig.toString('hex')));
    } finally {
      await signer.close?.();
    }
  });
}
