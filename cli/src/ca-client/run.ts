/**
 * The one place where a CA command's failure becomes what the user sees: `rapki: <code>: <message>`
 * on stderr and exit status 1 (DESIGN.md: errors mapped once to exit codes and messages).
 */
import { displayText } from '../../../common/src/display-text.js';
import { isRapkiError } from '../../../common/src/errors.js';
import { EXIT } from './constants.js';

/** Output streams and environment of a command, injected so tests can run handlers in-process. */
export interface CommandIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (data: string | Uint8Array) => void;
  readonly stderr: (text: string) => void;
  /** True when stdout is a terminal (binary output is refused there). */
  readonly stdoutIsTty: boolean;
}

export const processIo = (): CommandIo => ({
  env: process.env,
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  stdoutIsTty: process.stdout.isTTY === true,
});

/** Run `fn`; on error print it and return the exit code instead of throwing. */
export async function runCommand(io: CommandIo, fn: () => Promise<void>): Promise<number> {
  try {
    await fn();
    return EXIT.ok;
  } catch (err) {
    io.stderr(`${formatError(err)}\n`);
    if (io.env['RAPKI_DEBUG'] && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    return EXIT.error;
  }
}

/** One line for a human: messages may quote names from the CA or the user, so they are display-escaped. */
export function formatError(err: unknown): string {
  if (isRapkiError(err)) return `rapki: ${err.code}: ${displayText(err.message)}`;
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && typeof e.message === 'string') return `rapki: ${displayText(e.code.toLowerCase())}: ${displayText(e.message)}`;
  return `rapki: internal_error: ${displayText(err instanceof Error ? err.message : String(err))}`;
}
