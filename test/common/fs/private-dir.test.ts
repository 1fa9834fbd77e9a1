import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makePrivateDirSync } from '../../../common/src/fs/private-dir.js';

describe('makePrivateDirSync', () => {
  let tmp: string;
  let umask: number;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'rapki-private-dir-'));
    umask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('creates missing parents and leaves the directory 0700', () => {
    const dir = join(tmp, 'a', 'b');
    makePrivateDirSync(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('tightens a directory that already exists with a wider mode', () => {
    const dir = join(tmp, 'open');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    makePrivateDirSync(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});
