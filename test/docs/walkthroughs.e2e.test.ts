/**
 * Every multi-step shell block of README.md and docs/*.md works when pasted whole into bash.
 *
 * The inventory test finds each ```sh block with more than one command and requires it to be run,
 * here or by test/examples/tutorial.e2e.test.ts, or to be listed below with the reason it cannot run on
 * a test machine (root, systemd, a real host) — so a new walkthrough cannot appear untested.
 * The runs change only what a test machine needs, each change checked to apply: fixed ports become
 * free ones, production paths move into a scratch directory, a build step is dropped (`npm test`
 * built already). Every `# → …` line a block shows must appear in what it printed.
 *
 * Also: every server a doc starts in the background is waited for with `wait_for_line` (which
 * stops with the server's error when it dies, and times out), defined the same way everywhere.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCaServerProcess, TEST_CA_PASSPHRASE, type CaServerProcess } from '../support/ca-server.js';
import { REPO_ROOT, assertBuilt, runCli } from '../support/cli.js';
import { commandsOf, expectedLines, freePort, killLeftovers, runBash, shellBlocks, substitute } from '../support/doc-blocks.js';
import { readmeSection } from '../support/readme.js';
import { startEmulatorProcess, TEST_AWS_ENV, type EmulatorProcess } from '../cli/aws/emulator-process.js';

const DOCS = [
  'README.md',
  ...readdirSync(join(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const read = (file: string): string => readFileSync(join(REPO_ROOT, file), 'utf8');

/** A multi-step block, named by its file and a line it contains. */
interface BlockRef {
  readonly file: string;
  readonly contains: string;
}
/** Run by this file (the `it` names say which). */
const RUN_HERE: readonly BlockRef[] = [
  { file: 'docs/aws.md', contains: 'rapki emulator --listen 127.0.0.1:8088 --state emulator.json' },
  { file: 'README.md', contains: 'rapki aws crl-push        # push the current CRL by hand' },
  { file: 'docs/operations.md', contains: 'rapki ca restore --from /backup/rapki/ca-20260101T030000Z' },
  { file: 'docs/host.md', contains: 'rapki host unblock web-1' },
];
/** The README tutorial's blocks: run together, in order, by test/examples/tutorial.e2e.test.ts. */
const TUTORIAL = readmeSection('Tutorial');
/** Not runnable on a test machine; each says why. */
const NOT_RUNNABLE: readonly (BlockRef & { readonly why: string })[] = [
  { file: 'README.md', contains: 'sudo useradd --system', why: 'creates a system user and writes /etc/rapki (root), enrolls against ca.example.internal' },
  { file: 'README.md', contains: 'sudo systemctl daemon-reload', why: 'installs a systemd unit (root, systemd)' },
  { file: 'docs/host.md', contains: 'sudo useradd --system', why: 'creates a system user, installs a systemd unit (root, systemd)' },
  { file: 'docs/host.md', contains: 'journalctl -u rapki-agent -f', why: 'systemd unit and its journal (root, systemd)' },
  {
    file: 'docs/host.md',
    contains: 'sudo systemctl reset-failed rapki-agent',
    why: 'runs as the rapki system user and restarts a systemd unit (root, systemd)',
  },
  {
    file: 'docs/ha.md',
    contains: 'export PGPASSFILE=',
    why: 'a PostgreSQL server at db.example with TLS (verify-full) and /etc, /var/lib paths; the same steps run in test/ca-server/store/store-cli.e2e.test.ts against a throw-away cluster',
  },
  {
    file: 'docs/ha.md',
    contains: 'rapki ca serve --dir /var/lib/rapki/node',
    why: 'replicas on hosts with a PostgreSQL server at db.example (TLS); the same steps run in test/e2e/replicas.e2e.test.ts against a throw-away cluster',
  },
  {
    file: 'docs/ha.md',
    contains: 'rapki ca migrate-store --dir /var/lib/rapki/ca',
    why: 'systemd unit and a PostgreSQL server at db.example; migrate-store runs in test/e2e/migrate-store-state.e2e.test.ts and test/ca-server/store/store-cli.e2e.test.ts',
  },
  {
    file: 'docs/host.md',
    contains: 'rapki enroll --ca-url https://ca.example.internal:8443 --ca-fingerprint 3f1c...e9 --out /etc/rapki --key tpm',
    why: 'runs as the rapki system user against a real TPM and ca.example.internal (root); enroll --key tpm runs against swtpm in test/e2e/tpm-host.e2e.test.ts',
  },
];

function multiStepBlocks(): { file: string; block: string }[] {
  return DOCS.flatMap((file) =>
    shellBlocks(read(file))
      .filter((block) => commandsOf(block).length > 1)
      .map((block) => ({ file, block })),
  );
}

const scratch = mkdtempSync(join(tmpdir(), 'rapki-walkthroughs-'));
afterAll(() => {
  killLeftovers();
  rmSync(scratch, { recursive: true, force: true });
});

describe('multi-step blocks in the docs', () => {
  it('each is run by a test or listed with the reason it cannot be', () => {
    const tutorialBlocks = new Set(shellBlocks(TUTORIAL));
    const listed = [...RUN_HERE, ...NOT_RUNNABLE];
    const found = multiStepBlocks();
    expect(found.length).toBeGreaterThanOrEqual(8);
    for (const { file, block } of found) {
      if (file === 'README.md' && tutorialBlocks.has(block)) continue;
      const refs = listed.filter((r) => r.file === file && block.includes(r.contains));
      expect(refs.length, `${file}: a multi-step block is neither run nor listed:\n${block}`).toBe(1);
    }
    // No stale entries: each names exactly one multi-step block.
    for (const r of listed) expect(found.filter((f) => f.file === r.file && f.block.includes(r.contains)).length, `${r.file}: ${r.contains}`).toBe(1);
  });

  it('wait for background servers with wait_for_line, defined the same way everywhere, never `until grep`', () => {
    const definitions = new Set<string>();
    for (const file of DOCS) {
      const text = read(file);
      expect(text, file).not.toMatch(/until grep/);
      for (const block of shellBlocks(text)) {
        const def = /^wait_for_line\(\) \{\n[\s\S]*?^\}\n/m.exec(block)?.[0];
        if (def) definitions.add(def);
      }
      // Each background start of a server is followed by a wait on its PID.
      for (const block of shellBlocks(text)) {
        const lines = block.split('\n');
        lines.forEach((line, i) => {
          if (!/^rapki (emulator|ca serve)\b.*&(\s+#.*)?$/.test(line)) return;
          const next = lines.slice(i + 1, i + 3).join('\n');
          expect(next, `${file}: ${line}`).toMatch(/wait_for_line \S+ 'listening on' "?\$(\w+_PID|!)"?/);
        });
      }
    }
    expect(definitions.size).toBe(1);
    expect([...definitions][0]).toMatch(/kill -0 "\$3"/);
  });
});

describe('walkthroughs run as written', () => {
  let binDir: string;
  beforeAll(() => {
    assertBuilt();
    // What `npm link` gives the reader: `rapki` on PATH.
    binDir = join(scratch, 'bin');
    mkdirSync(binDir);
    symlinkSync(join(REPO_ROOT, 'bin', 'rapki.cjs'), join(binDir, 'rapki'));
  });
  const pathWithRapki = (): string => `${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`;

  it('docs/aws.md "Set up Roles Anywhere, step by step", pasted whole', async () => {
    const section = read('docs/aws.md').split('## Set up Roles Anywhere, step by step')[1]!.split('\n## ')[0]!;
    const [block] = shellBlocks(section);
    const [raPort, caPort] = [await freePort(), await freePort()];
    const text = substitute(block!, [
      ['npm ci && npm run build\n', ''],
      ['127.0.0.1:8088', `127.0.0.1:${raPort}`],
      ['127.0.0.1:8443', `127.0.0.1:${caPort}`],
    ]);
    const run = await runBash(text, { cwd: REPO_ROOT, scratch: join(scratch, 'aws-md'), timeoutMs: 110_000 });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.code, output).toBe(0);
    const expected = expectedLines([text]);
    expect(expected.length).toBeGreaterThanOrEqual(5);
    for (const re of expected) expect(output, `expected output line ${re}`).toMatch(re);
    // It cleaned up after itself.
    expect(readdirSync(join(scratch, 'aws-md', 'tmp'))).toEqual([]);
  }, 120_000);

  describe('against a running CA and emulator', () => {
    let emu: EmulatorProcess;
    let ca: CaServerProcess;
    let env: Record<string, string>;
    beforeAll(async () => {
      emu = await startEmulatorProcess();
      ca = await startCaServerProcess({ env: { ...TEST_AWS_ENV } });
      env = { ...TEST_AWS_ENV, PATH: pathWithRapki(), RAPKI_CA_URL: ca.url, RAPKI_CA_FINGERPRINT: ca.fingerprint, RAPKI_ADMIN_TOKEN: ca.adminToken };
    }, 60_000);
    afterAll(async () => {
      await ca?.dispose();
      await emu?.dispose();
    });

    it('README "Set up Roles Anywhere": register (pointed at the emulator), then status, crl-push, unregister without flags', async () => {
      const [block] = shellBlocks(readmeSection('Set up Roles Anywhere'));
      const text = substitute(block!, [['rapki aws register --role-arn', `rapki aws register --endpoint ${emu.url} --role-arn`]]);
      const run = await runBash(text, { cwd: REPO_ROOT, scratch: join(scratch, 'setup'), env, timeoutMs: 90_000 });
      const output = `${run.stdout}\n${run.stderr}`;
      expect(run.code, output).toBe(0);
      expect(run.stdout).toMatch(/^trust anchor {2}arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor\//m);
      expect(run.stdout).toMatch(/^no drift$/m);
      expect(run.stdout).toMatch(/^CRL \d+ (updated|unchanged): arn:aws:rolesanywhere:/m);
      expect(run.stdout).toMatch(/^Would delete \(run again with --yes\):\n {2}arn:aws:rolesanywhere:/m);
    }, 100_000);

    it('docs/host.md "bring the host back": unblock, then a new token', async () => {
      const blocked = await runCli(['cert', 'revoke', '--host', 'web-1', '--block-unknown'], { env });
      expect(blocked.code, blocked.stderr).toBe(0);
      const [block] = shellBlocks(read('docs/host.md')).filter((b) => b.includes('rapki host unblock web-1'));
      const run = await runBash(block!, { cwd: REPO_ROOT, scratch: join(scratch, 'host'), env, timeoutMs: 60_000 });
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(run.stdout).toMatch(/^rapki_et_[A-Za-z0-9_-]{20,}$/m);
    }, 70_000);
  });

  it('docs/operations.md: the backup block, then the restore block', async () => {
    const base = join(scratch, 'ops');
    mkdirSync(join(base, 'var'), { recursive: true });
    mkdirSync(join(base, 'backup'), { recursive: true });
    const init = await runCli(['ca', 'init', '--dir', join(base, 'var', 'ca'), '--json'], { env: { RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE } });
    expect(init.code, init.stderr).toBe(0);
    const blocks = shellBlocks(read('docs/operations.md'));
    const backup = blocks.find((b) => b.includes('rapki ca backup --dir'))!;
    const restore = blocks.find((b) => b.includes('rapki ca restore --from'))!;
    const text = substitute(`${backup}${restore}`, [
      ['ca-$(date -u +%Y%m%dT%H%M%SZ)', 'ca-20260101T030000Z'],
      ['/var/lib/rapki', join(base, 'var')],
      ['/backup/rapki', join(base, 'backup')],
    ]);
    // The backup is signed with the root key (passphrase) and the restore checks the pinned root.
    const { fingerprint } = JSON.parse(init.stdout.toString()) as { fingerprint: string };
    const opsEnv = { PATH: pathWithRapki(), RAPKI_CA_PASSPHRASE: TEST_CA_PASSPHRASE, RAPKI_CA_FINGERPRINT: fingerprint };
    const run = await runBash(text, { cwd: REPO_ROOT, scratch: join(scratch, 'ops-run'), env: opsEnv, timeoutMs: 60_000 });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.code, output).toBe(0);
    for (const re of expectedLines([restore])) expect(output, `expected output line ${re}`).toMatch(re);
    expect(readdirSync(join(base, 'var', 'ca-restored'))).toContain('ca.db');
  }, 70_000);
});
