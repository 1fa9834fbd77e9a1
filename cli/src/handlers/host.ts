/**
 * `rapki host unblock NAME`: lift the block that `cert revoke --host NAME` put on a host, so it can
 * enroll again with a new token (docs/ca-api.md `POST /v1/admin/hosts/{name}/unblock`, admin only).
 */
import { CA_PATHS } from '../../../common/src/contract/paths.js';
import { connect, type ConnectionArgs } from '../ca-client/connection.js';
import { caClientError } from '../ca-client/errors.js';
import type { CommandIo } from '../io.js';
import { runCommand } from '../run-command.js';
import { displayText } from '../../../common/src/display-text.js';

export interface HostUnblockArgs extends ConnectionArgs {
  readonly name?: string | undefined;
  readonly json?: boolean | undefined;
}

/** Host names are certificate CNs: 1–64 characters, no control characters (docs/ca-api.md tokens). */
const MAX_HOST_NAME = 64;

export function hostUnblock(args: HostUnblockArgs, io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    const name = args.name === undefined ? '' : String(args.name);
    // eslint-disable-next-line no-control-regex
    if (name.length === 0 || name.length > MAX_HOST_NAME || /[\u0000-\u001f\u007f]/.test(name)) {
      throw caClientError('flag_value_invalid', `host name must be 1–${MAX_HOST_NAME} characters without control characters`);
    }
    const client = await connect(args, io.env, { admin: true });
    try {
      const r = await client.json<{ host: string; blocked: boolean }>('POST', CA_PATHS.unblockHost(name), { json: {}, admin: true });
      if (args.json) io.stdout(`${JSON.stringify(r)}\n`);
      else io.stdout(`host ${displayText(String(r.host))} unblocked: it may enroll again with a new token\n`);
    } finally {
      client.close();
    }
  });
}
