/**
 * `rapki renew`: once, or with `--daemon` in a loop that renews at ~2/3 of the lifetime with jitter
 * and backs off on failure: the loop shared with `rapki agent` (`../renew-loop.ts`). A terminal
 * refusal (revoked, expired, unknown, blocked) ends the daemon with an error, since retrying cannot help.
 */
import { isRapkiError } from '../../../common/src/errors.js';
import { CA_ENV } from '../ca-client/constants.js';
import { connect, type ConnectionArgs } from '../ca-client/connection.js';
import { caClientError } from '../ca-client/errors.js';
import { isHostKeyType, HOST_KEY_TYPES } from '../ca-client/key-types.js';
import { processDaemonEnv, type DaemonEnv } from '../ca-client/daemon-env.js';
import {
  defaultCaPath,
  defaultChainPath,
  identityOf,
  loadCurrent,
  refuseTokenKey,
  renew,
  type CurrentCredentials,
  type HostFiles,
  type KeySecrets,
} from '../ca-client/renew.js';
import { tpmKeyPasswordOf } from '../ca-client/secrets.js';
import { runRenewalLoop, type RenewalOutcome } from '../ca-client/renew-loop.js';
import type { Validity } from '../ca-client/renew-schedule.js';
import type { CommandIo } from '../io.js';
import { failureSummary } from '../report.js';
import { runCommand } from '../run-command.js';
import { parseSerial } from '../../../common/src/x509/serial.js';

export interface RenewArgs extends ConnectionArgs {
  readonly certificate: string;
  readonly 'private-key': string;
  readonly chain?: string | undefined;
  readonly 'key-type'?: string | undefined;
  readonly 'reuse-key'?: boolean | undefined;
  readonly 'tpm-key-password-file'?: string | undefined;
  readonly 'no-tpm-key-password'?: boolean | undefined;
  readonly daemon?: boolean | undefined;
  readonly json?: boolean | undefined;
}

export type { DaemonEnv } from '../ca-client/daemon-env.js';

/**
 * One renewal with the files on disk: TLS client auth with them (a TPM key: a proof of possession
 * signed in the TPM), new files swapped in atomically.
 */
export async function renewOnce(args: RenewArgs, io: CommandIo, files: HostFiles, secrets: KeySecrets = {}): Promise<RenewalOutcome> {
  const current = await loadCurrent(files, { env: io.env, ...secrets });
  const caFile = await defaultCaPath(files.certificate);
  const once = async (a: RenewArgs, env: NodeJS.ProcessEnv): Promise<RenewalOutcome> => {
    const client = await connect(a, env, { clientIdentity: identityOf(current), fallbackCaFile: caFile });
    try {
      const r = await renew({ client, files, current, keyType: args['key-type'], reuseKey: args['reuse-key'] ?? false });
      return { ...r, previousSerial: parseSerial(r.previousSerial).hex };
    } finally {
      client.close();
    }
  };
  try {
    return await once(args, io.env);
  } catch (err) {
    // After a CA rotation (docs/rotation.md) a pinned fingerprint names the retired root; ca.pem
    // holds the roots this host verified at enrollment and that renewals during the overlap
    // updated, so it is the trust to fall back on (never weaker: it came over verified TLS).
    if (!(isRapkiError(err) && err.code === 'ca_fingerprint_mismatch' && caFile && !args['ca-file'])) throw err;
    return once({ ...args, 'ca-fingerprint': undefined, 'ca-file': caFile }, { ...io.env, [CA_ENV.fingerprint]: undefined });
  }
}

export function renewCommand(args: RenewArgs, io: CommandIo, daemonEnv?: DaemonEnv): Promise<number> {
  return runCommand(io, async () => {
    refuseTokenKey(args['private-key']);
    if (args['key-type'] !== undefined && !isHostKeyType(args['key-type'])) {
      throw caClientError('key_type_invalid', `unknown key type ${JSON.stringify(args['key-type'])}; use one of ${HOST_KEY_TYPES.join(', ')}`);
    }
    const files: HostFiles = {
      certificate: args.certificate,
      privateKey: args['private-key'],
      chain: args.chain ?? (await defaultChainPath(args.certificate)),
    };
    const secrets: KeySecrets = {
      tpmKeyPassword: args['no-tpm-key-password'] ? undefined : await tpmKeyPasswordOf(args['tpm-key-password-file'], io.env),
      noTpmKeyPassword: args['no-tpm-key-password'] === true,
      env: io.env,
    };
    const report = (r: RenewalOutcome): void => {
      if (args.json) io.stdout(`${JSON.stringify(r)}\n`);
      else io.stdout(`renewed: serial ${r.serial} (was ${r.previousSerial}), valid until ${r.notAfter}\n`);
    };
    if (!args.daemon) {
      report(await renewOnce(args, io, files, secrets));
      return;
    }
    await runRenewalLoop({
      certificatePath: files.certificate,
      current: async () => validityOf(await loadCurrent(files, secrets)),
      renewOnce: () => renewOnce(args, io, files, secrets),
      env: daemonEnv ?? processDaemonEnv(),
      events: {
        planned: (at) => io.stderr(`rapki: next renewal at ${at.toISOString()}\n`),
        renewed: report,
        failed: (err, attempt) => io.stderr(`rapki: ${failureSummary(err)} (attempt ${attempt}; retrying)\n`),
      },
    });
  });
}

/** notBefore/notAfter of the current certificate, for the schedule. */
export function validityOf(current: CurrentCredentials): Validity {
  return { notBefore: new Date(current.certificate.validFrom), notAfter: new Date(current.certificate.validTo) };
}
