/**
 * One `rapki ca serve` per CA directory (ca-server/src/store/serve-lock.ts). Two processes on one
 * directory both started before, and then published diverging CRLs. Now the second exits at once
 * with `store_locked`, naming the holder's pid, host and start time; the lock goes away with the
 * holder however it ends (SIGTERM or SIGKILL).
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireServeLock, SERVE_LOCK_FILE } from '../../../ca-server/src/store/serve-lock.js';
import { RAPKI_BIN, TEST_CA_PASSPHRASE, startCaServerProcess, type CaServerProcess } from '../../support/ca-server.js';
import { makeTempDir, removeTempDir } from '../../support/openssl.js';

/** Runs a second `ca serve` on `dir`; resolves with its exit code, stderr and how long it ran. */
function secondServe(dir: string): Promise<{ code: number | null; stderr: string; stdout: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [RAPKI_BIN, 'ca', 'serve', '--dir', dir, '--listen', '127.0.0.1:0'], {
      env: { ...process.env, RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      // It started although it must not: stop it so the test fails on the assertion, not on a hang.
      if (stdout.includes('listening')) child.kill('SIGTERM');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout, ms: performance.now() - t0 });
    });
  });
}

describe('serving lock (in process)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir('rapki-serve-lock-');
  });
  afterAll(async () => {
    await removeTempDir(dir);
  });

  it('a second acquire fails with store_locked naming the holder; after release it succeeds; the file is 0600', () => {
    const since = new Date('2026-03-04T05:06:07.000Z');
    const a = acquireServeLock(dir, { clock: () => since, pid: 4242, host: 'ca-1.example' });
    expect(a.holder).toEqual({ pid: 4242, host: 'ca-1.example', since: since.toISOString() });
    expect(statSync(join(dir, SERVE_LOCK_FILE)).mode & 0o777).toBe(0o600);
    let err: unknown;
    try {
      acquireServeLock(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      code: 'store_locked',
      message: expect.stringContaining('pid 4242 on host ca-1.example since 2026-03-04T05:06:07.000Z'),
      details: { pid: 4242, host: 'ca-1.example', since: '2026-03-04T05:06:07.000Z' },
    });
    a.release();
    a.release(); // idempotent
    const b = acquireServeLock(dir);
    expect(b.holder.pid).toBe(process.pid);
    b.release();
  });
});

describe('two `rapki ca serve` on one CA directory (real processes)', () => {
  let first: CaServerProcess;

  beforeAll(async () => {
    first = await startCaServerProcess();
  }, 60_000);
  afterAll(async () => {
    await first?.dispose();
  });

  it('the second exits at once with store_locked naming pid, host and since; after the first stops (even by SIGKILL) one can start', async () => {
    const second = await secondServe(first.dir);
    expect(second.stdout).not.toContain('listening');
    expect(second.code).toBe(1);
    expect(second.ms).toBeLessThan(15_000);
    const m =
      /^rapki: store_locked: The CA directory (.+) is served by pid (\d+) on host (\S+) since (\S+) \(rapki ca serve\); stop that process first: .+$/m.exec(
        second.stderr,
      );
    expect(m, second.stderr).not.toBeNull();
    expect(Number(m![2])).toBe(first.child.pid);
    expect(m![3]).toBe(hostname());
    expect(Date.now() - Date.parse(m![4]!)).toBeLessThan(5 * 60_000);
    // The first is unaffected.
    expect(first.child.exitCode).toBeNull();

    // A crash leaves no stale lock: the kernel drops it with the process.
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const after = await first.restart();
    first = after;
    expect(first.child.exitCode).toBeNull();
    const third = await secondServe(first.dir);
    expect([third.code, /store_locked/.test(third.stderr)]).toEqual([1, true]);
    expect(third.stderr).toContain(`pid ${first.child.pid} `);
  }, 120_000);
});
