#!/usr/bin/env node
// Names each test file for the vitest project it belongs to (vitest.config.ts,
// test/support/project-guard.ts), from what the file really did in a recorded run:
//
//   RAPKI_TEST_PROJECTS_GUARD=record RAPKI_TEST_PROJECTS_REPORT=/tmp/uses.jsonl npx vitest run
//   node scripts/classify-tests.mjs /tmp/uses.jsonl            # prints the renames it would make
//   node scripts/classify-tests.mjs /tmp/uses.jsonl --rename   # git mv + fixes references
//
// A file that ran the built rapki, a browser, PostgreSQL, swtpm or npm is `*.e2e.test.ts`; one that
// started any other process, opened a socket, SQLite or a PKCS#11 module is `*.int.test.ts`; the
// rest is `*.test.ts`. Files under test/fuzz/ stay `*.fuzz.test.ts`. With --rename, every mention of
// a renamed file's path in tracked text files (docs, comments, tests) is rewritten too.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const [report, ...flags] = process.argv.slice(2);
if (!report) {
  process.stderr.write('usage: node scripts/classify-tests.mjs <report.jsonl> [--rename]\n');
  process.exit(2);
}
const rename = flags.includes('--rename');

const SUFFIX = /\.(?:int|e2e|fuzz)\.test\.ts$|\.test\.ts$/;
/** @param {Record<string, string>} used */
function levelOf(file, used) {
  if (file.startsWith('test/fuzz/')) return 'fuzz';
  if (used.outside) return 'e2e';
  if (used.process || used.socket || used.sqlite || used.pkcs11) return 'int';
  return 'unit';
}
function nameFor(file, level) {
  const stem = file.replace(SUFFIX, '');
  return level === 'unit' ? `${stem}.test.ts` : `${stem}.${level}.test.ts`;
}

/** @type {Map<string, Record<string, string>>} */
const uses = new Map();
for (const line of readFileSync(report, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const r = JSON.parse(line);
  uses.set(r.file, { ...(uses.get(r.file) ?? {}), ...r.used });
}

const moves = [];
for (const [file, used] of [...uses].sort(([a], [b]) => a.localeCompare(b))) {
  const target = nameFor(file, levelOf(file, used));
  if (target !== file)
    moves.push([
      file,
      target,
      Object.entries(used)
        .map(([k, v]) => `${k}: ${v}`)
        .join('; ') || 'nothing outside the process',
    ]);
}
for (const [from, to, why] of moves) process.stdout.write(`${from} -> ${to}   (${why})\n`);
process.stdout.write(`${moves.length} of ${uses.size} recorded test files to rename\n`);
if (!rename || moves.length === 0) process.exit(0);

for (const [from, to] of moves) execFileSync('git', ['mv', from, to]);

// References: a renamed path, or any tail of it with at least one directory (e.g. `http/server.int.test.ts`
// from inside test/ca-server/), written anywhere in a tracked text file.
const files = execFileSync('git', ['ls-files', '-z'], { encoding: 'utf8' })
  .split('\0')
  .filter((f) => f && /\.(?:ts|mts|cts|mjs|cjs|js|md|json|sh|yml|yaml|txt)$/.test(f) && f !== 'package-lock.json');
const byName = new Map();
for (const [from, to] of moves) {
  const base = from.split('/').pop();
  if (!byName.has(base)) byName.set(base, []);
  byName.get(base).push([from, to]);
}
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const pattern = new RegExp(`[\\w./-]*?(?:${[...byName.keys()].map(esc).join('|')})(?![\\w.-])`, 'g');
let changed = 0;
for (const f of files) {
  let text;
  try {
    text = readFileSync(f, 'utf8');
  } catch {
    continue;
  }
  const next = text.replace(pattern, (m) => {
    const base = m.split('/').pop();
    const candidates = byName.get(base) ?? [];
    // Relative imports and paths written from the file's own directory: resolve them against it.
    for (const [from, to] of candidates) {
      const fromParts = from.split('/');
      const mParts = m.replace(/^(?:\.\/)+/, '').split('/');
      if (mParts.includes('..')) {
        const dir = f.split('/').slice(0, -1);
        const resolved = [];
        for (const part of [...dir, ...m.split('/')]) {
          if (part === '..') resolved.pop();
          else if (part !== '.' && part !== '') resolved.push(part);
        }
        if (resolved.join('/') === from) return m.slice(0, m.length - base.length) + to.split('/').pop();
        continue;
      }
      if (mParts.length < 2 && candidates.length > 1) continue; // a bare name shared by several files: leave it
      const tail = fromParts.slice(fromParts.length - mParts.length).join('/');
      if (tail === mParts.join('/')) return m.slice(0, m.length - base.length) + to.split('/').pop();
    }
    return m;
  });
  if (next !== text) {
    writeFileSync(f, next);
    changed++;
  }
}
process.stdout.write(`renamed ${moves.length} files; rewrote references in ${changed} files\n`);
