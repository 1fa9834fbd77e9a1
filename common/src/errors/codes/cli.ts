/**
 * Codes of the command line itself: flags and commands (the lean signer parser and yargs give the
 * same codes), secrets read from files, and server commands that cannot listen. The flag codes
 * were `unknown_flag`, `missing_flag`, `invalid_flag_value` (also `usage`, `aws_usage`) and
 * `unsupported_flag` before the family was named `<noun>_<problem>` with the new command codes.
 */
import type { ErrorTable } from '../spec.js';

const FLAG_HINT = 'run the command with --help to see its flags';

export const CLI_CODES = {
  flag_unknown: { message: 'a flag the command does not have', hint: FLAG_HINT, aliases: ['unknown_flag'] },
  flag_missing: { message: 'a required flag is missing or empty', hint: FLAG_HINT, aliases: ['missing_flag'] },
  flag_value_invalid: {
    message: 'a flag value has the wrong form, or flags that do not go together',
    hint: FLAG_HINT,
    aliases: ['invalid_flag_value', 'usage', 'aws_usage'],
  },
  flag_unsupported: { message: 'a flag of the official helper for a feature rapki does not have (yet)', aliases: ['unsupported_flag'] },
  command_missing: { message: 'name a command', hint: '`rapki --help` lists the commands' },
  command_unknown: { message: 'no such command', hint: '`rapki --help` lists the commands' },
  password_file_unreadable: { message: 'the --pkcs8-password-file or --tpm-key-password-file cannot be read' },
  ca_bundle_unreadable: { message: 'the AWS_CA_BUNDLE file cannot be read' },
  // A server command (`rapki ca serve`, `rapki emulator`) that cannot listen; the message names the
  // address and what chooses another one (cli/src/listen-error.ts).
  listen_in_use: { message: 'the address is already in use' },
  listen_denied: { message: 'not allowed to listen on that port' },
  listen_unavailable: { message: 'no network interface of this machine has that address' },
} as const satisfies ErrorTable;
