/**
 * What the long-running signer commands (`rapki serve`, `rapki update`) share: ending by a signal
 * as a program without signal handling ends, and delays written for log lines.
 */

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
