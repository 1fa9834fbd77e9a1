/** `rapki audit verify`: check the CA audit log's hash chain. Implementation loaded lazily. */
import type { Argv, CommandModule } from 'yargs';
import { lazyHandler } from './lazy.js';
import { adminTokenOptions, caConnectionOptions } from '../ca-client/options.js';
import { storeOptions } from './store-options.js';

const verify: CommandModule = {
  command: 'verify',
  describe: 'Verify the audit log hash chain (from the server, or from a CA directory with --dir)',
  builder: (y: Argv) =>
    y
      .options(caConnectionOptions)
      .options(adminTokenOptions)
      .option('dir', { type: 'string', describe: "read the CA directory's store (its database) instead of asking the server" })
      .options(storeOptions)
      .option('json', { type: 'boolean', describe: 'print {"ok","count","lastHash","headSeq","head"}' })
      .option('expect-head', {
        type: 'string',
        describe: 'SEQ:HASH of a head printed earlier (`audit head:` line) and stored elsewhere; fail (audit_head_mismatch) unless the chain still holds it',
      }),
  handler: lazyHandler(async () => (await import('../handlers/audit.js')).auditVerify),
};

export const auditCommand: CommandModule = {
  command: 'audit <command>',
  describe: 'CA audit log',
  builder: (y: Argv) => y.command(verify).demandCommand(1),
  handler: () => {},
};
