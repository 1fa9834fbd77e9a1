/**
 * `rapki agent`: keep this host's certificate renewed (and optionally serve credentials made with
 * it on an IMDSv2-compatible endpoint). The implementation, and the signer code `--serve` needs,
 * load only when the command runs.
 */
import type { Argv, CommandModule } from 'yargs';
import { caConnectionOptions } from '../ca-client/options.js';
import type { AgentArgs } from '../handlers/agent.js';
import type { CliIo } from '../io.js';
import { signerFlagValues, withSignerFlags } from '../yargs-flags.js';
import { lazyHandler } from './lazy.js';

/**
 * The signer flag table marks the three ARNs "(required)", which is true of `credential-process`;
 * the agent needs them only to serve credentials, so its help says so.
 */
const SERVE_ARNS: Readonly<Record<string, string>> = {
  'trust-anchor-arn': 'ARN of the Roles Anywhere trust anchor; only with --serve (required there)',
  'profile-arn': 'ARN of the Roles Anywhere profile; only with --serve (required there)',
  'role-arn': 'ARN of the IAM role to assume; only with --serve (required there)',
};

export const agentCommand: CommandModule = {
  command: 'agent',
  describe: 'Keep this host certificate renewed (~2/3 of each lifetime); optionally serve credentials (--serve)',
  builder: (y: Argv) =>
    withSignerFlags(y.options(caConnectionOptions), 'credential-process')
      .option('key-type', {
        type: 'string',
        choices: ['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096'],
        describe: 'type of each new key (default: same as the current key)',
      })
      .option('reuse-key', { type: 'boolean', describe: 'keep the current key at renewal instead of making a new one' })
      .option('exec-after', {
        type: 'string',
        describe: 'run this /bin/sh command after each renewal (env RAPKI_CERTIFICATE, RAPKI_PRIVATE_KEY, RAPKI_SERIAL); its failure is logged',
      })
      .describe(SERVE_ARNS)
      .option('serve', { type: 'boolean', describe: 'also serve credentials like `rapki serve` (needs --trust-anchor-arn, --profile-arn, --role-arn)' })
      .option('port', { type: 'string', default: '9911', describe: 'with --serve: listen port (0 = any free port)' })
      .option('address', { type: 'string', default: '127.0.0.1', describe: 'with --serve: listen address (loopback only)' })
      .usage(
        'rapki agent --ca-url URL [--ca-fingerprint H | --ca-file F] --certificate F --private-key F [--intermediates F] [--exec-after CMD]\n' +
          '            [--serve --trust-anchor-arn A --profile-arn A --role-arn A [--port 9911]]\n\n' +
          'Renews at about 2/3 of each lifetime, keeps the old files until new ones are in place, retries with backoff, ' +
          'logs JSON lines to stderr, stops on SIGTERM/SIGINT.',
      ),
  handler: lazyHandler(async () => {
    const { agentCommand: run } = await import('../handlers/agent.js');
    return (argv: AgentArgs & Record<string, unknown>, io: CliIo) => run(argv, io, { signerValues: signerFlagValues(argv, 'credential-process') });
  }),
};
