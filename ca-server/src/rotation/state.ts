/**
 * Durable rotation state: one JSON file in the CA directory (`rotation/state.json`), replaced
 * atomically (temp file + fsync + rename, 0600) before and after every external effect.
 *
 * Why a file beside the keys and not a table in the SQLite store: a rotation moves key and
 * certificate FILES (and `ca.json`) at `finish`; the state that says how far that got must be
 * readable before the store is opened (`recoverRotationFiles` runs first thing in `openCa`), and
 * must survive a crash between two renames. Every transition is also written to the hash-chained
 * audit log of the store (`rotation.*` actions), so the history is in one place.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ROTATION_DIR, ROTATION_HISTORY_DIR, ROTATION_PHASES, ROTATION_STATE_FILE, type RotationPhase } from './constants.js';
import { rotationError } from './errors.js';

/** What the next CA is, once made (`generation.ts`). */
export interface GenerationInfo {
  /** Id (SHA-256 hex of the DER) of the issuing certificate. */
  readonly issuerId: string;
  /** SHA-256 hex of the root DER. */
  readonly rootFingerprint: string;
  /** True when the rotation makes a new root (root-only CAs); false for a new intermediate under the same root. */
  readonly newRoot: boolean;
  readonly keyType: string;
}

export interface RotationState {
  readonly version: 1;
  /** Random id of this rotation (audit records carry it). */
  readonly id: string;
  readonly phase: RotationPhase;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly emergency: boolean;
  readonly keyType: string;
  /** The CA being replaced. */
  readonly old: { readonly issuerId: string; readonly rootFingerprint: string };
  /** Set once the next CA is made. */
  readonly next?: GenerationInfo | undefined;
  /** Completed steps, in order (names from `manager.ts`), with per-target steps as `step:targetId`. */
  readonly done: readonly string[];
  /** Finish only: the remote steps are done and the files are being swapped (resumed at open). */
  readonly filesPending?: boolean | undefined;
  /** Finish: the old CA's CRL ARN per sync target, noted before any is deleted (re-runs delete the same ones). */
  readonly oldCrls?: Readonly<Record<string, string>> | undefined;
  /** Set by `finish --force` / `abort --force` so the audit and status show it. */
  readonly forced?: boolean | undefined;
}

export function rotationDir(caDir: string): string {
  return join(caDir, ROTATION_DIR);
}

export function newRotationId(): string {
  return randomBytes(8).toString('hex');
}

/** Writes `text` to `path` atomically and durably (0600). */
export function writeDurable(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export class RotationStateFile {
  readonly path: string;
  readonly #dir: string;

  constructor(caDir: string) {
    this.#dir = rotationDir(caDir);
    this.path = join(this.#dir, ROTATION_STATE_FILE);
  }

  read(): RotationState | undefined {
    if (!existsSync(this.path)) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (cause) {
      throw rotationError('rotation_state_invalid', undefined, { cause });
    }
    const s = parsed as Partial<RotationState>;
    if (
      s.version !== 1 ||
      typeof s.id !== 'string' ||
      !(ROTATION_PHASES as readonly string[]).includes(String(s.phase)) ||
      !Array.isArray(s.done) ||
      typeof s.old?.issuerId !== 'string'
    ) {
      throw rotationError('rotation_state_invalid');
    }
    return s as RotationState;
  }

  write(s: RotationState): void {
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    writeDurable(this.path, `${JSON.stringify(s, null, 2)}\n`);
  }

  /** The rotation ended: keep its last state under `history/` and remove the live file. */
  close(s: RotationState, outcome: 'finished' | 'aborted'): void {
    const hist = join(this.#dir, ROTATION_HISTORY_DIR);
    mkdirSync(hist, { recursive: true, mode: 0o700 });
    writeDurable(join(hist, `${s.id}.json`), `${JSON.stringify({ ...s, outcome }, null, 2)}\n`);
    rmSync(this.path, { force: true });
  }
}

/** Marks a step done (pure). */
export function withDone(s: RotationState, step: string, now: Date): RotationState {
  if (s.done.includes(step)) return s;
  return { ...s, done: [...s.done, step], updatedAt: now.toISOString() };
}
