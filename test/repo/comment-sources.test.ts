/**
 * Comments and docs stand on their own: they may cite an RFC section, an AWS documentation page, a
 * public repository or a file under docs/, but never a design or research note kept outside this
 * repository, nor a work item by number ("issue 7"). A reader of a clone has neither, so such a
 * reference says nothing to them; the comment has to say the fact (and its why) itself.
 *
 * Every line of every text file is checked, comment or code: a string that named such a file
 * would be as unreadable as a comment. The walk uses fs (a unit test starts no `git ls-files`), so
 * it skips what .gitignore keeps out of the repository: node_modules, dist*, coverage, .git.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** This file names the forbidden references to find them, so it is the one file not scanned. */
const SELF = 'test/repo/comment-sources.test.ts';

/** Directories never walked: dependencies, build output, VCS data, coverage, test output. */
const SKIP_DIR = /^(node_modules|\.git|dist.*|coverage|test-output|tmp|\.rapki-ca|\.vitest-.*)$/;
/** Text files that hold comments or prose (extensionless files only under .ci/ and bin/). */
const TEXT_FILE = /\.(ts|mts|cts|tsx|js|mjs|cjs|sh|md|ya?ml|service|html|css)$/;
const EXTENSIONLESS_DIRS = new Set(['.ci', 'bin']);

/** What a line must not say, each with the reason printed beside an offending line. */
const FORBIDDEN: ReadonlyArray<{ re: RegExp; why: string }> = [
  { re: /\bDESIGN\.md\b/, why: 'design note outside the repository' },
  { re: /\b(signer-spec|roles-anywhere-api|ca-landscape|style-anchors|test-components)(\.md)?\b/, why: 'research note outside the repository' },
  { re: /(\.\.\/|\/work\/|\bshared\/)(shared\/)?(reference|vectors|hooks|DESIGN)\b|\.\.\/shared\b|\/work\/shared\b/, why: 'path outside the repository' },
  { re: /\bissues?\s+#?\d+\b(?!\.\d)|\b(earlier|previous|next|later) issue\b/i, why: 'work item: say the fact or the why instead' },
  { re: /\bthis round\b/i, why: 'work plan, not a fact about the code' },
];

function textFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (SKIP_DIR.test(e.name) || (e.name.startsWith('.') && e.name !== '.ci')) return [];
      return textFiles(p);
    }
    if (!e.isFile()) return [];
    const rel = relative(ROOT, p).split(sep).join('/');
    const parent = rel.split('/').slice(-2, -1)[0] ?? '';
    return TEXT_FILE.test(e.name) || (!e.name.includes('.') && EXTENSIONLESS_DIRS.has(parent)) ? [rel] : [];
  });
}

/** `file:line: reason: text` for each line that says something FORBIDDEN. */
function offences(file: string, text: string): string[] {
  return text.split('\n').flatMap((line, i) => FORBIDDEN.filter((f) => f.re.test(line)).map((f) => `${file}:${i + 1}: ${f.why}: ${line.trim().slice(0, 120)}`));
}

describe('comments and docs cite only what a reader of the repository can open', () => {
  const files = textFiles(ROOT).filter((f) => f !== SELF);

  it('the walk reaches every package, the tests, the scripts and the docs', () => {
    expect(files.length).toBeGreaterThan(500);
    for (const f of [
      'README.md',
      'docs/ca-api.md',
      '.ci/run',
      'bin/rapki.cjs',
      'ca-server/src/config.ts',
      'signer/src/constants.ts',
      'cli/src/main.ts',
      'common/src/aws/constants.ts',
      'emulator/src/constants.ts',
      'bench/crl.bench.mjs',
      'vitest.config.ts',
    ]) {
      expect(files, f).toContain(f);
    }
    expect(files.some((f) => f.startsWith('node_modules/') || f.includes('/node_modules/') || f.startsWith('dist'))).toBe(false);
  });

  it('the check catches each kind of reference, and lets facts and public sources through', () => {
    const flagged = (line: string) => offences('x.ts', line).length;
    for (const bad of [
      ' * (DESIGN.md "CLI contract")',
      '// signer-spec.md §1.4',
      ' * (roles-anywhere-api.md §4.3)',
      ' * ca-landscape §1.2',
      ' * Sources: shared/reference/x.md',
      '// see ../shared/vectors/kat',
      '// regression test for issue 7',
      ' * Issue 6 acceptance',
      '// (issue #12)',
      '// added this round',
      '// (issues 2 and 6)',
      ' * The emulator of a later issue replaces it.',
    ]) {
      expect(flagged(bad), bad).toBe(1);
    }
    for (const good of [
      ' * RFC 5280 §5.2.3: the CRL number is monotonically increasing',
      ' * (IAM Roles Anywhere User Guide, "Quotas": 2 CRLs per trust anchor)',
      ' * aws/rolesanywhere-credential-helper#187 asks for keys from memory',
      ' * docs/rotation.md "Two CRLs per trust anchor"',
      '| 2,118 certs per CPU-second (0.41 ms: CSR 0.22, issue 0.09, lint 0.10) |',
      '// which issues a certificate',
    ]) {
      expect(flagged(good), good).toBe(0);
    }
  });

  it('no file names a document outside the repository or a work item by number', () => {
    const found = files.flatMap((f) => offences(f, readFileSync(join(ROOT, f), 'utf8')));
    expect(found, `${found.length} line(s) cite what a reader cannot open:\n${found.join('\n')}`).toEqual([]);
  });
});
