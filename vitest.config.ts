import { defineConfig } from 'vitest/config';

/**
 * Four projects, chosen by the test file's name (so that test/ keeps mirroring the source tree):
 * `*.test.ts` unit, `*.int.test.ts` integration, `*.e2e.test.ts` e2e (needs `npm run build`),
 * `*.fuzz.test.ts` fuzz. What each may do, and the check that a file does no more than its name
 * says: test/support/project-guard.ts. `npm test` runs them all; `npm run test:unit` the first.
 */
const SUFFIXES = { integration: 'int', e2e: 'e2e', fuzz: 'fuzz' } as const;
const project = (name: 'unit' | keyof typeof SUFFIXES) => ({
  extends: true as const,
  test: {
    name,
    include: name === 'unit' ? ['test/**/*.test.ts'] : [`test/**/*.${SUFFIXES[name]}.test.ts`],
    exclude: name === 'unit' ? Object.values(SUFFIXES).map((s) => `test/**/*.${s}.test.ts`) : [],
    env: { RAPKI_TEST_PROJECT: name },
  },
});

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Child processes, servers and openssl runs: two cores, so keep parallelism modest.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    setupFiles: ['test/support/project-guard.ts'],
    projects: [project('unit'), project('integration'), project('e2e'), project('fuzz')],
  },
});
