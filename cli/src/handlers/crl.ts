/**
 * `rapki crl get`: the CA's current CRL (docs/ca-api.md `GET /v1/crl`, `/v1/crl.pem`). PEM on
 * stdout (readable on a terminal, and what Roles Anywhere imports); DER only when asked for: with
 * `--der`, or into a file with `--out` (DER unless `--pem`, as `openssl crl -inform DER` expects of a
 * `.crl` file). Public route: no admin token, but the server is still trusted only through the
 * pinned root.
 */
import { CA_PATHS } from '../../../common/src/contract/paths.js';
import { CRL_INPUT_MAX_BYTES } from '../../../common/src/x509/crl.js';
import { writeFilesAtomicSync } from '../../../common/src/fs/atomic-write.js';
import { connect, type ConnectionArgs } from '../ca-client/connection.js';
import { caClientError } from '../ca-client/errors.js';
import type { CommandIo } from '../io.js';
import { runCommand } from '../run-command.js';

export interface CrlGetArgs extends ConnectionArgs {
  readonly pem?: boolean | undefined;
  readonly der?: boolean | undefined;
  readonly out?: string | undefined;
}

/** PEM unless DER was asked for (`--der`, or `--out` without `--pem`). */
export function crlFormat(args: Pick<CrlGetArgs, 'pem' | 'der' | 'out'>): 'pem' | 'der' {
  if (args.pem && args.der) throw caClientError('flag_value_invalid', 'pass at most one of --pem and --der');
  if (args.der) return 'der';
  if (args.pem) return 'pem';
  return args.out ? 'der' : 'pem';
}

export function crlGet(args: CrlGetArgs, io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    const format = crlFormat(args);
    if (format === 'der' && !args.out && io.stdoutIsTty) {
      throw caClientError('flag_value_invalid', 'the DER CRL is binary: redirect stdout to a file, pass --out FILE, or leave out --der for PEM');
    }
    const client = await connect(args, io.env);
    try {
      const pem = format === 'pem';
      const res = await client.request('GET', pem ? CA_PATHS.crlPem : CA_PATHS.crl, {
        maxBytes: CRL_INPUT_MAX_BYTES,
        accept: pem ? 'application/x-pem-file' : 'application/pkix-crl',
      });
      const body = res.body;
      const ok = pem ? body.toString('latin1').includes('-----BEGIN X509 CRL-----') : body.length > 2 && body[0] === 0x30;
      if (!ok) throw caClientError('ca_response_invalid', `the CA answered ${pem ? 'GET /v1/crl.pem' : 'GET /v1/crl'} with something that is not a CRL`);
      if (args.out) writeFilesAtomicSync([{ path: args.out, content: body, mode: 0o644 }]);
      else io.stdout(body);
    } finally {
      client.close();
    }
  });
}
