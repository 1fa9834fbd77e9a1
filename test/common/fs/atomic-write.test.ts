import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAtomicWriteTemp, writeFileAtomicSync, writeFilesAtomicSync, type AtomicWriteFs } from '../../../common/src/fs/atomic-write.js';

function withDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'rapki-atomic-'));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** node:fs, with every call that matters here recorded in order (fds resolved to the paths opened). */
function recordingFs(fail?: { call: keyof AtomicWriteFs; path?: RegExp; code: string }): { fs: AtomicWriteFs; log: string[] } {
  const log: string[] = [];
  const paths = new Map<number, string>();
  const failIf = (call: keyof AtomicWriteFs, path: string): void => {
    if (fail && fail.call === call && (!fail.path || fail.path.test(path))) throw Object.assign(new Error(`${call} failed`), { code: fail.code });
  };
  const rec: AtomicWriteFs = {
    openSync: ((p: fs.PathLike, flags: fs.OpenMode, mode?: fs.Mode) => {
      failIf('openSync', String(p));
      const fd = fs.openSync(p, flags, mode);
      paths.set(fd, String(p));
      log.push(`open ${String(p)}`);
      return fd;
    }) as typeof fs.openSync,
    writeSync: ((fd: number, ...rest: unknown[]) => {
      failIf('writeSync', paths.get(fd)!);
      return (fs.writeSync as (...a: unknown[]) => number)(fd, ...rest);
    }) as typeof fs.writeSync,
    fchmodSync: (fd, mode) => {
      log.push(`fchmod ${paths.get(fd)} ${Number(mode).toString(8)}`);
      fs.fchmodSync(fd, mode);
    },
    fsyncSync: (fd) => {
      failIf('fsyncSync', paths.get(fd)!);
      log.push(`fsync ${paths.get(fd)}`);
      fs.fsyncSync(fd);
    },
    closeSync: (fd) => fs.closeSync(fd),
    renameSync: (a, b) => {
      failIf('renameSync', String(b));
      log.push(`rename ${String(a)} -> ${String(b)}`);
      fs.renameSync(a, b);
    },
    rmSync: (p, o) => {
      log.push(`rm ${String(p)}`);
      fs.rmSync(p, o);
    },
  };
  return { fs: rec, log };
}

describe('writeFileAtomicSync', () => {
  it('writes with mode 0600, replaces atomically and leaves no temp files', () => {
    withDir((dir) => {
      const path = join(dir, 'ca.key');
      writeFileSync(path, 'old', { mode: 0o644 });
      chmodSync(path, 0o644);
      writeFileAtomicSync(path, 'secret');
      expect(readFileSync(path, 'utf8')).toBe('secret');
      expect(statSync(path).mode & 0o777).toBe(0o600);
      writeFileAtomicSync(path, Buffer.from([1, 2, 3]));
      expect([...readFileSync(path)]).toEqual([1, 2, 3]);
      expect(readdirSync(dir)).toEqual(['ca.key']);
      expect(() => writeFileAtomicSync(join(dir, 'missing', 'x'), 'y')).toThrow();
      expect(readdirSync(dir)).toEqual(['ca.key']);
    });
  });

  it('sets the exact mode asked for, whatever the umask', () => {
    withDir((dir) => {
      const old = process.umask(0o077);
      try {
        writeFileAtomicSync(join(dir, 'ca.pem'), 'public', { mode: 0o644 });
      } finally {
        process.umask(old);
      }
      expect(statSync(join(dir, 'ca.pem')).mode & 0o777).toBe(0o644);
    });
  });

  it('fsyncs the file before the rename and the directory after it', () => {
    withDir((dir) => {
      const { fs: rec, log } = recordingFs();
      const path = join(dir, 'state.json');
      writeFileAtomicSync(path, '{}', { fs: rec });
      const tmp = log[0]!.slice('open '.length);
      expect(isAtomicWriteTemp(tmp.slice(dir.length + 1), 'state.json')).toBe(true);
      expect(log).toEqual([`open ${tmp}`, `fchmod ${tmp} 600`, `fsync ${tmp}`, `rename ${tmp} -> ${path}`, `open ${dir}`, `fsync ${dir}`]);
    });
  });

  it('tolerates a file system that refuses fsync on directories, but not an I/O error there', () => {
    withDir((dir) => {
      const path = join(dir, 'a');
      writeFileAtomicSync(path, 'x', { fs: recordingFs({ call: 'fsyncSync', path: new RegExp(`^${dir}$`), code: 'EINVAL' }).fs });
      expect(readFileSync(path, 'utf8')).toBe('x');
      expect(() => writeFileAtomicSync(path, 'y', { fs: recordingFs({ call: 'fsyncSync', path: new RegExp(`^${dir}$`), code: 'EIO' }).fs })).toThrow(
        /fsyncSync failed/,
      );
      expect(readFileSync(path, 'utf8')).toBe('y'); // the rename happened; only durability is in doubt
    });
  });

  it('removes the temporary file when the write or the fsync fails, and leaves the target alone', () => {
    withDir((dir) => {
      const path = join(dir, 'cfg');
      writeFileSync(path, 'old');
      for (const call of ['writeSync', 'fsyncSync', 'renameSync'] as const) {
        const { fs: rec } = recordingFs({ call, path: /\.tmp$|cfg$/, code: 'ENOSPC' });
        expect(() => writeFileAtomicSync(path, 'new', { fs: rec }), call).toThrow(`${call} failed`);
        expect(readFileSync(path, 'utf8'), call).toBe('old');
        expect(readdirSync(dir), call).toEqual(['cfg']);
      }
    });
  });

  it('never follows a symlink planted at a temporary name: the name is taken, another is tried', () => {
    withDir((dir) => {
      const { fs: rec, log } = recordingFs();
      // Plant a symlink at the next name by pre-creating on the first open attempt.
      let planted = false;
      const planting: AtomicWriteFs = {
        ...rec,
        openSync: ((p: fs.PathLike, flags: fs.OpenMode, mode?: fs.Mode) => {
          if (!planted && String(p).endsWith('.tmp')) {
            planted = true;
            symlinkSync(join(dir, 'victim'), String(p));
          }
          return rec.openSync(p, flags, mode);
        }) as typeof fs.openSync,
      };
      writeFileAtomicSync(join(dir, 'out'), 'data', { fs: planting });
      expect(readFileSync(join(dir, 'out'), 'utf8')).toBe('data');
      expect(readdirSync(dir)).not.toContain('victim');
      expect(log.filter((l) => l.startsWith('open') && l.endsWith('.tmp'))).toHaveLength(1);
    });
  });
});

describe('writeFilesAtomicSync', () => {
  it('writes every temporary file first, renames in the given order, then syncs each directory once', () => {
    withDir((dir) => {
      fs.mkdirSync(join(dir, 'sub'));
      const { fs: rec, log } = recordingFs();
      const files = [
        { path: join(dir, 'key.pem'), content: 'KEY', mode: 0o600 },
        { path: join(dir, 'sub', 'chain.pem'), content: 'CHAIN', mode: 0o644 },
        { path: join(dir, 'cert.pem'), content: 'CERT', mode: 0o644 },
      ];
      writeFilesAtomicSync(files, rec);
      const renames = log.filter((l) => l.startsWith('rename')).map((l) => l.split(' -> ')[1]);
      expect(renames).toEqual(files.map((f) => f.path));
      const firstRename = log.findIndex((l) => l.startsWith('rename'));
      expect(log.slice(0, firstRename).filter((l) => l.startsWith('fsync'))).toHaveLength(3);
      expect(log.slice(firstRename).filter((l) => l.startsWith('fsync'))).toEqual([`fsync ${dir}`, `fsync ${join(dir, 'sub')}`]);
      expect(statSync(files[0]!.path).mode & 0o777).toBe(0o600);
      expect(statSync(files[1]!.path).mode & 0o777).toBe(0o644);
    });
  });

  it('leaves every target untouched and no temporary file when a later file cannot be written', () => {
    withDir((dir) => {
      writeFileSync(join(dir, 'cert.pem'), 'OLD');
      expect(() =>
        writeFilesAtomicSync([
          { path: join(dir, 'cert.pem'), content: 'NEW', mode: 0o644 },
          { path: join(dir, 'missing-dir', 'x'), content: 'X', mode: 0o644 },
        ]),
      ).toThrow();
      expect(readFileSync(join(dir, 'cert.pem'), 'utf8')).toBe('OLD');
      expect(readdirSync(dir)).toEqual(['cert.pem']);
    });
  });

  it('removes the temporaries not yet renamed when a rename fails', () => {
    withDir((dir) => {
      const { fs: rec } = recordingFs({ call: 'renameSync', path: /b$/, code: 'EXDEV' });
      expect(() =>
        writeFilesAtomicSync(
          [
            { path: join(dir, 'a'), content: '1' },
            { path: join(dir, 'b'), content: '2' },
            { path: join(dir, 'c'), content: '3' },
          ],
          rec,
        ),
      ).toThrow('renameSync failed');
      expect(readdirSync(dir).sort()).toEqual(['a']);
    });
  });
});
