/** `rapki version`: prints the version, as `aws_signing_helper version` does (`--debug` accepted, as on every command). */
import type { CommandModule } from 'yargs';
import { VERSION } from '../version.js';

export const versionCommand: CommandModule = {
  command: 'version',
  describe: 'Print the rapki version',
  builder: (y) => y.option('debug', { type: 'boolean', describe: 'Accepted for compatibility (no effect)' }),
  handler: () => {
    process.stdout.write(`${VERSION}\n`);
  },
};
