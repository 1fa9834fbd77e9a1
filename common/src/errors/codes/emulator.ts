/**
 * Codes of `rapki emulator`'s own start-up (docs/emulator.md). What the emulator answers on the
 * wire is AWS's error format, not these (emulator/src/http/).
 */
import type { ErrorTable } from '../spec.js';

export const EMULATOR_CODES = {
  emulator_state_unreadable: { message: 'the emulator state file cannot be read' },
  emulator_state_invalid: { message: 'the emulator state file is not a state the emulator wrote' },
  secret_missing: { message: 'a key id was given without its secret (RAPKI_EMULATOR_SECRET_ACCESS_KEY)', aliases: ['missing_secret'] },
} as const satisfies ErrorTable;
