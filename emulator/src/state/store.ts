/**
 * Holds the emulator state in memory and, when a file is given, persists every change with an
 * atomic write (temp file in the same directory, fsync, rename) so a crash never leaves a
 * half-written state file. The file holds minted secrets, so it is created 0600.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, basename, join } from 'node:path';
import { RapkiError } from '../../../common/src/errors.js';
import { emptyState, type EmulatorState } from './model.js';

export interface StateStore {
  readonly state: EmulatorState;
  /** Persist after a mutation (no-op in memory mode). */
  save(): void;
}

/** Load (or start) the state; `file` undefined means memory only. */
export function openStateStore(file: string | undefined): StateStore {
  let state = emptyState();
  if (file !== undefined) {
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new RapkiError('emulator_state_unreadable', `cannot read emulator state file ${file}`, { cause: err });
      }
    }
    if (text !== undefined && text.trim() !== '') {
      try {
        const parsed = JSON.parse(text) as EmulatorState;
        if (parsed.version !== 1) throw new Error(`unsupported state version ${String(parsed.version)}`);
        state = { ...emptyState(), ...parsed };
      } catch (err) {
        throw new RapkiError('emulator_state_invalid', `emulator state file ${file} is not valid`, { cause: err });
      }
    }
  }
  return {
    state,
    save() {
      if (file !== undefined) writeFileAtomic(file, `${JSON.stringify(state, null, 1)}\n`);
    },
  };
}

/** Write `data` to `file` via temp file + fsync + rename (mode 0600). */
export function writeFileAtomic(file: string, data: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, file);
}
