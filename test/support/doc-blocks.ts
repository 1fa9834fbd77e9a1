/**
 * Running the shell blocks of README.md and docs/*.md as a reader pastes them: the ```sh fenced
 * blocks of a markdown text, the `# → …` lines they show as expected output (as regular
 * expressions), and one bash run of a script in its own process group with a scratch HOME, TMPDIR
 * and XDG_RUNTIME_DIR, killed as a group when it times out or when the test ends.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The bodies of the ```sh fenced blocks, in order. */
export function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/** `# → …` lines of the blocks as regular expressions: `…` = anything, `<word …>` = one token. */
export function expectedLines(blocks: readonly string[]): RegExp[] {
  const out: RegExp[] = [];
  for (const line of blocks.join('').split('\n')) {
    const m = /^# → (.*)$/.exec(line);
    if (!m) continue;
    const parts = m[1]!.split(/(…|<[^>]+>)/);
    const src = parts.map((p) => (p === '…' ? '.*' : /^<[^>]+>$/.test(p) ? '\\S+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
    out.push(new RegExp(`^${src}$`, 'm'));
  }
  return out;
}

/**
 * Shell commands of a block: backslash continuations joined, comments and blank lines dropped;
 * a line that opens a function or loop counts until its closing line. More than one = multi-step.
 */
export function commandsOf(block: string): string[] {
  const lines = block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trimEnd())
    .filter((l) => l.trim() !== '' && !/^\s*#/.test(l));
  const out: string[] = [];
  let depth = 0;
  for (const l of lines) {
    if (depth === 0) out.push(l);
    else out[out.length - 1] += `\n${l}`;
    depth += (l.match(/\{\s*$|\bdo\s*$|\bthen\s*$/g) ?? []).length - (l.match(/^\s*(\}|done|fi)\b/g) ?? []).length;
    if (depth < 0) depth = 0;
  }
  return out;
}

/** `text` with each `from` replaced by `to`; fails when a `from` does not occur (the doc changed). */
export function substitute(text: string, pairs: readonly (readonly [string, string])[]): string {
  let out = text;
  for (const [from, to] of pairs) {
    if (!out.includes(from)) throw new Error(`the text no longer contains ${JSON.stringify(from)}`);
    out = out.split(from).join(to);
  }
  return out;
}

/** A port nobody listens on right now (the kernel's pick, released again). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface BashRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** Process groups of every run: the scripts start servers in the background, which outlive a failed run. */
const groups = new Set<number>();

/**
 * Runs `script` under `set -euo pipefail` in a fresh bash (no rc files) in `cwd`, with only PATH,
 * LANG=C and a scratch HOME/TMPDIR/XDG_RUNTIME_DIR under `scratch` (plus `env`), in its own
 * process group; kills the group after `timeoutMs`. {@link killLeftovers} ends what is left.
 */
export async function runBash(script: string, o: { cwd: string; scratch: string; env?: Record<string, string>; timeoutMs: number }): Promise<BashRun> {
  const dirs = { HOME: join(o.scratch, 'home'), TMPDIR: join(o.scratch, 'tmp'), XDG_RUNTIME_DIR: join(o.scratch, 'run') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true, mode: 0o700 });
  const child = spawn('bash', ['--norc', '--noprofile', '-c', `set -euo pipefail\n${script}`], {
    cwd: o.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', ...dirs, ...o.env },
  });
  if (child.pid !== undefined) groups.add(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const started = Date.now();
  const timer = setTimeout(() => killGroup(child.pid), o.timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr, seconds: (Date.now() - started) / 1000 };
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** Ends whatever is left of every run's process group (servers a failed script did not stop). */
export function killLeftovers(): void {
  for (const pid of groups) killGroup(pid);
  groups.clear();
}
