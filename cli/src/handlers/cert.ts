/**
 * `rapki cert list` (inventory, every page followed) and `rapki cert revoke` (one serial, or every
 * certificate of a host, which also blocks its re-enrollment): docs/ca-api.md admin routes.
 */
import type { CertificatePage, CertificateRecord } from '../../../common/src/contract/types.js';
import { CA_PATHS } from '../../../common/src/contract/paths.js';
import { MAX_PAGES } from '../ca-client/constants.js';
import { connect, type ConnectionArgs } from '../ca-client/connection.js';
import { caClientError } from '../ca-client/errors.js';
import { safeText, type CaClient } from '../ca-client/client.js';
import { RapkiError, isRapkiError } from '../../../common/src/errors.js';
import type { CommandIo } from '../io.js';
import { runCommand } from '../run-command.js';
import { parseSerial } from '../../../common/src/x509/serial.js';
import { formatTable } from '../ca-client/table.js';
import { displayText } from '../../../common/src/display-text.js';
import { CERT_STATUSES, REVOCATION_REASONS } from '../../../common/src/contract/certificates.js';
import { CERTIFICATES_PAGE } from '../../../common/src/contract/limits.js';

export interface CertListArgs extends ConnectionArgs {
  readonly host?: string | undefined;
  readonly status?: string | undefined;
  readonly json?: boolean | undefined;
}

/** Every certificate matching the filters, following `nextCursor` to the end. */
export async function listAllCertificates(client: CaClient, filters: { host?: string | undefined; status?: string | undefined }): Promise<CertificateRecord[]> {
  const out: CertificateRecord[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const q = new URLSearchParams();
    if (filters.host) q.set('host', filters.host);
    if (filters.status) q.set('status', filters.status);
    q.set('limit', String(CERTIFICATES_PAGE.max));
    if (cursor) q.set('cursor', cursor);
    const res: CertificatePage = await client.json<CertificatePage>('GET', `${CA_PATHS.certificates}?${q.toString()}`, { admin: true });
    if (!res || !Array.isArray(res.certificates)) throw caClientError('ca_response_invalid', 'the inventory page has no certificates array');
    out.push(...res.certificates);
    if (res.nextCursor === null || res.nextCursor === undefined || res.nextCursor === '') return out;
    if (res.nextCursor === cursor) throw caClientError('ca_response_invalid', 'the inventory cursor does not advance');
    cursor = res.nextCursor;
  }
  throw caClientError('ca_response_invalid', 'the inventory has more pages than the client follows');
}

export function certList(args: CertListArgs, io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    if (args.status !== undefined && !(CERT_STATUSES as readonly string[]).includes(args.status)) {
      throw caClientError('flag_value_invalid', `--status must be one of ${CERT_STATUSES.join(', ')}`);
    }
    const client = await connect(args, io.env, { admin: true });
    try {
      const certs = await listAllCertificates(client, { host: args.host, status: args.status });
      if (args.json) {
        io.stdout(`${JSON.stringify({ certificates: certs })}\n`);
        return;
      }
      if (certs.length === 0) {
        io.stdout('no certificates\n');
        return;
      }
      io.stdout(
        formatTable(
          ['SERIAL', 'HOST', 'STATUS', 'NOT AFTER', 'REVOKED', 'REASON'],
          certs.map((c) => [c.serial, c.host, c.status, c.notAfter, c.revokedAt ?? '', c.reason ?? '']),
        ),
      );
    } finally {
      client.close();
    }
  });
}

export interface CertRevokeArgs extends ConnectionArgs {
  readonly serial?: string | undefined;
  readonly host?: string | undefined;
  readonly reason?: string | undefined;
  readonly 'block-unknown'?: boolean | undefined;
  readonly json?: boolean | undefined;
}

export function certRevoke(args: CertRevokeArgs, io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    if ((args.serial === undefined) === (args.host === undefined)) {
      throw caClientError('flag_value_invalid', 'name exactly one of SERIAL or --host');
    }
    if (args.reason !== undefined && !(REVOCATION_REASONS as readonly string[]).includes(args.reason)) {
      throw caClientError('flag_value_invalid', `--reason must be one of ${REVOCATION_REASONS.join(', ')}`);
    }
    if (args['block-unknown'] && args.host === undefined) throw caClientError('flag_value_invalid', '--block-unknown goes with --host');
    const serial = args.serial !== undefined ? parseSerial(String(args.serial)) : undefined;
    const body: Record<string, unknown> = args.reason !== undefined ? { reason: args.reason } : {};
    if (args['block-unknown']) body['blockUnknown'] = true;
    const client = await connect(args, io.env, { admin: true });
    try {
      if (serial) {
        const r = await client.json<{ serial: string; revokedAt: string; reason: string | null; crlNumber?: number }>(
          'POST',
          CA_PATHS.revokeSerial(serial.hex),
          { json: body, admin: true },
        );
        if (args.json) io.stdout(`${JSON.stringify(r)}\n`);
        else io.stdout(displayText(`revoked ${r.serial} at ${r.revokedAt}${r.reason ? ` (${r.reason})` : ''}; CRL ${r.crlNumber ?? '?'} published`) + '\n');
      } else {
        const host = String(args.host);
        const r = await client
          .json<{ host: string; revoked: string[]; blocked: boolean; crlNumber?: number }>('POST', CA_PATHS.revokeHost(host), { json: body, admin: true })
          .catch((err: unknown) => {
            // The server's words name its API field; say what to do on the command line instead.
            if (isRapkiError(err) && err.code === 'host_not_found') {
              throw new RapkiError(
                'host_not_found',
                `the CA never issued a certificate to host "${safeText(host, 64)}" and it is not blocked, so nothing was revoked or blocked: ` +
                  'check the name (`rapki cert list`), or pass --block-unknown to block it from enrolling anyway',
                { cause: err },
              );
            }
            throw err;
          });
        if (args.json) io.stdout(`${JSON.stringify(r)}\n`);
        else {
          io.stdout(
            `revoked ${r.revoked.length} certificate(s) of ${displayText(String(r.host))}${r.revoked.length ? `: ${r.revoked.map((x) => displayText(String(x))).join(', ')}` : ''}; ` +
              `host ${r.blocked ? 'blocked from enrolling' : 'not blocked'}; CRL ${r.crlNumber ?? '?'} published\n`,
          );
        }
      }
    } finally {
      client.close();
    }
  });
}
