/**
 * yargs root of the `rapki` CLI: registers every command module of `cli/src/commands/`.
 * Command modules keep their builders light and import their implementation lazily in the handler,
 * so `rapki --help` stays fast and no command pays for another's dependencies.
 *
 * As the official helper (cobra): `rapki` alone prints the usage and exits 0; `-h` is `--help`;
 * `rapki help <command>` is `rapki <command> --help`.
 */
import yargs from 'yargs';
import { commands } from './commands/index.js';
import { reportFailure } from './report.js';
import { yargsFailure } from './yargs-failure.js';
import { VERSION } from './version.js';

function rootParser(argv: string[]) {
  let y = yargs(argv)
    .scriptName('rapki')
    .usage('rapki <command> [options]\n\nAWS IAM Roles Anywhere toolkit: private CA, registration, and credential signer.')
    .version(VERSION)
    .help()
    .alias('h', 'help')
    .strict()
    .demandCommand(1, 'Name a command; `rapki --help` lists them.')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      // yargs' own refusals are reported as every command's failures (cli/src/report.ts).
      process.exit(reportFailure(yargsFailure(msg, argv), { env: process.env, stderr: (t) => process.stderr.write(t) }));
    });
  for (const c of commands) y = y.command(c);
  return y.command({
    command: 'help [command..]',
    describe: 'Show the help of a command (`rapki help serve` = `rapki serve --help`)',
    handler: async (a) => {
      const words = (a.command as string[] | undefined) ?? [];
      await rootParser([...words, '--help']).parseAsync();
    },
  });
}

export async function runYargs(argv: string[]): Promise<void> {
  if (argv.length === 0) {
    // No command: the usage, on stdout, exit 0 (as `aws_signing_helper` alone).
    rootParser([]).showHelp((s) => process.stdout.write(`${s}\n`));
    return;
  }
  await rootParser(argv).parseAsync();
}
