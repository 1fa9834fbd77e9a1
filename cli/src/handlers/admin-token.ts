/**
 * `rapki admin-token create|list|revoke`: the lifecycle of admin bearer tokens
 * (docs/ca-api.md "Admin tokens", docs/security.md C24). Admin role only on the server.
 *
 * `create` prints the secret once on stdout (alone, or inside `--json`) so that scripts can capture
 * it; everything else goes to stderr. `list` and `revoke` work with the public id (16 hex digits)
 * and never see a secret or a hash.
 */
import { ADMIN_TOKEN_ID, ADMIN_TOKEN_ROLES, checkAdminTokenName, isAdminTokenRole, type AdminTokenRole } from '../../../common/src/contract/admin-tokens.js';
import type { AdminTokenInfo, CreateAdminTokenRequest, CreatedAdminToken } from '../../../common/src/contract/types.js';
import { safeText } from '../ca-client/client.js';
import { CA_PATHS } from '../../../common/src/contract/paths.js';
import { connect, type ConnectionArgs } from '../ca-client/connection.js';
import { parseDuration } from '../ca-client/duration.js';
import { caClientError } from '../ca-client/errors.js';
import type { CommandIo } from '../io.js';
import { runCommand } from '../run-command.js';
import { formatTable } from '../ca-client/table.js';

export { ADMIN_TOKEN_ROLES } from '../../../common/src/contract/admin-tokens.js';

export interface AdminTokenCreateArgs extends ConnectionArgs {
  readonly name?: string | undefined;
  readonly role?: string | undefined;
  readonly ttl?: string | undefined;
  readonly json?: boolean | undefined;
  /** On the CA host: write into this CA directory's store instead of calling the API. */
  readonly dir?: string | undefined;
  readonly 'passphrase-file'?: string | undefined;
  /** With `--dir`: where the CA's store is (docs/ha.md). */
  readonly 'store-url'?: string | undefined;
  readonly 'store-url-file'?: string | undefined;
}

export function adminTokenCreate(args: AdminTokenCreateArgs, io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    const name = checkAdminTokenName(String(args.name ?? ''));
    if (!name.ok) throw caClientError('flag_value_invalid', `--name: ${name.reason}`);
    const role = args.role ?? 'operator';
    if (!isAdminTokenRole(role)) throw caClientError('flag_value_invalid', `--role must be one of ${ADMIN_TOKEN_ROLES.join(', ')}`);
    // The duration goes as typed (trimmed), once the contract's grammar, the CA's too, has taken it.
    if (args.ttl !== undefined) parseDuration(args.ttl);
    const body: CreateAdminTokenRequest = { name: name.value, role, ...(args.ttl !== undefined ? { ttl: String(args.ttl).trim() } : {}) };
    if (args.dir !== undefined) {
      printCreated(await createOnCaHost(args, io.env, role), args, io);
      return;
    }
    const client = await connect(args, io.env, { admin: true });
    try {
      const res = await client.json<CreatedAdminToken>('POST', CA_PATHS.adminTokens, { json: body, admin: true });
      if (typeof res?.token !== 'string' || typeof res.id !== 'string') throw caClientError('ca_response_invalid', 'the CA answered without token and id');
      printCreated(res, args, io);
    } finally {
      client.close();
    }
  });
}

/** stdout: the token alone (or the entry with it, `--json`); stderr: what it is and how to revoke it. */
function printCreated(res: CreatedAdminToken, args: AdminTokenCreateArgs, io: CommandIo): void {
  if (args.json) io.stdout(`${JSON.stringify(res)}\n`);
  else io.stdout(`${res.token}\n`);
  io.stderr(
    `rapki: ${safeText(res.role)} token ${safeText(res.name)} (id ${safeText(res.id)}) ` +
      `${res.expiresAt ? `expires at ${safeText(res.expiresAt)}` : 'does not expire'}; it is shown only now.\n` +
      `Revoke it with: rapki admin-token revoke ${safeText(res.id)}\n`,
  );
}

/**
 * `--dir D` on the CA host: no server and no admin token needed, but the CA key passphrase
 * (RAPKI_CA_PASSPHRASE or --passphrase-file; a token-held CA key asks for its PIN instead). Works
 * while `rapki ca serve` runs on D.
 */
async function createOnCaHost(args: AdminTokenCreateArgs, env: NodeJS.ProcessEnv, role: AdminTokenRole): Promise<CreatedAdminToken> {
  for (const f of ['ca-url', 'ca-fingerprint', 'ca-file', 'admin-token-file'] as const) {
    if (args[f] !== undefined)
      throw caClientError('flag_value_invalid', `--dir makes the token in the CA directory; --${f} is for the API: leave one of them out`);
  }
  const [{ resolvePassphrase, storeSelection }, { createAdminTokenOnCaHost }] = await Promise.all([
    import('../../../ca-server/src/entry/ca-dir.js'),
    import('../../../ca-server/src/entry/admin-token.js'),
  ]);
  const sel = storeSelection({
    dir: args.dir!,
    url: args['store-url'],
    urlFile: args['store-url-file'],
    env,
    warn: (m) => process.stderr.write(`rapki: warning: ${m}\n`),
  }).open();
  const t = await createAdminTokenOnCaHost({
    dir: args.dir!,
    location: sel.location,
    env,
    passphrase: resolvePassphrase({ env, passphraseFile: args['passphrase-file'], dir: args.dir }),
    name: String(args.name),
    role,
    ttlSeconds: args.ttl !== undefined ? parseDuration(args.ttl) : undefined,
  });
  const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
  return {
    token: t.token,
    id: t.id,
    name: t.name,
    role: t.role,
    status: 'active',
    createdAt: t.createdAt.toISOString(),
    expiresAt: iso(t.expiresAt),
    lastUsedAt: null,
    revokedAt: null,
  };
}

export interface AdminTokenListArgs extends ConnectionArgs {
  readonly json?: boolean | undefined;
}

export function adminTokenList(args: AdminTokenListArgs, io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    const client = await connect(args, io.env, { admin: true });
    try {
      const res = await client.json<{ adminTokens: AdminTokenInfo[] }>('GET', CA_PATHS.adminTokens, { admin: true });
      if (!res || !Array.isArray(res.adminTokens)) throw caClientError('ca_response_invalid', 'the answer has no adminTokens array');
      if (args.json) {
        io.stdout(`${JSON.stringify({ adminTokens: res.adminTokens })}\n`);
        return;
      }
      const cell = (v: unknown) => (v === null || v === undefined ? '' : safeText(String(v), 64));
      io.stdout(
        formatTable(
          ['ID', 'NAME', 'ROLE', 'STATUS', 'CREATED', 'EXPIRES', 'LAST USED', 'REVOKED'],
          res.adminTokens.map((t) => [t.id, t.name, t.role, t.status, t.createdAt, t.expiresAt ?? 'never', t.lastUsedAt, t.revokedAt].map(cell)),
        ),
      );
    } finally {
      client.close();
    }
  });
}

export interface AdminTokenRevokeArgs extends ConnectionArgs {
  readonly id?: string | undefined;
  readonly json?: boolean | undefined;
}

export function adminTokenRevoke(args: AdminTokenRevokeArgs, io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    const id = String(args.id ?? '')
      .trim()
      .toLowerCase();
    if (!ADMIN_TOKEN_ID.test(id)) throw caClientError('flag_value_invalid', 'ID must be the 16 hex digits shown by `rapki admin-token list`');
    const client = await connect(args, io.env, { admin: true });
    try {
      const res = await client.json<AdminTokenInfo>('POST', CA_PATHS.revokeAdminToken(id), { json: {}, admin: true });
      if (args.json) io.stdout(`${JSON.stringify(res)}\n`);
      else io.stdout(`admin token ${safeText(String(res?.id ?? id))} (${safeText(String(res?.name ?? ''))}) revoked\n`);
    } finally {
      client.close();
    }
  });
}
