/**
 * The README tutorial (section "Tutorial" of README.md) runs as written: its ```sh blocks, joined in
 * order, run in one bash against the real CLI, emulator and CA server, and every `# → …` line it
 * shows as expected output appears in what they print.
 *
 * Two changes to the text, both checked to apply: the `npm run build` line is dropped (`npm test`
 * builds first, and rebuilding dist/ while other test files run from it would race), and the fixed
 * ports the reader uses (127.0.0.1:8088 for the emulator, :8443 for the CA) become free ephemeral
 * ports. HOME, TMPDIR and XDG_RUNTIME_DIR point into a scratch directory, so the run proves the
 * tutorial leaves ~/.aws alone and cleans up after itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, assertBuilt } from '../support/cli.js';
import { readmeSection } from '../support/readme.js';

const EMULATOR_ADDR = '127.0.0.1:8088';
const CA_ADDR = '127.0.0.1:8443';

/** The bodies of the ```sh fenced blocks, in order. */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/** `# → …` lines of the blocks as regular expressions: `…` = anything, `<word …>` = one token. */
function expectedLines(blocks: readonly string[]): RegExp[] {
  const out: RegExp[] = [];
  for (const line of blocks.join('').split('\n')) {
    const m = /^# → (.*)$/.exec(line);
    if (!m) continue;
    const parts = m[1]!.split(/(…|<[^>]+>)/);
    const src = parts
      .map((p) => (p === '…' ? '.*' : /^<[^>]+>$/.test(p) ? '\\S+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('');
    out.push(new RegExp(`^${src}$`, 'm'));
  }
  return out;
}

/** A port nobody listens on right now (the kernel's pick, released again). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

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
let child: ChildProcess | undefined;

afterAll(() => {
  // The script kills its servers itself; if it failed half-way, end its whole process group.
  if (child?.pid !== undefined) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  rmSync(scratch, { recursive: true, force: true });
});

describe('README.md tutorial', () => {
  const markdown = readmeSection('Tutorial');
  const blocks = shellBlocks(markdown);

  it('has the steps the issue asks for, each as a shell block', () => {
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
    let text = markdown;
    for (const [from, port] of [
      [EMULATOR_ADDR, emulatorPort],
      [CA_ADDR, caPort],
    ] as const) {
      expect(text, `the tutorial uses ${from}`).toContain(from);
      text = text.split(from).join(`127.0.0.1:${port}`);
    }
    const runBlocks = shellBlocks(text);
    const script = runBlocks.join('');
    expect(script).toMatch(/^npm run build\n/m);
    const home = join(scratch, 'home');
    const tmp = join(scratch, 'tmp');
    const runtime = join(scratch, 'run');
    for (const d of [home, tmp, runtime]) mkdirSync(d, { mode: 0o700 });

    child = spawn('bash', ['--norc', '--noprofile', '-c', `set -euo pipefail\n${script.replace(/^npm run build\n/m, '')}`], {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, TMPDIR: tmp, XDG_RUNTIME_DIR: runtime, LANG: 'C' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => child!.once('close', resolve));
    const seconds = (Date.now() - started) / 1000;
    const output = `${stdout}\n${stderr}`;

    expect(code, output).toBe(0);
    for (const re of expectedLines(runBlocks)) expect(output, `expected output line ${re}`).toMatch(re);
    // The credentials came from the certificate (session name = its hex serial), not from the dummy key.
    const serial = /^revoked ([0-9a-f]+) at /m.exec(stdout)?.[1];
    expect(serial, output).toBeDefined();
    expect(stdout).toContain(`assumed-role/tutorial/${serial}\n`);
    expect(stderr).toMatch(/certificate_revoked/);
    // Cleaned up: servers gone, temporary directory removed, ~/.aws untouched.
    expect(await listening(emulatorPort)).toBe(false);
    expect(await listening(caPort)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
    expect(existsSync(join(home, '.aws'))).toBe(false);
    expect(seconds).toBeLessThan(60);
  }, 90_000);
});
