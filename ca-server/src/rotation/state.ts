/**
 * Durable rotation state: one document in the CA's store (`rotation_state`, docs/ha.md), changed
 * only by compare-and-set on its version, so that of two replicas (or two commands) moving the same
 * rotation on, one applies its step and the other is told (`rotation_in_progress`) instead of both
 * applying it. Every transition is also written to the hash-chained audit log (`rotation.*`).
 *
 * Why in the store and not a file beside the keys: every replica must see the same rotation, and
 * the CA keys it makes live in the store too, so the steps that moved files (`finish`) are now one
 * store transaction each (the next CA becomes the CA, the old key goes, the state closes).
 */
import { randomBytes } from 'node:crypto';
import { isRapkiError } from '../../../common/src/errors.js';
import type { CaStore } from '../store/ca-store.js';
import type { CaStateChange, RotationRecord, StateDocument } from '../store/types.js';
import { ROTATION_PHASES, type RotationPhase } from './constants.js';
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
  /** Set once the next CA is made (and stored). */
  readonly next?: GenerationInfo | undefined;
  /** Completed steps, in order (names from `manager.ts`), with per-target steps as `step:targetId`. */
  readonly done: readonly string[];
  /** Finish: the old CA's CRL ARN per sync target, noted before any is deleted (re-runs delete the same ones). */
  readonly oldCrls?: Readonly<Record<string, string>> | undefined;
  /** Set by `finish --force` / `abort --force` so the audit and status show it. */
  readonly forced?: boolean | undefined;
}

export function newRotationId(): string {
  return randomBytes(8).toString('hex');
}

/** Checks a document read from the store (`rotation_state_invalid` when it is not a rotation state). */
export function parseRotationState(doc: StateDocument): RotationState {
  const s = doc as Partial<RotationState>;
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

/**
 * The rotation document of the store, with the version last read or written here. `save` and
 * `close` name that version; a conflict means someone else changed the rotation meanwhile.
 */
export class RotationStateStore {
  readonly #store: CaStore;
  #state: RotationState | undefined;
  #version = 0;

  constructor(store: CaStore) {
    this.#store = store;
  }

  /** The state as last read or written here (no database round trip). */
  get current(): RotationState | undefined {
    return this.#state;
  }

  get version(): number {
    return this.#version;
  }

  /** Adopts a record read with the rest of the CA state (`getCaState`). */
  adopt(rec: RotationRecord | undefined): RotationState | undefined {
    this.#state = rec ? parseRotationState(rec.state) : undefined;
    this.#version = rec?.version ?? 0;
    return this.#state;
  }

  async read(): Promise<RotationState | undefined> {
    return this.adopt((await this.#store.getCaState()).rotation);
  }

  /** Compare-and-set of the document, with whatever else must change in the same transaction. */
  async save(s: RotationState, extra: Omit<CaStateChange, 'rotation'> = {}): Promise<void> {
    const v = await this.#cas({ ...extra, rotation: { expectVersion: this.#version, state: s as unknown as StateDocument } });
    this.#state = s;
    this.#version = v;
  }

  /** The rotation ended: its last state goes to the history, with the rest of the change, atomically. */
  async close(s: RotationState, outcome: 'finished' | 'aborted', at: Date, extra: Omit<CaStateChange, 'rotation'> = {}): Promise<void> {
    await this.#cas({ ...extra, rotation: { expectVersion: this.#version, state: s as unknown as StateDocument, close: { outcome, at } } });
    this.#state = undefined;
    this.#version = 0;
  }

  async #cas(change: CaStateChange): Promise<number> {
    try {
      return (await this.#store.updateCaState(change)).rotationVersion;
    } catch (err) {
      if (isRapkiError(err) && err.code === 'store_state_conflict') {
        // Re-read so that the next command starts from what the other writer left.
        await this.read().catch(() => undefined);
        throw rotationError(
          'rotation_in_progress',
          'The rotation was changed meanwhile (by another replica or command); run the same command again to resume from there.',
          { cause: err },
        );
      }
      throw err;
    }
  }
}

/** Marks a step done (pure). */
export function withDone(s: RotationState, step: string, now: Date): RotationState {
  if (s.done.includes(step)) return s;
  return { ...s, done: [...s.done, step], updatedAt: now.toISOString() };
}

export type { RotationPhase };
