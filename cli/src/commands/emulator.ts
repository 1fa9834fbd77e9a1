/**
 * `rapki emulator`: the local IAM Roles Anywhere + STS stand-in (docs/emulator.md). Flags and help;
 * the command runs in cli/src/handlers/emulator.ts.
 */
import type { CommandModule } from 'yargs';
import { lazyHandler } from './lazy.js';

export const emulatorCommand: CommandModule = {
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
  handler: lazyHandler(async () => (await import('../handlers/emulator.js')).runEmulator),
};
