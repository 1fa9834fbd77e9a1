/**
 * Where the CA server and the emulator listen, and what they say when they cannot: a taken port
 * ends the process with a coded error that names the address and the flag or variable that
 * chooses another (README "Tutorial" waits on these processes). `npm start` listens on
 * RAPKI_CA_LISTEN and, on its first start, shows the admin token framed on a line of its own.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CA_PASSPHRASE } from '../../support/ca-server.js';
import { REPO_ROOT, runCli } from '../../support/cli.js';

let busy: Server;
let busyPort: number;
const tmp = mkdtempSync(join(tmpdir(), 'rapki-listen-'));
const caDir = join(tmp, 'ca');

beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  busyPort = (busy.address() as { port: number }).port;
  const init = await runCli(['ca', 'init', '--dir', caDir, '--json'], { env: { RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE } });
  expect(init.code, init.stderr).toBe(0);
}, 60_000);
afterAll(async () => {
  await new Promise((r) => busy.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

describe('a taken port', () => {
  it('ca serve --listen: listen_in_use naming the address and --listen, exit 1', async () => {
    const r = await runCli(['ca', 'serve', '--dir', caDir, '--listen', `127.0.0.1:${busyPort}`], {
      env: { RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE },
      timeoutMs: 30_000,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `rapki: listen_in_use: 127.0.0.1:${busyPort} is already in use (another rapki, or another program, listens there); choose another address with --listen HOST:PORT\n`,
    );
    expect(r.stderr).not.toMatch(/EADDRINUSE/);
  }, 40_000);

  it('ca serve with RAPKI_CA_LISTEN: names the variable', async () => {
    const r = await runCli(['ca', 'serve', '--dir', caDir], {
      env: { RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE, RAPKI_CA_LISTEN: `127.0.0.1:${busyPort}` },
      timeoutMs: 30_000,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `rapki: listen_in_use: 127\\.0\\.0\\.1:${busyPort} is already in use .* with RAPKI_CA_LISTEN=HOST:PORT \\(set in this environment\\) or --listen HOST:PORT\n`,
      ),
    );
  }, 40_000);

  it('emulator --listen: names the address and --listen', async () => {
    const r = await runCli(['emulator', '--listen', `127.0.0.1:${busyPort}`], { timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `rapki: listen_in_use: 127.0.0.1:${busyPort} is already in use (another rapki, or another program, listens there); choose another address with --listen HOST:PORT (port 0: any free port)\n`,
    );
  }, 40_000);
});

describe('npm start', () => {
  it('listens on RAPKI_CA_LISTEN and, on its first start, frames the admin token on a line of its own', async () => {
    const script = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    // The build step is left out: npm test builds first, and rebuilding dist/ under running tests would race.
    const prefix = 'npm run build --silent && ';
    expect(script.startsWith(prefix), script).toBe(true);
    const dir = join(tmp, 'npm-start-ca');
    const child = spawn('sh', ['-c', `exec ${script.slice(prefix.length)}`], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: tmp, RAPKI_CA_DIR: dir, RAPKI_CA_LISTEN: '127.0.0.1:0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const listening = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start did not listen; stderr:\n${err}`)), 45_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`npm start exited with ${code}; stderr:\n${err}`));
      });
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /^rapki ca listening on (\S+) /m.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    expect(listening).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(listening).not.toBe('https://127.0.0.1:8443');
    const frame =
      /\n(={78})\nAdmin token of this CA, shown only now[^\n]*\n\n(rapki_at_[A-Za-z0-9_-]{43})\n\n[^\n]*RAPKI_ADMIN_TOKEN[^\n]*\nLost it\? On this host: rapki admin-token create --dir (\S+) --name NAME --role admin\n\1\n/.exec(
        err,
      );
    expect(frame, err).not.toBeNull();
    expect(frame![3]).toBe(dir);
    // What the frame (and the README) says to do when the token is lost works on this development
    // CA as written: its generated passphrase file stands in for RAPKI_CA_PASSPHRASE.
    const again = await runCli(['admin-token', 'create', '--dir', dir, '--name', 'me', '--role', 'admin'], { env: {} });
    expect(again.code, again.stderr).toBe(0);
    expect(again.out).toMatch(/^rapki_at_[A-Za-z0-9_-]{43}\n$/);
    expect(again.out.trim()).not.toBe(frame![2]);
  }, 60_000);
});
