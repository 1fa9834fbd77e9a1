/** `rapki version`: prints the version, as `aws_signing_helper version` does. */
import type { CommandModule } from 'yargs';
import { VERSION } from '../version.js';

export const versionCommand: CommandModule = {
  command: 'version',
  describe: 'Print the rapki version',
  handler: () => {
    process.stdout.write(`${VERSION}\n`);
  },
};
