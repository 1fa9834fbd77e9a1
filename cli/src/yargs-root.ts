/**
 * yargs root of the `rapki` CLI: registers every command module of `cli/src/commands/`.
 * Command modules keep their builders light and import their implementation lazily in the handler,
 * so `rapki --help` stays fast and no command pays for another's dependencies.
 */
import yargs from 'yargs';
import { commands } from './commands/index.js';
import { VERSION } from './version.js';

export async function runYargs(argv: string[]): Promise<void> {
  let y = yargs(argv)
    .scriptName('rapki')
    .usage('rapki <command> [options]\n\nAWS IAM Roles Anywhere toolkit: private CA, registration, and credential signer.')
    .version(VERSION)
    .strict()
    .demandCommand(1, 'Name a command; `rapki --help` lists them.')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err, yy) => {
      if (err) throw err;
      process.stderr.write(`${yy.help() ? '' : ''}rapki: ${msg}\nRun with --help for usage.\n`);
      process.exit(1);
    });
  for (const c of commands) y = y.command(c);
  await y.parseAsync();
}
