/**
 * `rapki emulator` as a real child process on 127.0.0.1:0 with a state file, so tests can stop it
 * (the control plane is "down") and start it again on the same port with the same state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RAPKI_BIN, REPO_ROOT, assertBuilt } from '../../support/cli.js';

export interface EmulatorProcess {
  readonly url: string;
  readonly port: number;
  readonly stateFile: string;
  stop(): Promise<void>;
  /** Start again on the same port and state file. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/** Control-plane credentials the tests use (the emulator accepts any key unless told otherwise). */
export const TEST_AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDRAPKITESTONLY000',
  AWS_SECRET_ACCESS_KEY: 'test-only-secret-access-key',
  AWS_REGION: 'us-east-1',
  // Keep the SDK away from the developer's files and from IMDS.
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
} as const;

function spawnEmulator(listen: string, stateFile: string, extraArgs: readonly string[]): Promise<{ child: ChildProcess; url: string; port: number }> {
  const child = spawn(process.execPath, [RAPKI_BIN, 'emulator', '--listen', listen, '--state', stateFile, '--quiet', ...extraArgs], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rapki emulator did not start; stderr:\n${err}`));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rapki emulator exited with ${code}; stderr:\n${err}`));
    });
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /rapki emulator listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ child, url: m[1]!, port: Number(m[2]) });
    });
  });
}

/** `extraArgs`: more `rapki emulator` flags, e.g. `['--region', 'eu-west-2']`. */
export async function startEmulatorProcess(extraArgs: readonly string[] = []): Promise<EmulatorProcess> {
  assertBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'rapki-emu-'));
  const stateFile = join(dir, 'state.json');
  let cur = await spawnEmulator('127.0.0.1:0', stateFile, extraArgs);
  const port = cur.port;
  let running = true;
  const stop = async (): Promise<void> => {
    if (!running) return;
    running = false;
    const exited = new Promise<void>((r) => cur.child.once('exit', () => r()));
    cur.child.kill('SIGTERM');
    const t = setTimeout(() => cur.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  return {
    url: cur.url,
    port,
    stateFile,
    stop,
    async start() {
      if (running) return;
      cur = await spawnEmulator(`127.0.0.1:${port}`, stateFile, extraArgs);
      running = true;
    },
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
