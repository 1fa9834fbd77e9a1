/**
 * The argv parser of the signer commands (credential-process, serve, update, sign-string,
 * read-certificate-data), reading the ONE flag table (credential-flags.ts).
 *
 * It follows the official helper's parser (Go pflag under cobra), so that a command line that
 * works there works here:
 * - `--flag value` takes the next argument as the value even when it starts with `-`
 *   (`--pkcs8-password -x`); `--flag=value` too, and `--flag=` gives an empty value;
 * - booleans are `--flag`, or `--flag=<v>` with Go's strconv.ParseBool spellings
 *   (1 t T TRUE true True / 0 f F FALSE false False);
 * - a later occurrence of a flag replaces an earlier one; `--` ends the flags;
 * - positional arguments are accepted (cobra ignores them for these commands); the caller warns,
 *   naming them.
 * One deliberate difference: when the argument after a string flag is itself a flag of the
 * command (`--role-arn --profile-arn …`, what an empty unquoted shell variable produces), the
 * flag is reported as given no value instead of swallowing the next flag.
 *
 * Light on purpose: on the credential-process start-up path (no node:util, no yargs).
 */
import { flagError, flagsOf, type FlagValues, type SignerCommand } from './credential-flags.js';

export interface ParsedSignerArgs {
  readonly values: FlagValues;
  /** Arguments that are not flags or flag values, in order. */
  readonly positionals: readonly string[];
  /** `-h` or `--help` was given (in a flag position). */
  readonly help: boolean;
}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Names and types of a command's flags, built once per command. */
const tables = new Map<SignerCommand, Map<string, 'string' | 'boolean'>>();
function tableOf(command: SignerCommand): Map<string, 'string' | 'boolean'> {
  let t = tables.get(command);
  if (!t) {
    t = new Map(flagsOf(command).map((f) => [f.name, f.type]));
    tables.set(command, t);
  }
  return t;
}

/** True when `arg` is spelled as one of the command's flags (or help). */
function isOwnFlag(arg: string, table: Map<string, 'string' | 'boolean'>): boolean {
  if (arg === '-h' || arg === '--help') return true;
  if (!arg.startsWith('--')) return false;
  const eq = arg.indexOf('=');
  return table.has(eq < 0 ? arg.slice(2) : arg.slice(2, eq));
}

/**
 * Parses `args` (after the command name). Throws `flag_unknown`, `flag_value_invalid` or
 * `flag_missing` (a string flag without a value).
 */
export function parseSignerArgs(args: readonly string[], command: SignerCommand): ParsedSignerArgs {
  const table = tableOf(command);
  const values: Record<string, string | boolean> = Object.create(null) as Record<string, string | boolean>;
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (a === '-h' || a === '--help') {
      help = true;
      continue;
    }
    if (a.length < 2 || a.charCodeAt(0) !== 45 /* - */) {
      positionals.push(a);
      continue;
    }
    if (a.charCodeAt(1) !== 45) {
      throw flagError('flag_unknown', `unknown shorthand flag ${a} for ${command} (flags are spelled --name)`);
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const type = table.get(name);
    if (type === undefined) throw flagError('flag_unknown', `unknown flag --${name} for ${command}`);
    if (type === 'boolean') {
      if (eq < 0) {
        values[name] = true;
        continue;
      }
      const v = a.slice(eq + 1);
      if (GO_TRUE.has(v)) values[name] = true;
      else if (GO_FALSE.has(v)) delete values[name];
      else throw flagError('flag_value_invalid', `--${name} is a switch: give it alone, or as --${name}=true / --${name}=false (got '${v.slice(0, 20)}')`);
      continue;
    }
    if (eq >= 0) {
      values[name] = a.slice(eq + 1);
      continue;
    }
    const next = args[i + 1];
    if (next === undefined) throw flagError('flag_missing', `--${name} needs a value`);
    if (isOwnFlag(next, table)) {
      throw flagError(
        'flag_missing',
        `--${name} was given no value: the next argument, ${next.split('=')[0]}, is a flag (an empty shell variable?); ` +
          `a value starting with -- goes as --${name}=VALUE`,
      );
    }
    values[name] = next;
    i++;
  }
  return { values, positionals, help };
}

/** The warning for positional arguments: the official helper ignores them silently; rapki names them. */
export function positionalsWarning(command: SignerCommand, positionals: readonly string[]): string | undefined {
  if (positionals.length === 0) return undefined;
  const shown = positionals.slice(0, 5).map((p) => JSON.stringify(p.length > 80 ? `${p.slice(0, 80)}…` : p));
  const more = positionals.length > 5 ? ` and ${positionals.length - 5} more` : '';
  return (
    `rapki: warning: ${command} ignores the extra argument${positionals.length === 1 ? '' : 's'} ${shown.join(' ')}${more} ` +
    '(not a flag or a flag value; a flag name missing its --?)'
  );
}
