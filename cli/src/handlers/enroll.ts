/** `rapki enroll`: key, CSR and certificate on the host (see `../enroll.ts`). */
import { connect, type ConnectionArgs } from '../ca-client/connection.js';
import { enroll, TPM_KEY } from '../ca-client/enroll.js';
import { caClientError } from '../ca-client/errors.js';
import { DEFAULT_HOST_KEY_TYPE } from '../ca-client/key-types.js';
import type { CommandIo } from '../io.js';
import { runCommand } from '../run-command.js';
import { enrollToken, tpmKeyPasswordOf } from '../ca-client/secrets.js';
import { displayText } from '../../../common/src/display-text.js';

export interface EnrollArgs extends ConnectionArgs {
  readonly token?: string | undefined;
  readonly 'token-file'?: string | undefined;
  readonly out: string;
  readonly 'key-type'?: string | undefined;
  readonly key?: string | undefined;
  readonly 'pkcs11-lib'?: string | undefined;
  readonly 'tpm-key-password-file'?: string | undefined;
  readonly subject?: string | undefined;
  readonly san?: readonly string[] | undefined;
  readonly json?: boolean | undefined;
}

export function enrollCommand(args: EnrollArgs, io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    if (!args.out) throw caClientError('flag_value_invalid', '--out is required');
    if (args.san?.length && args.subject === undefined) throw caClientError('flag_value_invalid', '--san needs --subject');
    if (args.key !== undefined && !/^pkcs11:/i.test(args.key) && args.key !== TPM_KEY) {
      throw caClientError(
        'flag_value_invalid',
        '--key takes a pkcs11: URI (the token to generate the key on) or tpm (generate it in the TPM); without --key the key is a file in --out',
      );
    }
    if (args['pkcs11-lib'] !== undefined && (args.key === undefined || args.key === TPM_KEY))
      throw caClientError('flag_value_invalid', '--pkcs11-lib needs --key pkcs11:…');
    if (args['tpm-key-password-file'] !== undefined && args.key !== TPM_KEY)
      throw caClientError('flag_value_invalid', '--tpm-key-password-file needs --key tpm');
    const tpmKeyPassword = args.key === TPM_KEY ? await tpmKeyPasswordOf(args['tpm-key-password-file'], io.env) : undefined;
    const token = await enrollToken({ env: io.env, file: args['token-file'], flag: args.token, warn: (m) => io.stderr(`${m}\n`) });
    const client = await connect(args, io.env);
    try {
      const r = await enroll({
        client,
        token,
        outDir: args.out,
        keyType: args['key-type'] ?? DEFAULT_HOST_KEY_TYPE,
        key: args.key,
        tpmKeyPassword,
        pkcs11Lib: args['pkcs11-lib'],
        env: io.env,
        subject: args.subject,
        sans: args.san,
        warn: (m) => io.stderr(`${m}\n`),
      });
      if (args.json) {
        io.stdout(`${JSON.stringify(r)}\n`);
      } else {
        io.stdout(
          `enrolled ${displayText(r.subject)}: serial ${r.serial}, valid until ${r.notAfter}\n` +
            `  certificate  ${r.files.certificate}\n  private key  ${r.files.privateKey}\n` +
            `  chain        ${r.files.chain}\n  ca           ${r.files.ca}\n` +
            (args.key === TPM_KEY
              ? `the key is in the TPM: ${r.files.privateKey} is a TSS2 key file usable only with this TPM${tpmKeyPassword !== undefined ? ' (password from --tpm-key-password-file or RAPKI_TPM_KEY_PASSWORD)' : ''}\n`
              : args.key !== undefined
                ? `the key is on the token: use --private-key '${r.files.privateKey}' (PIN from RAPKI_PKCS11_PIN or ?pin-source=FILE)\n`
                : ''),
        );
      }
    } finally {
      client.close();
    }
  });
}
