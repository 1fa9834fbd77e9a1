/** examples/aws/setup-with-emulator.sh (= docs/aws.md "Set up Roles Anywhere") runs to the end. */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, assertBuilt } from '../../support/cli.js';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('examples/aws/setup-with-emulator.sh', () => {
  it('registers, gets credentials, and sees them refused right after the revocation', async () => {
    assertBuilt();
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', RA_PORT: String(await freePort()), CA_PORT: String(await freePort()) };
    const child = spawn('bash', ['examples/aws/setup-with-emulator.sh'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const code = await new Promise<number | null>((r) => child.on('close', r));
    clearTimeout(timer);
    expect(code, `stdout:\n${out}\nstderr:\n${err}`).toBe(0);
    expect(out).toMatch(/^trust anchor: arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor\//m);
    expect(out).toMatch(/^credentials until \d{4}-/m);
    expect(out).toMatch(/refused after revocation: rapki: certificate_revoked: .*Certificate revoked/);
    expect(out).toMatch(/^no drift$/m);
  }, 120_000);
});
