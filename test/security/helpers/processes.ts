/**
 * Long-running rapki processes for the security tests (`rapki ca serve`, `rapki emulator`) whose
 * stdout AND stderr are captured in full, so a test can grep everything they ever wrote. The
 * one-shot commands go through `test/support/cli.ts` (`runCli`), which captures both streams too.
 *
 * Why not `test/support/ca-server.ts` for the server: it keeps stdout private; the no-secrets test
 * must see every byte, and runs the server at debug level.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { RAPKI_BIN, REPO_ROOT, assertBuilt } from '../../support/cli.js';

export interface CapturedProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `re` on stdout, or rejects after `timeoutMs` / on exit. */
  waitForStdout(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `rapki ...args` with exactly `env` (plus PATH/HOME/TMPDIR) and captures both streams.
 * `umask` (octal string, e.g. "000") runs it under that umask through `sh`, to show that file modes
 * are set by rapki and not inherited from a friendly umask.
 */
export function spawnRapki(args: readonly string[], env: Record<string, string>, opts: { umask?: string } = {}): CapturedProcess {
  assertBuilt();
  const base: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR']) if (process.env[k] !== undefined) base[k] = process.env[k]!;
  const [cmd, argv] = opts.umask
    ? ['sh', ['-c', `umask ${opts.umask} && exec "$0" "$@"`, process.execPath, RAPKI_BIN, ...args]]
    : [process.execPath, [RAPKI_BIN, ...args]];
  const child = spawn(cmd, argv, { cwd: REPO_ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForStdout(re, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const m = re.exec(out);
          if (!m) return false;
          cleanup();
          resolve(m);
          return true;
        };
        const onData = (): void => void check();
        const onExit = (code: number | null): void => {
          cleanup();
          reject(new Error(`rapki ${args.join(' ')} exited with ${code} before printing ${re}; stderr:\n${err}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`rapki ${args.join(' ')} did not print ${re} within ${timeoutMs} ms; stderr:\n${err}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          child.off('exit', onExit);
        };
        child.stdout!.on('data', onData);
        child.once('exit', onExit);
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** Matches the CA server's start line: url, port, root fingerprint. */
export const CA_LISTENING_RE = /^rapki ca listening on (https:\/\/\S+?:(\d+)) fingerprint=([0-9a-f]{64})$/m;
/** Matches the emulator's start line. */
export const EMULATOR_LISTENING_RE = /rapki emulator listening on (http:\/\/127\.0\.0\.1:(\d+))/;

/** Runs `rapki ...args` to completion (see {@link spawnRapki}); kills it after `timeoutMs`. */
export async function runRapkiCaptured(
  args: readonly string[],
  env: Record<string, string>,
  opts: { umask?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawnRapki(args, env, opts);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((res) => {
    if (p.child.exitCode !== null) res(p.child.exitCode);
    else p.child.once('close', (c) => res(c));
  });
  clearTimeout(timer);
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}
