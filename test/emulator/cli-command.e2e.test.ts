/**
 * `rapki emulator` as a real child process of the built CLI: first stdout line names the URL,
 * --state survives a restart (atomic 0600 file), --iam-credentials restricts the control plane,
 * bad flags exit 1 with a message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTrustAnchorCommand, ListTrustAnchorsCommand, RolesAnywhereClient } from '@aws-sdk/client-rolesanywhere';
import { assertBuilt, RAPKI_BIN, runCli } from '../support/cli.js';
import { makeRootCa, type TestCa } from '../support/emulator-pki.js';
import { TEST_CREDENTIALS } from './helpers/rest-json-signer.js';

let dir: string;
let root: TestCa;
const children: ChildProcess[] = [];

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'rapki-emu-cli-'));
  root = makeRootCa(join(dir, 'root'), 'CLI Root');
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `rapki emulator ...` and resolves with its URL (first stdout line). */
function start(args: string[], env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess; stop(): Promise<number | null> }> {
  const child = spawn(process.execPath, [RAPKI_BIN, 'emulator', '--listen', '127.0.0.1:0', '--quiet', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${stderr}`)), 15_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      const m = /^rapki emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (!m) return reject(new Error(`unexpected first line: ${line}`));
      resolve({
        url: m[1]!,
        child,
        stop: () =>
          new Promise((res) => {
            child.once('exit', (code) => res(code));
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => reject(new Error(`emulator exited ${code}: ${stderr}`)));
  });
}

const client = (url: string, credentials = TEST_CREDENTIALS) => new RolesAnywhereClient({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 });

describe('rapki emulator', () => {
  it('prints its URL first and keeps --state across a restart', async () => {
    const state = join(dir, 'state.json');
    const first = await start(['--state', state]);
    const c1 = client(first.url);
    const created = await c1.send(
      new CreateTrustAnchorCommand({
        name: 'persisted',
        source: { sourceType: 'CERTIFICATE_BUNDLE', sourceData: { x509CertificateData: root.certPem } },
        enabled: true,
      }),
    );
    c1.destroy();
    expect(await first.stop()).toBe(0);
    expect(statSync(state).mode & 0o777).toBe(0o600);

    const second = await start(['--state', state]);
    const c2 = client(second.url);
    const list = await c2.send(new ListTrustAnchorsCommand({}));
    c2.destroy();
    expect(list.trustAnchors!.map((t) => [t.trustAnchorId, t.name, t.enabled])).toEqual([[created.trustAnchor!.trustAnchorId, 'persisted', true]]);
    expect(await second.stop()).toBe(0);
  });

  it('--iam-credentials FILE accepts only that key', async () => {
    const file = join(dir, 'creds.json');
    writeFileSync(file, JSON.stringify(TEST_CREDENTIALS), { mode: 0o600 });
    const emu = await start(['--iam-credentials', file]);
    try {
      const ok = client(emu.url);
      expect((await ok.send(new ListTrustAnchorsCommand({}))).trustAnchors).toEqual([]);
      ok.destroy();
      const other = client(emu.url, { accessKeyId: 'AKIAOTHEROTHEROTHER1', secretAccessKey: 'nope' });
      await expect(other.send(new ListTrustAnchorsCommand({}))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
      other.destroy();
    } finally {
      await emu.stop();
    }
  });

  it('refuses a malformed --listen, --role or a key id without its secret', async () => {
    const bad = await runCli(['emulator', '--listen', 'nonsense']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--listen must be HOST:PORT (e.g. 127.0.0.1:8443), got 'nonsense'");
    const role = await runCli(['emulator', '--listen', '127.0.0.1:0', '--role', 'admin:60']);
    expect(role.code).toBe(1);
    expect(role.stderr).toContain('--role must be NAME:MAXSECONDS with 900..43200 seconds');
    const key = await runCli(['emulator', '--listen', '127.0.0.1:0', '--iam-credentials', 'AKIAEXAMPLEKEYID0001']);
    expect(key.code).toBe(1);
    expect(key.stderr).toContain('needs the secret in RAPKI_EMULATOR_SECRET_ACCESS_KEY');
  });
});
