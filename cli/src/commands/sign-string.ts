/** `rapki sign-string`: sign the official helper's test payload (key check without AWS). */
import type { CommandModule } from 'yargs';
import { withSignerFlags } from '../yargs-flags.js';
import { lazySignerHandler } from './lazy.js';

export const signStringCommand: CommandModule = {
  command: 'sign-string',
  describe: 'Sign the aws_signing_helper test string with the key (diagnostic)',
  builder: (y) =>
    withSignerFlags(y, 'sign-string').usage(
      'rapki sign-string --certificate F --private-key F [--format json|text|bin] [--digest SHA256|SHA384|SHA512]\n\n' +
        'Signs "AWS Roles Anywhere Credential Helper Signing Test" + "1" + SHA256("IAM RA" + public key), as aws_signing_helper does.',
    ),
  handler: lazySignerHandler('sign-string', async () => (await import('../handlers/sign-string.js')).runSignString),
};
