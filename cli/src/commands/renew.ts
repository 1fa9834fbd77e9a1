/**
 * `rapki renew`: renew with the current certificate over TLS, replace the files atomically;
 * `--daemon` keeps doing it at ~2/3 of each lifetime (docs/host.md "`rapki agent`").
 */
import type { Argv, CommandModule } from 'yargs';
import { lazyHandler } from './lazy.js';
import { caConnectionOptions } from '../ca-client/options.js';

export const renewCommand: CommandModule = {
  command: 'renew',
  describe: 'Renew this host certificate with the current one (new key by default)',
  builder: (y: Argv) =>
    y
      // `--no-tpm-key-password` is a flag of its own (as in the signer commands), not a negation.
      .parserConfiguration({ 'boolean-negation': false })
      .options(caConnectionOptions)
      .option('certificate', { type: 'string', demandOption: true, describe: 'current certificate (PEM); replaced' })
      .option('private-key', {
        type: 'string',
        demandOption: true,
        describe:
          'its private key (PEM, or a TSS2 TPM key file); replaced unless --reuse-key. handle:0x81… = a persistent TPM key, replaced at the same handle',
      })
      .option('chain', { type: 'string', describe: 'intermediates file to replace too (default: chain.pem next to the certificate, if any)' })
      .option('key-type', {
        type: 'string',
        choices: ['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096'],
        describe: 'type of the new key (default: same as the current key)',
      })
      .option('reuse-key', { type: 'boolean', describe: 'keep the current key instead of making a new one' })
      .option('tpm-key-password-file', {
        type: 'string',
        describe:
          'password of a TPM key (TSS2 key file or handle:) in a file (first line); else RAPKI_TPM_KEY_PASSWORD. The new TPM key gets the same password',
      })
      .option('no-tpm-key-password', { type: 'boolean', describe: 'the persistent TPM key (--private-key handle:0x81…) has no password' })
      .option('daemon', { type: 'boolean', describe: 'keep running; renew at about 2/3 of each lifetime' })
      .option('json', { type: 'boolean', describe: 'print results as JSON lines' }),
  handler: lazyHandler(async () => (await import('../handlers/renew.js')).renewCommand),
};
