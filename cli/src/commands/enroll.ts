/**
 * `rapki enroll`: generate a key on this host, send a CSR with a one-time token, store key (0600),
 * certificate, chain and root (docs/host.md "Enroll"). Implementation loaded lazily.
 */
import type { Argv, CommandModule } from 'yargs';
import { lazyHandler } from './lazy.js';
import { caConnectionOptions } from '../ca-client/options.js';

export const enrollCommand: CommandModule = {
  command: 'enroll',
  describe: 'Enroll this host: local key, CSR, certificate from the CA with a one-time token',
  builder: (y: Argv) =>
    y
      .options(caConnectionOptions)
      .option('token', { type: 'string', describe: 'enrollment token (visible in ps: prefer --token-file or RAPKI_ENROLL_TOKEN)' })
      .option('token-file', { type: 'string', describe: 'file holding the enrollment token' })
      .option('out', { type: 'string', demandOption: true, describe: 'directory for certificate.pem, private-key.pem, chain.pem, ca.pem (made 0700)' })
      .option('key-type', {
        type: 'string',
        choices: ['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096'],
        default: 'ec-p256',
        describe: 'type of the key generated on this host',
      })
      .option('key', {
        type: 'string',
        describe:
          'generate the key elsewhere: tpm = inside the TPM 2.0 (TPM_DEVICE, /dev/tpmrm0, /dev/tpm0; private-key.pem is then a TSS2 key file usable only with this TPM), ' +
          'or a PKCS#11 token: pkcs11:token=…[;object=…][;id=…] (PIN: ?pin-source=FILE or RAPKI_PKCS11_PIN; no key file is written, the key URI is printed)',
      })
      .option('pkcs11-lib', { type: 'string', describe: 'PKCS#11 module for --key (default: the URI module-path, else p11-kit-proxy)' })
      .option('tpm-key-password-file', {
        type: 'string',
        describe: "with --key tpm: file holding the new key's password (first line); else RAPKI_TPM_KEY_PASSWORD; neither: a key without password",
      })
      .option('subject', { type: 'string', describe: 'CN for the CSR (default: asked from the CA for this token)' })
      .option('san', { type: 'string', array: true, describe: 'SAN for the CSR, with --subject (default: from the CA)' })
      .option('json', { type: 'boolean', describe: 'print the result as JSON' }),
  handler: lazyHandler(async () => (await import('../handlers/enroll.js')).enrollCommand),
};
