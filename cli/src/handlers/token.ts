/**
 * `rapki token create`: mint a one-time enrollment token (docs/ca-api.md `POST /v1/admin/tokens`).
 * stdout carries only the token (or `{"token","expiresAt"}` with `--json`) so scripts can capture
 * it; the ready-to-run `rapki enroll` line for the host goes to stderr.
 */
import type { CreatedToken, CreateTokenRequest } from '../../../common/src/contract/types.js';
import { CA_PATHS } from '../../../common/src/contract/paths.js';
import { connect, type ConnectionArgs } from '../ca-client/connection.js';
import { parseDuration } from '../ca-client/duration.js';
import { caClientError } from '../ca-client/errors.js';
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import { pemToDer } from '../../../common/src/x509/pem.js';
import type { CommandIo } from '../io.js';
import { runCommand } from '../run-command.js';
import { parseSanList } from '../ca-client/san.js';
import { checkSubject } from '../../../common/src/contract/names.js';
import { displayText } from '../../../common/src/display-text.js';

export interface TokenCreateArgs extends ConnectionArgs {
  readonly subject: string;
  readonly san?: readonly string[] | undefined;
  readonly ttl?: string | undefined;
  readonly 'cert-ttl'?: string | undefined;
  readonly json?: boolean | undefined;
}

/** Quote for a POSIX shell when needed. */
function sh(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A duration flag as typed, once the contract's grammar has taken it. */
function checkedAsTyped(v: string): string {
  parseDuration(v);
  return String(v);
}

export function tokenCreate(args: TokenCreateArgs, io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    const subject = String(args.subject ?? '').trim();
    if (!subject) throw caClientError('flag_value_invalid', '--subject is required');
    // The CA's own policy, checked before the admin token leaves the host.
    const checked = checkSubject(subject);
    if (!checked.ok) throw caClientError('subject_invalid', `--subject "${subject}": ${checked.reason}`);
    // The contract's grammars (common/src/contract/), the ones the CA applies to the same fields:
    // what passes here the CA accepts. Durations go as typed (the CA reads them with the same grammar).
    const ttl = args.ttl === undefined ? undefined : checkedAsTyped(args.ttl);
    const certTtl = args['cert-ttl'] === undefined ? undefined : checkedAsTyped(args['cert-ttl']);
    const body: CreateTokenRequest = {
      subject,
      sans: parseSanList(args.san ?? []),
      ...(ttl !== undefined ? { ttl } : {}),
      ...(certTtl !== undefined ? { certTtl } : {}),
    };
    const client = await connect(args, io.env, { admin: true });
    try {
      const res = await client.json<CreatedToken>('POST', CA_PATHS.tokens, { json: body, admin: true });
      if (typeof res?.token !== 'string' || typeof res.expiresAt !== 'string') {
        throw caClientError('ca_response_invalid', 'the CA answered without token and expiresAt');
      }
      if (args.json) {
        io.stdout(`${JSON.stringify({ token: res.token, expiresAt: res.expiresAt })}\n`);
      } else {
        io.stdout(`${res.token}\n`);
      }
      const trust = await client.trust();
      const fp = sha256Fingerprint(pemToDer(trust.rootPem, 'CERTIFICATE'));
      io.stderr(
        `rapki: token for ${displayText(subject)} expires at ${res.expiresAt}; it can be used once.\n` +
          `On the host, run:\n  RAPKI_ENROLL_TOKEN=<token> rapki enroll --ca-url ${sh(client.url.origin)} ` +
          `--ca-fingerprint ${fp} --out /etc/rapki\n`,
      );
    } finally {
      client.close();
    }
  });
}
