/**
 * `rapki serve` in `rapki --help` and `rapki serve --help`; the command itself runs in
 * cli/src/run-serve.ts (argv parsed with the signer flag table, see cli/src/main.ts).
 */
import type { CommandModule } from 'yargs';
import { signerFlagValues, withSignerFlags } from '../yargs-flags.js';

export const serveCommand: CommandModule = {
  command: 'serve',
  describe: 'Serve credentials on an IMDSv2-compatible endpoint on loopback (AWS_EC2_METADATA_SERVICE_ENDPOINT)',
  builder: (y) =>
    withSignerFlags(y, 'serve').usage(
      'rapki serve --certificate F --private-key F --trust-anchor-arn A --profile-arn A --role-arn A [--port 9911] [options]\n\n' +
        'Serves temporary credentials like EC2 instance metadata (IMDSv2), refreshing them before they expire and when the\n' +
        'certificate or key files change. Prints "Local server started on port: N" and the export line on stderr. A failed\n' +
        'CreateSession is retried with backoff (requests get HTTP 500 meanwhile). Ends by SIGTERM/SIGINT.',
    ),
  handler: async (argv) => {
    const [{ runServe }, { processIo }] = await Promise.all([import('../handlers/serve.js'), import('../run-signer-command.js')]);
    process.exitCode = await runServe(signerFlagValues(argv as Record<string, unknown>, 'serve'), processIo());
  },
};
