/**
 * The files under examples/ stay true: the trust policy and the first ~/.aws/config profile are
 * exactly what `rapki aws register` prints (cli/src/aws/snippets.ts), every `rapki` command and
 * flag the scripts, the CI job and the config use exists (checked against the built CLI's --help),
 * and examples/end-to-end.sh (`npm run demo`) runs to the end against the emulator.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSnippet, trustPolicy } from '../../cli/src/aws/snippets.js';
import { RAPKI_BIN, REPO_ROOT, assertBuilt } from '../support/cli.js';

const EX = join(REPO_ROOT, 'examples');
const read = (p: string): string => readFileSync(join(EX, p), 'utf8');
const GROUPS = new Set(['ca', 'token', 'cert', 'crl', 'audit', 'aws', 'host']);

/** `rapki …` invocations in shell-ish text (comment lines skipped): command path and --flags. */
function invocations(text: string): { path: string[]; flags: string[] }[] {
  const code = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
  const joined = code.replace(/\\\n\s*/g, ' ');
  const out: { path: string[]; flags: string[] }[] = [];
  for (const m of joined.matchAll(/(?:^|[\s("'=])(?:rapki|"\$RAPKI_JS") ([a-z][a-z0-9-]*)((?:[ \t]+[^\s|;&><)]+)*)/gm)) {
    const words = m[2]!.trim().split(/\s+/).filter(Boolean);
    const path = [m[1]!];
    if (GROUPS.has(m[1]!) && words[0] && /^[a-z][a-z-]*$/.test(words[0])) path.push(words.shift()!);
    out.push({ path, flags: words.filter((w) => w.startsWith('--')).map((w) => w.replace(/=.*$/, '').replace(/["']/g, '')) });
  }
  return out;
}

const helpCache = new Map<string, string>();
function help(path: string[]): string {
  const k = path.join(' ');
  if (!helpCache.has(k)) helpCache.set(k, execFileSync(process.execPath, [RAPKI_BIN, ...path, '--help'], { encoding: 'utf8' }));
  return helpCache.get(k)!;
}

function checkCommands(file: string, minimum: number): void {
  assertBuilt();
  const found = invocations(read(file)).filter((i) => i.path[0] !== 'rapki');
  expect(found.length, `rapki invocations in ${file}`).toBeGreaterThanOrEqual(minimum);
  for (const inv of found) {
    const h = help(inv.path);
    expect(h, `rapki ${inv.path.join(' ')} is a command`).toMatch(new RegExp(`^rapki ${inv.path.join(' ')}\\b`, 'm'));
    for (const f of inv.flags) expect(h.includes(`${f} `) || h.includes(`${f}\n`), `${file}: rapki ${inv.path.join(' ')} ${f}`).toBe(true);
  }
}

describe('examples/', () => {
  it('trust-policy.json is what `rapki aws register` prints for its trust anchor', () => {
    const policy = JSON.parse(read('trust-policy.json')) as { Statement: { Condition: { ArnEquals: { 'aws:SourceArn': string } } }[] };
    const arn = policy.Statement[0]!.Condition.ArnEquals['aws:SourceArn'];
    expect(arn).toMatch(/^arn:aws:rolesanywhere:[a-z0-9-]+:\d{12}:trust-anchor\/[0-9a-f-]{36}$/);
    expect(read('trust-policy.json')).toBe(`${JSON.stringify(trustPolicy(arn), null, 2)}\n`);
  });

  it('aws-config/config: the first profile is the register snippet, every flag exists', () => {
    const text = read('aws-config/config');
    const ta = /--trust-anchor-arn (\S+)/.exec(text)![1]!;
    const profile = /--profile-arn (\S+)/.exec(text)![1]!;
    const snippet = configSnippet({
      trustAnchorArn: ta,
      profileArn: profile,
      roleArns: ['arn:aws:iam::111122223333:role/web'],
      region: 'us-east-1',
      certDir: '/etc/rapki',
      intermediates: true,
    });
    expect(text).toContain(snippet);
    checkCommands('aws-config/config', 3);
  });

  it('ci/github-actions.yml uses only commands and flags that exist', () => {
    checkCommands('ci/github-actions.yml', 9);
  });

  it('end-to-end.sh is valid bash, uses only commands and flags that exist, and runs to the end', () => {
    const src = read('end-to-end.sh');
    expect(src).toMatch(/^set -euo pipefail$/m);
    expect(spawnSync('bash', ['-n', join(EX, 'end-to-end.sh')]).status).toBe(0);
    checkCommands('end-to-end.sh', 8);
    const r = spawnSync('bash', [join(EX, 'end-to-end.sh')], {
      encoding: 'utf8',
      timeout: 90_000,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}) },
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/Arn\s+arn:aws:sts::123456789012:assumed-role\/rapki-demo\//);
    expect(r.stdout).toMatch(/refused after [\d.]+ s: rapki: certificate_revoked:/);
    expect(r.stdout).toMatch(/==> Done/);
  }, 120_000);
});
