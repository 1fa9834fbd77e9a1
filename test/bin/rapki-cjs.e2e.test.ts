/**
 * bin/rapki.cjs loads dist/credential-process.cjs through V8's code cache made at build time. A
 * cache must only ever be a speed-up: a missing one, one keyed to another build, or one V8 refuses
 * must give exactly the same answer. Runs a copy of the built package layout (bin/ + dist/) in a
 * temp dir, so the real dist/ is never touched.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLE = join(ROOT, 'dist/credential-process.cjs');

describe('bin/rapki.cjs code cache loading', () => {
  let dir: string;
  let cache: Buffer;
  let key: string;

  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [join(dir, 'bin/rapki.cjs'), ...args], {
      env: { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: dir },
      encoding: 'utf8',
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  beforeAll(() => {
    if (!existsSync(`${BUNDLE}.cache`)) throw new Error('dist/credential-process.cjs(.cache) missing: run `npm run build` first');
    dir = mkdtempSync(join(tmpdir(), 'rapki-bin-'));
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'dist'));
    copyFileSync(join(ROOT, 'bin/rapki.cjs'), join(dir, 'bin/rapki.cjs'));
    copyFileSync(BUNDLE, join(dir, 'dist/credential-process.cjs'));
    // The failure reporter sits next to the bundle (loaded only when the command fails).
    copyFileSync(join(ROOT, 'dist/report.cjs'), join(dir, 'dist/report.cjs'));
    cache = readFileSync(`${BUNDLE}.cache`);
    const src = readFileSync(BUNDLE, 'utf8');
    key = /\/\/# rapkiCodeCacheKey=([0-9a-f]{64})\s*$/.exec(src)?.[1] ?? '';
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the build keys the cache to the bundle it belongs to', () => {
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(cache.subarray(0, 65).toString('latin1')).toBe(`${key}\n`);
    expect(cache.length).toBeGreaterThan(1000);
    // The --no-cache variant holds the CreateSession code too, so it is the larger one.
    const nocache = readFileSync(`${BUNDLE}.nocache.cache`);
    expect(nocache.subarray(0, 65).toString('latin1')).toBe(`${key}\n`);
    expect(nocache.length).toBeGreaterThan(cache.length);
  });

  it("the build's cache is accepted by V8 for the bundle as bin/rapki.cjs reads it (latin1: the bundle must be pure ASCII)", () => {
    const bytes = readFileSync(BUNDLE);
    // A non-ASCII byte (a comment esbuild kept) makes the latin1 text bin/rapki.cjs compiles differ
    // from the UTF-8 text the build cached: V8 then refuses every cache and each call compiles.
    expect(bytes.findIndex((b) => b > 0x7f)).toBe(-1);
    const probe = spawnSync(
      process.execPath,
      [
        '-e',
        `
      const fs = require('fs'), vm = require('vm');
      const src = fs.readFileSync(${JSON.stringify(BUNDLE)}, 'latin1');
      const s = new vm.Script('(function (exports, require, module, __filename, __dirname) { ' + src + '\\n});',
        { filename: 'x', cachedData: fs.readFileSync(${JSON.stringify(`${BUNDLE}.cache`)}).subarray(65), importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
      process.stdout.write(String(s.cachedDataRejected));`,
      ],
      { encoding: 'utf8' },
    );
    expect(probe.stdout).toBe('false');
  });

  const variants: Array<[string, () => Buffer | undefined]> = [
    ["the build's cache", () => cache],
    ['no cache', () => undefined],
    ['a cache keyed to another build', () => Buffer.concat([Buffer.from(`${'0'.repeat(64)}\n`), cache.subarray(65)])],
    ['a corrupt cache with the right key', () => Buffer.concat([Buffer.from(`${key}\n`), Buffer.alloc(5000, 7)])],
  ];
  it.each(variants)('with %s: the same coded answers', (_name, make) => {
    const c = make();
    for (const name of ['credential-process.cjs.cache', 'credential-process.cjs.nocache.cache']) {
      rmSync(join(dir, 'dist', name), { force: true });
      if (c) writeFileSync(join(dir, 'dist', name), c);
    }
    const bad = run(['credential-process', '--no-such-flag']);
    expect(bad).toEqual({ code: 1, out: '', err: expect.stringMatching(/^rapki: flag_unknown: unknown flag --no-such-flag for credential-process/) });
    const missing = run(['credential-process', '--certificate', join(dir, 'nope.pem'), '--trust-anchor-arn', 'x']);
    expect(missing.code).toBe(1);
    expect(missing.out).toBe('');
    expect(missing.err).toMatch(/^rapki: flag_missing: /);
    const noCache = run(['credential-process', '--no-cache', '--certificate', join(dir, 'nope.pem'), '--trust-anchor-arn', 'x']);
    expect(noCache).toEqual({ ...missing, out: '' });
  });

  it('says how to build when the bundle is missing', () => {
    rmSync(join(dir, 'dist/credential-process.cjs'));
    const r = run(['credential-process', '--certificate', 'x']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('rapki: the CLI is not built yet; run `npm run build` in the package directory\n');
  });
});
