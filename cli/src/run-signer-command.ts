/**
 * Shared glue of the signer commands (credential-process, sign-string, read-certificate-data):
 * the process I/O they use and the one way failures are reported — `rapki: <code>: <message>` on
 * stderr, exit code 1 (as the official helper: every failure exits 1, signer-spec.md §3.7).
 *
 * Light on purpose: on the credential-process start-up path.
 */
import { readFileSync } from 'node:fs';
import { isRapkiError } from '../../common/src/errors.js';
import type { OptionsIo } from './signer-options.js';

/** What a signer command may touch. Injected so the runners stay testable in-process. */
export interface SignerCommandIo extends OptionsIo {
  writeStdout(data: string | Uint8Array): Promise<void>;
  writeStderr(line: string): void;
}

/** The real process: env, files, stdout, stderr. */
export function processIo(): SignerCommandIo {
  return {
    env: process.env,
    readFileText: (path) => readFileSync(path, 'utf8'),
    warn: (line) => process.stderr.write(`${line}\n`),
    writeStderr: (line) => process.stderr.write(`${line}\n`),
    writeStdout: (data) =>
      new Promise<void>((resolve, reject) => {
        process.stdout.write(data, (err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** One stderr line for a failure; never includes stack traces or causes (they may hold paths of secrets). */
export function formatFailure(err: unknown): string {
  if (isRapkiError(err)) return `rapki: ${err.code}: ${err.message}`;
  const msg = err instanceof Error ? err.message : String(err);
  return `rapki: internal_error: ${msg}`;
}

/** Runs a command body, reporting any failure; resolves to the exit code. */
export async function runReporting(io: SignerCommandIo, body: () => Promise<void>): Promise<number> {
  try {
    await body();
    return 0;
  } catch (err) {
    io.writeStderr(formatFailure(err));
    if (!isRapkiError(err) && process.env.RAPKI_DEBUG_STACK === '1' && err instanceof Error) io.writeStderr(err.stack ?? '');
    return 1;
  }
}

/**
 * Ends the process by `signal`, as a program without signal handling ends (the official helper is
 * one): the exit status a supervisor sees is "killed by SIGTERM", not 0. Call after cleanup, from
 * a `process.once` handler (so the default action applies to the re-raised signal).
 */
export function endBySignal(signal: NodeJS.Signals): void {
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
}

/** A delay for log lines: "1 s", "1.5 s", "30 s". */
export function seconds(ms: number): string {
  const s = ms / 1000;
  return `${s >= 10 || Number.isInteger(s) ? Math.round(s) : s.toFixed(1)} s`;
}
