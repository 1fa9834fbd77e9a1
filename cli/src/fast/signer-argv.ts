/**
 * Runs a signer command (serve, update, sign-string, read-certificate-data) from its argv with the
 * table parser (cli/src/parse-signer-args.ts) instead of yargs, so every signer command reads a
 * command line exactly as `credential-process` and the official helper do (`--flag -value`, stray
 * arguments warned about, Go boolean spellings). yargs only prints their `--help`.
 */
import type { SignerCommand } from '../credential-flags.js';
import { parseSignerArgs, positionalsWarning } from '../parse-signer-args.js';
import { processIo } from '../io.js';
import { runCommand } from '../run-command.js';

/** Exit code of the command, or `help` when `-h`/`--help` was given (the caller shows yargs help). */
export async function runSignerArgv(command: Exclude<SignerCommand, 'credential-process'>, args: readonly string[]): Promise<number | 'help'> {
  if (args.includes('--help') || args.includes('-h')) return 'help';
  const io = processIo();
  let parsed;
  try {
    parsed = parseSignerArgs(args, command);
  } catch (err) {
    return runCommand(io, () => Promise.reject(err));
  }
  const w = positionalsWarning(command, parsed.positionals);
  if (w) io.warn(w);
  switch (command) {
    case 'serve':
      return (await import('../handlers/serve.js')).runServe(parsed.values, io);
    case 'update':
      return (await import('../handlers/update.js')).runUpdate(parsed.values, io);
    case 'sign-string':
      return (await import('../handlers/sign-string.js')).runSignString(parsed.values, io);
    case 'read-certificate-data':
      return (await import('../handlers/read-certificate-data.js')).runReadCertificateData(parsed.values, io);
  }
}
