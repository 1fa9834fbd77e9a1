/**
 * `rapki credential-process`: one CreateSession, credential_process JSON on stdout.
 * Normally run through the lean fast path (cli/src/fast/credential-process.ts); yargs serves
 * `--help` and keeps the command in `rapki --help`.
 */
import type { CommandModule } from 'yargs';
import { withSignerFlags, signerFlagValues } from '../yargs-flags.js';

export const credentialProcessCommand: CommandModule = {
  command: 'credential-process',
  describe: 'Get temporary AWS credentials with a certificate (credential_process JSON on stdout)',
  builder: (y) =>
    withSignerFlags(y, 'credential-process').usage(
      'rapki credential-process --certificate F --private-key F --trust-anchor-arn A --profile-arn A --role-arn A [options]\n\n' +
        'Calls IAM Roles Anywhere CreateSession and prints {"Version":1,"AccessKeyId",...,"Expiration"} for credential_process.\n' +
        'Drop-in replacement for `aws_signing_helper credential-process` (same flags).',
    ),
  handler: async (argv) => {
    const { runCredentialProcess } = await import('../fast/credential-process.js');
    const { processIo } = await import('../run-signer-command.js');
    process.exitCode = await runCredentialProcess(signerFlagValues(argv as Record<string, unknown>, 'credential-process'), processIo());
  },
};
