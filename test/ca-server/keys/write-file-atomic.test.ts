import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic0600 } from '../../../ca-server/src/keys/index.js';

describe('writeFileAtomic0600', () => {
  it('writes with mode 0600, replaces atomically and leaves no temp files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapki-atomic-'));
    try {
      const path = join(dir, 'ca.key');
      writeFileSync(path, 'old', { mode: 0o644 });
      chmodSync(path, 0o644);
      writeFileAtomic0600(path, 'secret');
      expect(readFileSync(path, 'utf8')).toBe('secret');
      expect(statSync(path).mode & 0o777).toBe(0o600);
      writeFileAtomic0600(path, Buffer.from([1, 2, 3]));
      expect([...readFileSync(path)]).toEqual([1, 2, 3]);
      expect(readdirSync(dir)).toEqual(['ca.key']);
      expect(() => writeFileAtomic0600(join(dir, 'missing', 'x'), 'y')).toThrow();
      expect(readdirSync(dir)).toEqual(['ca.key']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
