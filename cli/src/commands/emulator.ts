/**
 * `rapki emulator`: the local IAM Roles Anywhere + STS stand-in (docs/emulator.md). Prints
 * `rapki emulator listening on URL` as the first stdout line so scripts can find the port when
 * listening on port 0; logs one line per request to stderr (no secrets). The emulator is imported
 * lazily so other commands do not pay for it.
 */
import type { CommandModule } from 'yargs';

interface EmulatorArgs {
  listen: string;
  state?: string;
  'account-id'?: string;
  region?: string;
  'iam-credentials'?: string;
  role?: string[];
  'tls-cert'?: string;
  'tls-key'?: string;
  quiet: boolean;
}

export const emulatorCommand: CommandModule<object, EmulatorArgs> = {
  command: 'emulator',
  describe: 'Run the local Roles Anywhere (control plane + CreateSession) and STS emulator',
  builder: (y) =>
    y
      .option('listen', { type: 'string', default: '127.0.0.1:8088', describe: 'HOST:PORT to listen on (port 0: any free port)' })
      .option('state', { type: 'string', describe: 'JSON file that keeps the state across restarts (memory only if omitted)' })
      .option('account-id', { type: 'string', describe: 'Emulated AWS account id (default 123456789012)' })
      .option('region', { type: 'string', describe: 'Emulated region (default us-east-1)' })
      .option('iam-credentials', {
        type: 'string',
        describe: 'Only accept this control-plane key: a JSON/ini credentials file, or a key id with the secret in RAPKI_EMULATOR_SECRET_ACCESS_KEY',
      })
      .option('role', { type: 'string', array: true, describe: 'NAME:MAXSECONDS maximum session duration of a role (default 3600)' })
      .option('tls-cert', { type: 'string', describe: 'Serve HTTPS with this PEM certificate' })
      .option('tls-key', { type: 'string', describe: 'PEM private key for --tls-cert' })
      .option('quiet', { type: 'boolean', default: false, describe: 'Do not log requests to stderr' }),
  handler: async (a) => {
    const [{ startEmulator }, { emulatorOptionsFromFlags }, { isRapkiError }] = await Promise.all([
      import('../../../emulator/src/index.js'),
      import('../../../emulator/src/cli-options.js'),
      import('../../../common/src/errors.js'),
    ]);
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
        process.env,
      );
      const emu = await startEmulator({
        ...options,
        ...(a.quiet
          ? {}
          : {
              log: (e) =>
                process.stderr.write(`rapki emulator: ${e.method} ${e.path} ${e.status} ${e.operation}${e.reason ? ` (${e.reason})` : ''}\n`),
            }),
      });
      process.stdout.write(`rapki emulator listening on ${emu.url}\n`);
      process.stderr.write(`rapki emulator: account ${emu.accountId}, region ${emu.region}${a.state ? `, state ${a.state}` : ', state in memory'}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void emu.close().finally(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    } catch (caught) {
      const { listenError } = await import('../listen-error.js');
      const err = listenError(caught, a.listen, '--listen HOST:PORT (port 0: any free port)') ?? caught;
      const msg = isRapkiError(err) ? `${err.message} (${err.code})` : String((err as Error)?.message ?? err);
      process.stderr.write(`rapki emulator: ${msg}\n`);
      process.exitCode = 1;
    }
  },
};
