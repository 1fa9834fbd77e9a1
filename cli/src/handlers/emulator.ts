/**
 * `rapki emulator`: the local IAM Roles Anywhere + STS stand-in (docs/emulator.md). Prints
 * `rapki emulator listening on URL` as the first stdout line so scripts can find the port when
 * listening on port 0; logs one line per request to stderr (no secrets). The emulator loads only
 * here, so other commands do not pay for it. Serves until SIGTERM/SIGINT.
 */
import type { CommandIo } from '../io.js';
import { runCommand } from '../run-command.js';

export interface EmulatorArgs {
  readonly listen: string;
  readonly state?: string | undefined;
  readonly 'account-id'?: string | undefined;
  readonly region?: string | undefined;
  readonly 'iam-credentials'?: string | undefined;
  readonly role?: string[] | undefined;
  readonly 'tls-cert'?: string | undefined;
  readonly 'tls-key'?: string | undefined;
  readonly quiet: boolean;
}

export function runEmulator(a: EmulatorArgs, io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    const { startEmulator, emulatorOptionsFromFlags } = await import('../../../emulator/src/entry/cli.js');
    try {
      const options = emulatorOptionsFromFlags(
        {
          listen: a.listen,
          state: a.state,
          accountId: a['account-id'],
          region: a.region,
          iamCredentials: a['iam-credentials'],
          role: a.role,
          tlsCert: a['tls-cert'],
          tlsKey: a['tls-key'],
        },
        io.env,
      );
      const emu = await startEmulator({
        ...options,
        ...(a.quiet ? {} : { log: (e) => io.stderr(`rapki emulator: ${e.method} ${e.path} ${e.status} ${e.operation}${e.reason ? ` (${e.reason})` : ''}\n`) }),
      });
      await io.stdout(`rapki emulator listening on ${emu.url}\n`);
      io.stderr(`rapki emulator: account ${emu.accountId}, region ${emu.region}${a.state ? `, state ${a.state}` : ', state in memory'}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void emu.close().finally(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    } catch (caught) {
      const { listenError } = await import('../listen-error.js');
      throw listenError(caught, a.listen, '--listen HOST:PORT (port 0: any free port)') ?? caught;
    }
  });
}
