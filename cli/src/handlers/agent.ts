/**
 * `rapki agent`: the long-running host process. It renews the certificate at about 2/3 of its
 * lifetime (the loop shared with `renew --daemon`, `../renew-loop.ts`), replaces the files
 * atomically and keeps the old ones until a complete new set is written, runs `--exec-after` after
 * each change, optionally serves credentials on an IMDSv2-compatible endpoint (`--serve`), logs
 * JSON lines to stderr, and exits 0 on SIGTERM/SIGINT.
 *
 * Exit 1 when the files are unusable at start, when `--serve` cannot get its first credentials, or
 * when the CA refuses renewal for good (revoked, expired, unknown, host blocked): the log says so,
 * and docs/host.md says what to do (re-enroll).
 */
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { FlagValues } from '../credential-flags.js';
import { isTpmHandle } from '../../../signer/src/entry/key-kind.js';
import { jsonLineLog, type AgentLog } from '../ca-client/agent-log.js';
import type { ConnectionArgs } from '../ca-client/connection.js';
import { processDaemonEnv, type DaemonEnv } from '../ca-client/daemon-env.js';
import { caClientError } from '../ca-client/errors.js';
import { EXEC_AFTER_ENV, runExecAfter } from '../ca-client/exec-after.js';
import { HOST_KEY_TYPES, isHostKeyType } from '../ca-client/key-types.js';
import { checkTpmKey, defaultChainPath, loadCurrent, refuseTokenKey, type HostFiles, type KeySecrets } from '../ca-client/renew.js';
import { isTerminalRenewError, runRenewalLoop, type RenewalOutcome } from '../ca-client/renew-loop.js';
import { EXIT } from '../ca-client/constants.js';
import { displayText } from '../../../common/src/display-text.js';
import type { CommandIo } from '../io.js';
import { failureOf } from '../report.js';
import { runCommand } from '../run-command.js';
import { renewOnce, validityOf } from './renew.js';
import type { AgentServing } from '../ca-client/agent-serve.js';

export interface AgentArgs extends ConnectionArgs {
  readonly certificate: string;
  readonly 'private-key': string;
  /** Intermediates file: sent with credential requests and replaced at renewal. */
  readonly intermediates?: string | undefined;
  readonly 'key-type'?: string | undefined;
  readonly 'reuse-key'?: boolean | undefined;
  readonly 'exec-after'?: string | undefined;
  readonly serve?: boolean | undefined;
  readonly port?: string | number | undefined;
  readonly address?: string | undefined;
}

export interface AgentDeps {
  /** Clock, random, sleep and stop signal; default: the real process (SIGTERM/SIGINT). */
  readonly daemon?: DaemonEnv | undefined;
  readonly log?: AgentLog | undefined;
  /** Signer flag values, for `--serve`. */
  readonly signerValues?: FlagValues | undefined;
}

function errorFields(err: unknown): { code: string; error: string } {
  const f = failureOf(err);
  return { code: f.code, error: displayText(f.message) };
}

function parsePort(v: string | number | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw caClientError('flag_value_invalid', `--port must be 0..65535, not ${JSON.stringify(String(v))}`);
  return n;
}

/**
 * Exit status: 0 after a stop signal; {@link EXIT.refused} (3) when the CA refused renewal for good,
 * so a supervisor can stop restarting (systemd `RestartPreventExitStatus=3`); 1 for anything else.
 */
export async function agentCommand(args: AgentArgs, io: CommandIo, deps: AgentDeps = {}): Promise<number> {
  let refused = false;
  const code = await runCommand(io, async () => {
    const log = deps.log ?? jsonLineLog(io.stderr);
    if (args['key-type'] !== undefined && !isHostKeyType(args['key-type'])) {
      throw caClientError('key_type_invalid', `unknown key type ${JSON.stringify(args['key-type'])}; use one of ${HOST_KEY_TYPES.join(', ')}`);
    }
    if (typeof args.certificate !== 'string' || typeof args['private-key'] !== 'string') {
      throw caClientError('flag_value_invalid', '--certificate and --private-key are required');
    }
    refuseTokenKey(args['private-key']);
    const port = parsePort(args.port);
    const files: HostFiles = {
      certificate: resolvePath(args.certificate),
      // `handle:0x81…` names a persistent TPM key, not a path.
      privateKey: isTpmHandle(args['private-key']) ? args['private-key'] : resolvePath(args['private-key']),
      chain: args.intermediates !== undefined ? resolvePath(args.intermediates) : await defaultChainPath(resolvePath(args.certificate)),
    };
    const daemon = deps.daemon ?? processDaemonEnv((signal) => log('info', 'stopping', { signal }));
    // A TPM key's password, read as the credential commands read it (the --serve endpoint too).
    const { resolveTpmKeyPassword } = await import('../signer-options.js');
    const secrets: KeySecrets = {
      tpmKeyPassword: resolveTpmKeyPassword(deps.signerValues ?? {}, {
        env: io.env,
        readFileText: (p) => readFileSync(p, 'utf8'),
        warn: (l) => io.stderr(`${l}\n`),
      }),
      noTpmKeyPassword: deps.signerValues?.['no-tpm-key-password'] === true,
      env: io.env,
    };

    // Fail fast on unusable files, before serving or sleeping.
    const current = await loadCurrent(files, secrets);
    // A TPM key is used only at renewal, maybe hours from now: check now that it signs (its password,
    // its parent), once, so a wrong setting ends the agent at start instead of at the renewal.
    if (current.kind === 'tpm') await checkTpmKey(current);
    log('info', 'agent started', {
      certificate: files.certificate,
      serial: current.certificate.serialNumber.toLowerCase(),
      not_after: new Date(current.certificate.validTo).toISOString(),
    });

    let serving: AgentServing | undefined;
    if (args.serve) {
      const { startAgentServing } = await import('../ca-client/agent-serve.js');
      serving = await startAgentServing({
        values: {
          ...deps.signerValues,
          certificate: files.certificate,
          'private-key': files.privateKey,
          // Read at every refresh; an empty chain.pem (the root issues host certificates) is no chain.
          intermediates: files.chain,
        },
        env: io.env,
        address: args.address ?? '127.0.0.1',
        port,
        log,
      });
      log('info', 'serving credentials', { endpoint: serving.url });
    }

    const afterRenewal = async (r: RenewalOutcome): Promise<void> => {
      log('info', 'renewed', { serial: r.serial, previous_serial: r.previousSerial, not_after: r.notAfter });
      const cmd = args['exec-after'];
      if (!cmd) return;
      const res = await runExecAfter(cmd, {
        env: {
          ...io.env,
          [EXEC_AFTER_ENV.certificate]: files.certificate,
          [EXEC_AFTER_ENV.privateKey]: files.privateKey,
          ...(files.chain ? { [EXEC_AFTER_ENV.intermediates]: files.chain } : {}),
          [EXEC_AFTER_ENV.serial]: r.serial,
          [EXEC_AFTER_ENV.previousSerial]: r.previousSerial,
          [EXEC_AFTER_ENV.notAfter]: r.notAfter,
        },
      });
      const ok = res.exitCode === 0;
      log(ok ? 'info' : 'warn', ok ? 'exec-after succeeded' : 'exec-after failed', {
        exit_code: res.exitCode,
        signal: res.signal,
        duration_ms: res.durationMs,
        error: res.error,
      });
    };

    try {
      await runRenewalLoop({
        certificatePath: files.certificate,
        current: async () => validityOf(await loadCurrent(files, secrets)),
        renewOnce: () => renewOnce({ ...args, chain: files.chain, 'private-key': files.privateKey, certificate: files.certificate }, io, files, secrets),
        env: daemon,
        events: {
          planned: (at, kind) => log('info', kind === 'retry' ? 'renewal retry planned' : 'renewal planned', { at: at.toISOString() }),
          renewed: afterRenewal,
          failed: (err, attempt) => log('warn', 'renewal failed; keeping the current certificate', { ...errorFields(err), attempt }),
        },
      });
    } catch (err) {
      refused = isTerminalRenewError(err) && (err as { code?: unknown }).code !== 'file_invalid';
      log('error', 'renewal stopped: refused for good or files unusable; see docs/host.md ("When the host is revoked")', errorFields(err));
      throw err;
    } finally {
      await serving?.close();
    }
    log('info', 'stopped');
  });
  return refused && code === EXIT.error ? EXIT.refused : code;
}
