/** `--exec-after`: a real /bin/sh child; status reported, never thrown; hung hooks killed. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExecAfter } from '../../../cli/src/ca-client/exec-after.js';
import { waitUntil } from '../../support/wait.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rapki-exec-after-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runExecAfter', () => {
  it('runs the command through /bin/sh -c with the given environment', async () => {
    const out = join(dir, 'env.txt');
    const r = await runExecAfter(`echo "$RAPKI_SERIAL|$RAPKI_CERTIFICATE" > '${out}' && test -n "$PATH"`, {
      env: { PATH: process.env.PATH, RAPKI_SERIAL: '0a1b', RAPKI_CERTIFICATE: '/etc/rapki/certificate.pem' },
    });
    expect(r).toMatchObject({ exitCode: 0, signal: null });
    expect(r.error).toBeUndefined();
    expect(await readFile(out, 'utf8')).toBe('0a1b|/etc/rapki/certificate.pem\n');
  });

  it('reports a failing command by its exit status', async () => {
    expect(await runExecAfter('exit 7', { env: {}, outputFd: 'ignore' })).toMatchObject({ exitCode: 7 });
    // sh's "command not found"
    expect(await runExecAfter('/nonexistent/rapki-hook', { env: {}, outputFd: 'ignore' })).toMatchObject({ exitCode: 127 });
  });

  it('kills a hook that runs longer than the timeout, with what it started', async () => {
    const started = Date.now();
    const pidFile = join(dir, 'grandchild.pid');
    const r = await runExecAfter(`sleep 20 & echo $! > '${pidFile}'; wait`, { env: { PATH: process.env.PATH }, timeoutMs: 300, outputFd: 'ignore' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.exitCode).toBeNull();
    expect(r.signal).toBe('SIGTERM');
    expect(r.error).toMatch(/killed after 300 ms/);
    const grandchild = Number(await readFile(pidFile, 'utf8'));
    // Gone too: no such process, or a zombie waiting for a reaper (containers' PID 1 may not reap).
    // The signal is delivered asynchronously: look until it has taken effect, within 5 s.
    const stateOf = () =>
      readFile(`/proc/${grandchild}/status`, 'utf8').then(
        (t) => /^State:\s+(\S)/m.exec(t)?.[1],
        () => 'gone',
      );
    const state = await waitUntil(
      'the grandchild to end',
      async () => {
        const st = await stateOf();
        return ['gone', 'Z', 'X'].includes(st ?? '') ? st : undefined;
      },
      { timeoutMs: 5000, intervalMs: 10 },
    );
    expect(['gone', 'Z', 'X']).toContain(state);
  });
});
