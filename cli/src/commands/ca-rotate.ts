/**
 * `rapki ca rotate plan|status|start|finish|abort` (docs/rotation.md): CA rotation without
 * downtime, through the CA server's admin API (`/v1/admin/rotation`). The builder stays light;
 * the client code is loaded in the handler.
 */
import type { Argv, CommandModule } from 'yargs';
import { adminTokenOptions, caConnectionOptions } from '../ca-client/options.js';
import { lazyHandler } from './lazy.js';

type Sub = 'plan' | 'status' | 'start' | 'finish' | 'abort';

/** Each subcommand's handler in cli/src/handlers/ca-rotate.ts. */
const HANDLER = { plan: 'rotatePlan', status: 'rotateStatus', start: 'rotateStart', finish: 'rotateFinish', abort: 'rotateAbort' } as const;

function sub(name: Sub, describe: string, extra: (y: Argv) => Argv = (y) => y): CommandModule {
  return {
    command: name,
    describe,
    builder: (y: Argv) =>
      extra(y.options(caConnectionOptions).options(adminTokenOptions).option('json', { type: 'boolean', describe: 'print the server answer as JSON' })),
    handler: lazyHandler(async () => (await import('../handlers/ca-rotate.js'))[HANDLER[name]]),
  };
}

export const caRotateCommand: CommandModule = {
  command: 'rotate <command>',
  describe: 'Rotate the CA without downtime (two-certificate trust anchors, two CRL slots)',
  builder: (y: Argv) =>
    y
      .command(sub('plan', 'Show the steps, dates and overlap (from the longest valid leaf lifetime)'))
      .command(sub('status', 'Show the rotation state, plan and the second CRL slot'))
      .command(
        sub('start', 'Make the new CA, publish both certificates and CRLs, then issue from the new CA (re-run to resume)', (y) =>
          y
            .option('key-type', { choices: ['ec-p256', 'ec-p384', 'rsa-3072', 'rsa-4096'], describe: 'key type of the new CA (default: the current one)' })
            .option('emergency', {
              type: 'boolean',
              default: false,
              describe: 'old CA compromised: also revoke every certificate it issued (hosts re-enroll)',
            }),
        ),
      )
      .command(
        sub('finish', 'Remove the old CA from every trust anchor once its leaves are gone (re-run to resume)', (y) =>
          y
            .option('force', { type: 'boolean', default: false, describe: 'finish although leaves of the old CA are still valid (they will be refused)' })
            .option('wait', { type: 'boolean', default: false, describe: 'wait until the old CA has drained, then finish' })
            .option('timeout', { type: 'number', default: 3600, describe: 'with --wait: give up after this many seconds' }),
        ),
      )
      .command(
        sub('abort', 'Return to the old CA (completes once leaves of the new CA are gone, or with --force)', (y) =>
          y.option('force', { type: 'boolean', default: false, describe: 'remove the new CA although its leaves are still valid' }),
        ),
      )
      .demandCommand(1),
  handler: () => {},
};
