/**
 * The one coded error hierarchy of rapki.
 *
 * Why: every failure that reaches a user (CLI message and exit code, HTTP `{code, message}` body)
 * must carry a stable machine-readable `code` (snake_case) and a message that is safe to show.
 * Internal details travel in `cause`, never in `message`. Each component keeps a table of its
 * codes (`signer/src/errors.ts`, `ca-server/src/errors.ts`, …) so that codes, docs and tests agree.
 *
 * Caller misuse (a wrong argument type in library code) throws a plain `TypeError` instead.
 */
export class RapkiError extends Error {
  /** Stable snake_case identifier of the failure kind. */
  readonly code: string;
  /** Optional structured details that are safe to show (never key material or tokens). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: string,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RapkiError';
    this.code = code;
    this.details = options?.details ? Object.freeze({ ...options.details }) : undefined;
  }

  /** The `{code, message}` shape used on the wire and in `--json` output. */
  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** True for any RapkiError, also across duplicated module instances (bundled chunks). */
export function isRapkiError(err: unknown): err is RapkiError {
  return (
    err instanceof RapkiError ||
    (typeof err === 'object' &&
      err !== null &&
      (err as { name?: unknown }).name === 'RapkiError' &&
      typeof (err as { code?: unknown }).code === 'string')
  );
}
