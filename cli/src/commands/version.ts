/** `rapki version`: prints the version, as `aws_signing_helper version` does (`--debug` accepted, as on every command). */
import type { CommandModule } from 'yargs';
import { lazyHandler } from './lazy.js';

export const versionCommand: CommandModule = {
  command: 'version',
  describe: 'Print the rapki version',
  builder: (y) => y.option('debug', { type: 'boolean', describe: 'Accepted for compatibility (no effect)' }),
  handler: lazyHandler(async () => (await import('../handlers/version.js')).runVersion),
};
