/**
 * The handler of every command module: it loads the command's handler module (cli/src/handlers/)
 * only when the command runs, calls it with the parsed flags and the process's I/O, and sets the
 * exit status. So building the command tree (`rapki --help`) loads no command's dependencies.
 */
import type { FlagValues, SignerCommand } from '../credential-flags.js';
import type { CliIo } from '../io.js';
import { signerFlagValues } from '../yargs-flags.js';

type Run<A> = (args: A, io: CliIo) => Promise<number>;

/** `load` resolves to the handler function (`async () => (await import('../handlers/x.js')).runX`). */
export function lazyHandler<A>(load: () => Promise<Run<A>>): (argv: unknown) => Promise<void> {
  return async (argv) => {
    const [run, { processIo }] = await Promise.all([load(), import('../io.js')]);
    process.exitCode = await run(argv as A, processIo());
  };
}

/**
 * The same for a signer command: its handler takes the flag values in the shared flag table's
 * shape (cli/src/credential-flags.ts), as the lean parser (cli/src/run-signer-argv.ts) gives them.
 */
export function lazySignerHandler(command: SignerCommand, load: () => Promise<Run<FlagValues>>): (argv: unknown) => Promise<void> {
  return lazyHandler(async () => {
    const run = await load();
    return (argv: Record<string, unknown>, io: CliIo) => run(signerFlagValues(argv, command), io);
  });
}
