/**
 * `rapki credential-process`: one CreateSession, credential_process JSON on stdout.
 * Normally run through the lean fast path (cli/src/fast/credential-process.ts); yargs serves
 * `--help` and keeps the command in `rapki --help`.
 */
import type { CommandModule } from 'yargs';
import { withSignerFlags } from '../yargs-flags.js';
import { lazySignerHandler } from './lazy.js';

export const credentialProcessCommand: CommandModule = {
  command: 'credential-process',
  describe: 'Get temporary AWS credentials with a certificate (credential_process JSON on stdout)',
  builder: (y) =>
    withSignerFlags(y, 'credential-process').usage(
      'rapki credential-process --certificate F --private-key F --trust-anchor-arn A --profile-arn A --role-arn A [options]\n\n' +
        'Calls IAM Roles Anywhere CreateSession and prints {"Version":1,"AccessKeyId",...,"Expiration"} for credential_process.\n' +
        'Drop-in replacement for `aws_signing_helper credential-process` (same flags).',
    ),
  handler: lazySignerHandler('credential-process', async () => (await import('../handlers/credential-process.js')).runCredentialProcess),
};
