/**
 * `rapki agent --exec-after CMD`: after each renewal, run CMD through `/bin/sh -c` (so users can
 * write `systemctl reload nginx` or a pipeline) with the new files named in the environment. A hook
 * that fails or hangs must not stop renewals: its exit status is reported, not thrown, and it is
 * killed after {@link EXEC_AFTER_TIMEOUT_MS}. Its output goes to the agent's stderr (the journal).
 */
import { spawn } from 'node:child_process';

/** Longest a hook may run before it is sent SIGTERM (then SIGKILL 5 s later). */
export const EXEC_AFTER_TIMEOUT_MS = 5 * 60_000;
const KILL_GRACE_MS = 5_000;
export const EXEC_AFTER_SHELL = '/bin/sh';

/** Variables the hook gets, on top of the agent's own environment. */
export const EXEC_AFTER_ENV = {
  certificate: 'RAPKI_CERTIFICATE',
  privateKey: 'RAPKI_PRIVATE_KEY',
  intermediates: 'RAPKI_INTERMEDIATES',
  serial: 'RAPKI_SERIAL',
  previousSerial: 'RAPKI_PREVIOUS_SERIAL',
  notAfter: 'RAPKI_NOT_AFTER',
} as const;

export interface ExecAfterResult {
  /** Exit status, or null when killed by a signal or not started. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly durationMs: number;
  /** Why it could not run at all (spawn error) or was killed (timeout). */
  readonly error?: string | undefined;
}

export interface ExecAfterOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs?: number | undefined;
  /** Where the hook's stdout and stderr go: a file descriptor (default 2, our stderr). */
  readonly outputFd?: number | 'ignore' | undefined;
}

export function runExecAfter(command: string, o: ExecAfterOptions): Promise<ExecAfterResult> {
  const started = Date.now();
  const out = o.outputFd ?? 2;
  return new Promise((resolve) => {
    let settled = false;
    let timedOut = false;
    const finish = (r: Omit<ExecAfterResult, 'durationMs'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      resolve({ ...r, durationMs: Date.now() - started });
    };
    let killTimer: NodeJS.Timeout | undefined;
    // Own process group, so a timeout stops the whole pipeline the shell started, not just the shell.
    const child = spawn(EXEC_AFTER_SHELL, ['-c', command], { env: o.env, stdio: ['ignore', out, out], detached: true });
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        child.kill(sig);
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    }, o.timeoutMs ?? EXEC_AFTER_TIMEOUT_MS);
    child.once('error', (err) => finish({ exitCode: null, signal: null, error: err.message }));
    child.once('exit', (code, signal) =>
      finish({ exitCode: code, signal, error: timedOut ? `killed after ${o.timeoutMs ?? EXEC_AFTER_TIMEOUT_MS} ms` : undefined }),
    );
  });
}
