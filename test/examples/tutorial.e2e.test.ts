/**
 * The README tutorial (section "Tutorial" of README.md) runs as written: its ```sh blocks, joined in
 * order, run in one bash against the real CLI, emulator and CA server, and every `# → …` line it
 * shows as expected output appears in what they print.
 *
 * Two changes to the text, both checked to apply: the `npm run build` line is dropped (`npm test`
 * builds first, and rebuilding dist/ while other test files run from it would race), and the fixed
 * ports the reader uses (127.0.0.1:8088 for the emulator, :8443 for the CA) become free ephemeral
 * ports, so the test never collides with anything else on the machine. HOME, TMPDIR and
 * XDG_RUNTIME_DIR point into a scratch directory, so the run proves the tutorial leaves ~/.aws
 * alone and cleans up after itself.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, assertBuilt } from '../support/cli.js';
import { expectedLines, freePort, killLeftovers, runBash, shellBlocks, substitute } from '../support/doc-blocks.js';
import { readmeSection } from '../support/readme.js';

const EMULATOR_ADDR = '127.0.0.1:8088';
const CA_ADDR = '127.0.0.1:8443';

/** True when something accepts TCP connections on 127.0.0.1:port. */
async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'rapki-tutorial-test-'));

afterAll(() => {
  // The script kills its servers itself; if it failed half-way, end what is left of its process group.
  killLeftovers();
  rmSync(scratch, { recursive: true, force: true });
});

describe('README.md tutorial', () => {
  const markdown = readmeSection('Tutorial');
  const blocks = shellBlocks(markdown);

  it('has every step of the tutorial, each as a shell block', () => {
    const all = blocks.join('');
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    for (const cmd of [
      'rapki emulator',
      'rapki ca init',
      'rapki ca serve',
      'rapki aws register --endpoint',
      'rapki token create',
      'rapki enroll',
      'GetCallerIdentityCommand',
      'rapki cert revoke',
      'AWS_CONFIG_FILE=',
    ]) {
      expect(all, cmd).toContain(cmd);
    }
    expect(expectedLines(blocks).length).toBeGreaterThanOrEqual(10);
  });

  it('runs as written in a fresh bash and prints what it says it prints', async () => {
    assertBuilt();
    const [emulatorPort, caPort] = [await freePort(), await freePort()];
    const text = substitute(markdown, [
      [EMULATOR_ADDR, `127.0.0.1:${emulatorPort}`],
      [CA_ADDR, `127.0.0.1:${caPort}`],
    ]);
    const runBlocks = shellBlocks(text);
    const script = substitute(runBlocks.join(''), [['npm run build\n', '']]);
    const run = await runBash(script, { cwd: REPO_ROOT, scratch, timeoutMs: 85_000 });
    const output = `${run.stdout}\n${run.stderr}`;

    expect(run.code, output).toBe(0);
    for (const re of expectedLines(runBlocks)) expect(output, `expected output line ${re}`).toMatch(re);
    // The credentials came from the certificate (session name = its hex serial), not from the dummy key.
    const serial = /^revoked ([0-9a-f]+) at /m.exec(run.stdout)?.[1];
    expect(serial, output).toBeDefined();
    expect(run.stdout).toContain(`assumed-role/tutorial/${serial}\n`);
    expect(run.stderr).toMatch(/certificate_revoked/);
    // Cleaned up: servers gone, temporary directory removed, ~/.aws untouched.
    expect(await listening(emulatorPort)).toBe(false);
    expect(await listening(caPort)).toBe(false);
    expect(readdirSync(join(scratch, 'tmp'))).toEqual([]);
    expect(existsSync(join(scratch, 'home', '.aws'))).toBe(false);
    expect(run.seconds).toBeLessThan(60);
  }, 90_000);

  it('stops with the server error, not a hang, when a port is taken', async () => {
    assertBuilt();
    // Steps 1-3 with the CA's port held by another listener: wait_for_line must end the run with
    // the CA's listen_in_use error instead of waiting forever (it used to be `until grep …`).
    const [emulatorPort, held] = [await freePort(), await freePort()];
    const blocker = (await import('node:net')).createServer();
    await new Promise<void>((r) => blocker.listen(held, '127.0.0.1', () => r()));
    try {
      const text = substitute(markdown, [
        [EMULATOR_ADDR, `127.0.0.1:${emulatorPort}`],
        [CA_ADDR, `127.0.0.1:${held}`],
      ]);
      const steps = shellBlocks(text).slice(0, 4).join('');
      expect(steps).toContain('rapki ca serve');
      const run = await runBash(substitute(steps, [['npm run build\n', '']]), { cwd: REPO_ROOT, scratch: join(scratch, 'taken'), timeoutMs: 60_000 });
      expect(run.code, run.stderr).not.toBe(0);
      expect(run.stderr).toMatch(/ended before printing 'listening on'/);
      expect(run.stderr).toContain(`rapki: listen_in_use: 127.0.0.1:${held} is already in use`);
      expect(run.stderr).toContain('--listen HOST:PORT');
      expect(run.seconds).toBeLessThan(40);
    } finally {
      await new Promise((r) => blocker.close(r));
      killLeftovers();
    }
  }, 70_000);
});
