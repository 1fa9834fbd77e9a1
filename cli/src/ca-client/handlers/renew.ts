/**
 * `rapki renew`: once, or with `--daemon` in a loop that renews at ~2/3 of the lifetime with jitter
 * and backs off on failure (see `../renew-schedule.ts`). A terminal refusal (revoked, expired,
 * unknown, blocked) ends the daemon with an error, since retrying cannot help.
 */
import { isRapkiError } from '../../../../common/src/errors.js';
import { connect, type ConnectionArgs } from '../connection.js';
import { caClientError } from '../errors.js';
import { isHostKeyType, HOST_KEY_TYPES } from '../key-types.js';
import { defaultCaPath, defaultChainPath, identityOf, loadCurrent, renew, type HostFiles } from '../renew.js';
import { backoffDelayMs, renewalDelayMs, TERMINAL_RENEW_CODES } from '../renew-schedule.js';
import { formatError, runCommand, type CommandIo } from '../run.js';
import { parseSerial } from '../serial.js';

export interface RenewArgs extends ConnectionArgs {
  readonly certificate: string;
  readonly 'private-key': string;
  readonly chain?: string | undefined;
  readonly 'key-type'?: string | undefined;
  readonly 'reuse-key'?: boolean | undefined;
  readonly daemon?: boolean | undefined;
  readonly json?: boolean | undefined;
}

/** Clock, randomness and sleeping, injected so the daemon loop can be driven by tests. */
export interface DaemonEnv {
  readonly now: () => Date;
  readonly random: () => number;
  /** Resolves after `ms` or early when `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly signal: AbortSignal;
}

async function renewOnce(args: RenewArgs, io: CommandIo, files: HostFiles): Promise<{ serial: string; previousSerial: string; notAfter: string }> {
  const current = await loadCurrent(files);
  const client = await connect(args, io.env, {
    clientIdentity: identityOf(current),
    fallbackCaFile: await defaultCaPath(files.certificate),
  });
  try {
    const r = await renew({ client, files, current, keyType: args['key-type'], reuseKey: args['reuse-key'] ?? false });
    return { ...r, previousSerial: parseSerial(r.previousSerial).hex };
  } finally {
    client.close();
  }
}

export function renewCommand(args: RenewArgs, io: CommandIo, daemonEnv?: DaemonEnv): Promise<number> {
  return runCommand(io, async () => {
    if (args['key-type'] !== undefined && !isHostKeyType(args['key-type'])) {
      throw caClientError('key_type_invalid', `unknown key type ${JSON.stringify(args['key-type'])}; use one of ${HOST_KEY_TYPES.join(', ')}`);
    }
    const files: HostFiles = {
      certificate: args.certificate,
      privateKey: args['private-key'],
      chain: args.chain ?? (await defaultChainPath(args.certificate)),
    };
    const report = (r: { serial: string; previousSerial: string; notAfter: string }): void => {
      if (args.json) io.stdout(`${JSON.stringify(r)}\n`);
      else io.stdout(`renewed: serial ${r.serial} (was ${r.previousSerial}), valid until ${r.notAfter}\n`);
    };
    if (!args.daemon) {
      report(await renewOnce(args, io, files));
      return;
    }
    const env = daemonEnv ?? processDaemonEnv();
    let failures = 0;
    let obtainedAt: Date | undefined;
    while (!env.signal.aborted) {
      const current = await loadCurrent(files);
      const validity = { notBefore: new Date(current.certificate.validFrom), notAfter: new Date(current.certificate.validTo) };
      const wait =
        failures === 0
          ? renewalDelayMs(validity, env.now(), env.random, obtainedAt)
          : backoffDelayMs(failures, validity, env.now(), env.random);
      if (wait > 0) {
        const target = env.now().getTime() + wait;
        io.stderr(`rapki: next renewal at ${new Date(target).toISOString()}\n`);
        await env.sleep(wait, env.signal);
        if (env.signal.aborted) break;
        // Woken early (long waits are split): plan again from the certificate on disk.
        if (env.now().getTime() < target - 1000) continue;
      }
      try {
        report(await renewOnce(args, io, files));
        obtainedAt = env.now();
        failures = 0;
      } catch (err) {
        if (isRapkiError(err) && TERMINAL_RENEW_CODES.has(err.code)) throw err;
        failures += 1;
        io.stderr(`${formatError(err)} (attempt ${failures}; retrying)\n`);
      }
    }
  });
}

function processDaemonEnv(): DaemonEnv {
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return {
    now: () => new Date(),
    random: Math.random,
    signal: ac.signal,
    sleep: (ms, signal) =>
      new Promise((resolve) => {
        // setTimeout caps at 2^31-1 ms (~24.8 days); wake up and re-plan for longer waits.
        const t = setTimeout(done, Math.min(ms, 2 ** 31 - 1));
        function done(): void {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      }),
  };
}
