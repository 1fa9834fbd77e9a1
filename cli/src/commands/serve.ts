/**
 * `rapki serve` in `rapki --help` and `rapki serve --help`; the command itself runs in
 * cli/src/handlers/serve.ts (argv parsed with the signer flag table, see cli/src/main.ts).
 */
import type { CommandModule } from 'yargs';
import { withSignerFlags } from '../yargs-flags.js';
import { lazySignerHandler } from './lazy.js';

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
  handler: lazySignerHandler('serve', async () => (await import('../handlers/serve.js')).runServe),
};
