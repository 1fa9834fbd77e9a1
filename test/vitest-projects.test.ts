/**
 * vitest.config.ts: every test file belongs to exactly one project, chosen by its name, and every
 * project runs test/support/project-guard.ts (which fails a file that does more than its project
 * allows). test/fuzz/ holds exactly the fuzz project's files.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import config from '../vitest.config.js';

/** `test/**\/*.x.test.ts`-style globs (the only kind the config uses) as regular expressions. */
function globToRegExp(glob: string): RegExp {
  const re = glob
    .split('**/')
    .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
    .join('(?:.*/)?');
  return new RegExp(`^${re}$`);
}

function testFiles(dir = 'test'): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? testFiles(p) : p.endsWith('.test.ts') ? [p] : [];
  });
}

type ProjectConfig = { test: { name: string; include: string[]; exclude: string[] } };
const projects = (config.test?.projects ?? []) as ProjectConfig[];

describe('vitest projects', () => {
  it('are unit, integration, e2e and fuzz, each with the project guard', () => {
    expect(projects.map((p) => p.test.name)).toEqual(['unit', 'integration', 'e2e', 'fuzz']);
    expect(config.test?.setupFiles).toEqual(['test/support/project-guard.ts']);
  });

  it('every test file is in exactly one project, by its name', () => {
    const files = testFiles();
    expect(files.length).toBeGreaterThan(100);
    const homeless = files.filter((f) => {
      const homes = projects.filter((p) => p.test.include.some((g) => globToRegExp(g).test(f)) && !p.test.exclude.some((g) => globToRegExp(g).test(f)));
      return homes.length !== 1;
    });
    expect(homeless).toEqual([]);
  });

  it('test/fuzz/ holds the fuzz tests and nothing else', () => {
    const files = testFiles();
    expect(files.filter((f) => f.startsWith('test/fuzz/') !== f.endsWith('.fuzz.test.ts'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.fuzz.test.ts')).length).toBeGreaterThan(3);
  });
});
