/**
 * yargs' own refusals (an unknown flag, a missing required flag, a value outside its choices, no
 * subcommand) as coded errors, so that they read like every other failure (`rapki: flag_unknown:
 * Unknown argument: x`) and carry the same codes as the lean signer parser gives
 * (cli/src/parse-signer-args.ts).
 */
import type { RapkiError } from '../../common/src/errors.js';
import { rapkiError } from '../../common/src/errors/registry.js';

/** True when `name` (as yargs names it, without dashes) was given as a flag in `argv`. */
function givenAsFlag(name: string, argv: readonly string[]): boolean {
  const dashed = name.length === 1 ? `-${name}` : `--${name}`;
  return argv.some((a) => a === dashed || a.startsWith(`${dashed}=`) || (name.length === 1 && /^-[A-Za-z]+$/.test(a) && a.includes(name)));
}

/** The words before the first flag: the command path as typed (`ca`, `rotate`, `strat`). */
function leadingWords(argv: readonly string[]): string[] {
  const i = argv.findIndex((a) => a.startsWith('-'));
  return [...(i < 0 ? argv : argv.slice(0, i))];
}

/** The coded error of a yargs failure message; `argv` is the command line yargs parsed. */
export function yargsFailure(msg: string, argv: readonly string[]): RapkiError {
  const unknown = /^Unknown arguments?: (.*)$/s.exec(msg);
  if (unknown) {
    const names = unknown[1]!.split(', ');
    // A bare word yargs does not know is a command (or subcommand) it does not have.
    return rapkiError(names.some((n) => givenAsFlag(n, argv)) ? 'flag_unknown' : 'command_unknown', msg);
  }
  if (/^Did you mean /.test(msg)) {
    // recommendCommands says only what it would have liked: name what was typed too.
    const typed = leadingWords(argv).at(-1);
    return rapkiError('command_unknown', typed === undefined ? msg : `no command ${JSON.stringify(typed)}. ${msg}`);
  }
  if (/^Unknown command/.test(msg) || /^Too many non-option arguments/.test(msg)) return rapkiError('command_unknown', msg);
  if (/^Not enough non-option arguments/.test(msg) || /^Name a command/.test(msg)) return rapkiError('command_missing', msg);
  if (/^Missing required arguments?:/.test(msg)) return rapkiError('flag_missing', msg);
  return rapkiError('flag_value_invalid', msg);
}
