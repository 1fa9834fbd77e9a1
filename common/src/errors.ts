/**
 * The one coded error hierarchy of rapki.
 *
 * Why: every failure that reaches a user (CLI message and exit code, HTTP `{code, message}` body)
 * must carry a stable machine-readable `code` (snake_case) and a message that is safe to show.
 * Internal details travel in `cause`, never in `message`. The codes live in one registry
 * (`common/src/errors/registry.ts`, one file per area under `common/src/errors/codes/`): a code
 * that is not there does not compile. This file imports only its type, so that the
 * credential-process start-up path does not load the registry's data.
 *
 * Caller misuse (a wrong argument type in library code) throws a plain `TypeError` instead.
 */
import type { RapkiErrorCode } from './errors/registry.js';

export type { RapkiErrorCode } from './errors/registry.js';

export class RapkiError extends Error {
  /** Stable snake_case identifier of the failure kind (docs/errors.md). */
  readonly code: RapkiErrorCode;
  /** Optional structured details that are safe to show (never key material or tokens). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: RapkiErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RapkiError';
    this.code = code;
    this.details = options?.details ? Object.freeze({ ...options.details }) : undefined;
  }

  /** The `{code, message}` shape used on the wire and in `--json` output. */
  toJSON(): { code: RapkiErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** True for any RapkiError, also across duplicated module instances (bundled chunks). */
export function isRapkiError(err: unknown): err is RapkiError {
  return (
    err instanceof RapkiError ||
    (typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'RapkiError' && typeof (err as { code?: unknown }).code === 'string')
  );
}
