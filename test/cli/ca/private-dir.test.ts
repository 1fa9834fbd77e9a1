import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFilesAtomicSync } from '../../../common/src/fs/atomic-write.js';
import { ensurePrivateDir } from '../../../cli/src/ca-client/private-dir.js';
import { makeTempDir, removeTempDir } from '../../support/openssl.js';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('rapki-atomic-');
});
afterAll(() => removeTempDir(dir));

describe('ensurePrivateDir and the host files written into it', () => {
  it('writes every file with its exact mode and leaves no temporaries', async () => {
    const out = join(dir, 'a');
    await ensurePrivateDir(out);
    writeFilesAtomicSync([
      { path: join(out, 'key.pem'), content: 'KEY', mode: 0o600 },
      { path: join(out, 'cert.pem'), content: 'CERT', mode: 0o644 },
    ]);
    expect((await stat(out)).mode & 0o777).toBe(0o700);
    expect((await stat(join(out, 'key.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(out, 'cert.pem'))).mode & 0o777).toBe(0o644);
    expect((await readdir(out)).sort()).toEqual(['cert.pem', 'key.pem']);
  });

  it('replaces existing files and tightens a loose key mode', async () => {
    const out = join(dir, 'b');
    await mkdir(out, { mode: 0o755 });
    await writeFile(join(out, 'key.pem'), 'OLD', { mode: 0o644 });
    expect(await ensurePrivateDir(out, ['key.pem'])).toBe('tightened');
    writeFilesAtomicSync([{ path: join(out, 'key.pem'), content: 'NEW', mode: 0o600 }]);
    expect(await readFile(join(out, 'key.pem'), 'utf8')).toBe('NEW');
    expect((await stat(join(out, 'key.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(out)).mode & 0o777).toBe(0o700);
  });

  it('leaves a shared directory with other files alone', async () => {
    const out = join(dir, 'shared');
    await mkdir(out, { mode: 0o755 });
    await chmod(out, 0o755);
    await writeFile(join(out, 'unrelated.conf'), 'x');
    expect(await ensurePrivateDir(out, ['key.pem'])).toBe('shared');
    expect((await stat(out)).mode & 0o777).toBe(0o755);
    expect(await ensurePrivateDir(join(dir, 'fresh', 'nested'))).toBe('created');
    expect((await stat(join(dir, 'fresh', 'nested'))).mode & 0o777).toBe(0o700);
    await chmod(join(dir, 'fresh', 'nested'), 0o700);
    expect(await ensurePrivateDir(join(dir, 'fresh', 'nested'))).toBe('private');
  });

  it('keeps the old files untouched when one new file cannot be written', async () => {
    const out = join(dir, 'c');
    await ensurePrivateDir(out);
    await writeFile(join(out, 'cert.pem'), 'OLD');
    const ro = join(out, 'ro');
    await mkdir(ro);
    await chmod(ro, 0o500);
    const asRoot = process.getuid?.() === 0;
    expect(() =>
      writeFilesAtomicSync([
        { path: join(out, 'cert.pem'), content: 'NEW', mode: 0o644 },
        { path: asRoot ? join(out, 'missing-dir', 'x') : join(ro, 'x'), content: 'X', mode: 0o644 },
      ]),
    ).toThrow();
    expect(await readFile(join(out, 'cert.pem'), 'utf8')).toBe('OLD');
    expect((await readdir(out)).sort()).toEqual(['cert.pem', 'ro']);
  });
});
