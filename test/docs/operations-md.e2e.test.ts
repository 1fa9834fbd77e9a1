/**
 * docs/operations.md (and docs/ha.md) must describe commands as they are: every `rapki …` they show
 * (in code blocks and inline code) names an existing command, and every flag used is one that
 * command's `--help` lists; every backup/restore error code operations.md names is one the code
 * has, and the backup manifest file name is the one the code writes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKUP_ERRORS } from '../../ca-server/src/backup/errors.js';
import { MANIFEST_FILE } from '../../ca-server/src/backup/constants.js';
import { RAPKI_BIN, REPO_ROOT, assertBuilt } from '../support/cli.js';

const doc = readFileSync(join(REPO_ROOT, 'docs', 'operations.md'), 'utf8');

/** `rapki …` invocations: from code blocks (line by line) and from inline code spans. */
function invocations(doc: string): string[] {
  const out: string[] = [];
  for (const m of doc.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of m[1]!.replace(/\\\n\s*/g, ' ').split('\n')) {
      const code = line.replace(/\s#.*$/, '');
      const r = /(?:^|[\s;&|(])rapki ([a-z].*)$/.exec(code);
      if (r && !code.includes("pgrep -f 'rapki")) out.push(r[1]!);
    }
  }
  for (const m of doc.replace(/```[\s\S]*?```/g, '').matchAll(/`(?:[A-Z_]+=\S+ )?rapki ([a-z][^`]*)`/g)) out.push(m[1]!);
  return out;
}

const helpCache = new Map<string, string>();
function help(path: readonly string[]): string {
  const key = path.join(' ');
  if (!helpCache.has(key)) {
    helpCache.set(
      key,
      execFileSync(process.execPath, [RAPKI_BIN, ...path, '--help'], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '' }, timeout: 20_000 }).toString(),
    );
  }
  return helpCache.get(key)!;
}

/** Checks every invocation of `text` against `--help`; returns the command paths seen. */
function checkInvocations(text0: string): Set<string> {
  assertBuilt();
  const lines = invocations(text0);
  const seen = new Set<string>();
  for (const line of lines) {
    const words = line.trim().split(/\s+/);
    const path: string[] = [];
    for (const w of words) {
      if (path.length === 3 || !/^[a-z][\w-]*$/.test(w)) break;
      path.push(w);
    }
    // Walk down only as far as the words are subcommands (`ca rotate start`, `cert revoke`).
    while (
      path.length > 1 &&
      !help(path)
        .split('\n')[0]!
        .startsWith(`rapki ${path.join(' ')}`)
    )
      path.pop();
    const text = help(path);
    expect(text.split('\n')[0], line).toMatch(new RegExp(`^rapki ${path.join(' ')}\\b`));
    seen.add(path.join(' '));
    for (const flag of line.match(/(?<=\s)--[a-z][\w-]*/g) ?? []) {
      expect(text, `rapki ${path.join(' ')} has no ${flag}`).toMatch(new RegExp(`^\\s+${flag}\\b`, 'm'));
    }
  }
  return seen;
}

describe('docs/operations.md', () => {
  it('uses existing commands and flags', () => {
    expect(invocations(doc).length).toBeGreaterThanOrEqual(10);
    const seen = checkInvocations(doc);
    for (const needed of ['ca backup', 'ca restore', 'audit verify', 'cert revoke']) expect(seen).toContain(needed);
  }, 60_000);

  it('docs/ha.md uses existing commands and flags too', () => {
    const seen = checkInvocations(readFileSync(join(REPO_ROOT, 'docs', 'ha.md'), 'utf8'));
    for (const needed of ['ca init', 'ca serve', 'ca migrate-store', 'audit verify']) expect(seen).toContain(needed);
  }, 60_000);

  it('names only error codes the backup code has, and all of them', () => {
    const named = new Set([...doc.matchAll(/`((?:backup|restore)_[a-z_]+)`/g)].map((m) => m[1]!));
    expect([...named].filter((c) => !(c in BACKUP_ERRORS))).toEqual([]);
    expect(Object.keys(BACKUP_ERRORS).filter((c) => !named.has(c))).toEqual([]);
    expect(doc).toContain(`\`${MANIFEST_FILE}\``);
  });
});
