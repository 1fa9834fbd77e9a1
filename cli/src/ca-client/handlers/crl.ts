/**
 * `rapki crl get`: the CA's current CRL (docs/ca-api.md `GET /v1/crl`, `/v1/crl.pem`), DER by
 * default (into `--out`, or to stdout when it is not a terminal), PEM with `--pem`. Public route: no
 * admin token, but the server is still trusted only through the pinned root.
 */
import { CA_PATHS, MAX_CRL_RESPONSE_BYTES } from '../constants.js';
import { writeFilesAtomically } from '../atomic-files.js';
import { connect, type ConnectionArgs } from '../connection.js';
import { caClientError } from '../errors.js';
import { runCommand, type CommandIo } from '../run.js';

export interface CrlGetArgs extends ConnectionArgs {
  readonly pem?: boolean | undefined;
  readonly out?: string | undefined;
}

export function crlGet(args: CrlGetArgs, io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    if (!args.pem && !args.out && io.stdoutIsTty) {
      throw caClientError('usage', 'the DER CRL is binary: pass --out FILE, or --pem to print PEM');
    }
    const client = await connect(args, io.env);
    try {
      const res = await client.request('GET', args.pem ? CA_PATHS.crlPem : CA_PATHS.crl, {
        maxBytes: MAX_CRL_RESPONSE_BYTES,
        accept: args.pem ? 'application/x-pem-file' : 'application/pkix-crl',
      });
      const body = res.body;
      const ok = args.pem ? body.toString('latin1').includes('-----BEGIN X509 CRL-----') : body.length > 2 && body[0] === 0x30;
      if (!ok) throw caClientError('ca_response_invalid', `the CA answered ${args.pem ? 'GET /v1/crl.pem' : 'GET /v1/crl'} with something that is not a CRL`);
      if (args.out) await writeFilesAtomically([{ path: args.out, content: body, mode: 0o644 }]);
      else io.stdout(body);
    } finally {
      client.close();
    }
  });
}
