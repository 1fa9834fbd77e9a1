/**
 * The README's sections name only things that exist: every `rapki …` command
 * and --flag written in their code (fenced blocks and inline spans) is in the built CLI's --help,
 * every `rapki_*` metric in the operations section is one the CA server exports, and every
 * relative link points at a file of the repository. (tutorial.e2e.test.ts runs the tutorial itself.)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RAPKI_BIN, REPO_ROOT, assertBuilt } from '../support/cli.js';
import { readmeSection } from '../support/readme.js';

/** README sections by the short names the checks below use. */
const SECTIONS: Record<string, string> = {
  'tutorial.md': 'Tutorial',
  'set-up.md': 'Set up Roles Anywhere',
  'on-each-host.md': 'On each host',
  'emulator.md': 'The emulator',
  'operations.md': 'Operations',
  'console.md': 'The web console',
  'rotation.md': 'Rotating the CA',
  'comparison.md': 'How rapki compares',
};
const read = (name: string): string => readmeSection(SECTIONS[name]!);

/** Code of a markdown text: fenced block bodies and inline code spans. */
function codeOf(markdown: string): string[] {
  const fenced = [...markdown.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  const prose = markdown.replace(/^```[a-z]*\n[\s\S]*?^```$/gm, '');
  const spans = [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  return [...fenced.map((f) => f.replace(/\\\n\s*/g, ' ')), ...spans];
}

/** `rapki w1 [w2 [w3]] …` invocations: the words that may be a command path, and the --flags. */
function invocations(code: readonly string[]): { words: string[]; flags: string[] }[] {
  const out: { words: string[]; flags: string[] }[] = [];
  for (const text of code) {
    for (const line of text.split('\n')) {
      if (/^\s*#/.test(line)) continue;
      // `sudo -u rapki …`, `-o rapki -g rapki` name the user, not the command.
      for (const m of line.matchAll(/(?:^|[\s(=])(?<!-[ugo] )rapki ([^|;&><)]*)/g)) {
        const tokens = m[1]!.trim().split(/\s+/).filter(Boolean);
        const words: string[] = [];
        for (const t of tokens) {
          if (!/^[a-z][a-z0-9-]*$/.test(t) || words.length === 3) break;
          words.push(t);
        }
        if (words.length === 0) continue;
        out.push({ words, flags: tokens.filter((t) => t.startsWith('--')).map((t) => t.replace(/=.*$/, '')) });
      }
    }
  }
  return out;
}

const helpCache = new Map<string, string>();
function help(path: readonly string[]): string {
  const key = path.join(' ');
  if (!helpCache.has(key)) {
    let text: string;
    try {
      text = execFileSync(process.execPath, [RAPKI_BIN, ...path, '--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      text = String((err as { stdout?: string }).stdout ?? '');
    }
    helpCache.set(key, text);
  }
  return helpCache.get(key)!;
}

/** The longest prefix of `words` that is a rapki command, with its help text. */
function command(words: readonly string[]): { path: string[]; text: string } | undefined {
  for (let k = words.length; k >= 1; k--) {
    const path = words.slice(0, k);
    const text = help(path);
    if (new RegExp(`^rapki ${path.join(' ')}(\\s|$)`, 'm').test(text)) return { path, text };
  }
  return undefined;
}

/**
 * `a_{b,c}_d` → a_b_d, a_c_d (alternatives, as the operations section writes them); a brace group
 * right after the name (`name{label,…}`) lists labels and is dropped.
 */
function expandBraces(name: string): string[] {
  const labels = /^([a-z_]*[a-z])\{[^}]*\}$/.exec(name);
  if (labels) return [labels[1]!];
  const m = /^(.*_)\{([^}]+)\}(.*)$/.exec(name);
  return m ? m[2]!.split(',').flatMap((alt) => expandBraces(`${m[1]}${alt}${m[3]}`)) : [name];
}

describe('README.md sections', () => {
  it('holds the sections a newcomer needs', () => {
    for (const name of Object.keys(SECTIONS)) expect(read(name).length, name).toBeGreaterThan(200);
  });

  it.each(['tutorial.md', 'set-up.md', 'on-each-host.md', 'operations.md', 'rotation.md', 'comparison.md'])(
    '%s: every rapki command and flag exists',
    (file) => {
      assertBuilt();
      const found = invocations(codeOf(read(file)));
      expect(found.length, `rapki invocations in ${file}`).toBeGreaterThanOrEqual(3);
      for (const inv of found) {
        const cmd = command(inv.words);
        expect(cmd, `${file}: rapki ${inv.words.join(' ')} is a command`).toBeDefined();
        for (const f of inv.flags) {
          expect(cmd!.text.includes(`${f} `) || cmd!.text.includes(`${f}\n`), `${file}: rapki ${cmd!.path.join(' ')} ${f}`).toBe(true);
        }
      }
    },
    60_000,
  );

  it('operations.md: every metric named is exported by the CA server', () => {
    const sources = ['ca-server/src/http/metrics.ts', 'ca-server/src/sync/metrics.ts'].map((p) => readFileSync(join(REPO_ROOT, p), 'utf8')).join('\n');
    const names = [...new Set([...read('operations.md').matchAll(/rapki_[a-z_{},]+[a-z}]/g)].flatMap((m) => expandBraces(m[0])))];
    expect(names.length).toBeGreaterThanOrEqual(20);
    for (const n of names) expect(sources, `metric ${n}`).toContain(`'${n}'`);
  });

  it.each(Object.keys(SECTIONS))('%s: relative links point at files (paths from the README)', (file) => {
    // Sections other helpers are writing at the same time; drop an entry once its file exists.
    const pending = new Set(['docs/operations.md', 'docs/rotation.md']);
    for (const m of read(file).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/.test(target) || (pending.has(target) && !existsSync(join(REPO_ROOT, target)))) continue;
      expect(existsSync(join(REPO_ROOT, target)), `${file} links to ${target}`).toBe(true);
    }
  });
});
