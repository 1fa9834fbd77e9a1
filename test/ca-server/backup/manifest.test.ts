/**
 * `backup.json` is read from a directory restore must not trust: {@link parseManifest} accepts a
 * well-formed manifest and answers anything else with `backup_manifest_invalid`, never another
 * exception; paths that could leave the target directory are refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSafeRelativePath, parseManifest } from '../../../ca-server/src/backup/manifest.js';

const H = 'a'.repeat(64);
const good = {
  format: 'rapki-ca-backup',
  version: 2,
  createdAt: '2026-01-02T03:04:05.000Z',
  source: '/var/lib/rapki/ca',
  fingerprint: H,
  passphraseIncluded: false,
  database: { certificates: 3, crlNumber: 2, crls: [{ issuerId: 'x', number: 2 }], auditRecords: 9, auditHead: H, auditVerified: true },
  files: [
    { path: 'ca.db', size: 10, sha256: H },
    { path: 'ca.json', size: 5, sha256: H },
    { path: 'rotation/state.json', size: 5, sha256: H },
  ],
};

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (err) {
    return String((err as { code?: unknown }).code);
  }
}

describe('parseManifest', () => {
  it('accepts a well-formed manifest', () => {
    expect(parseManifest(JSON.stringify(good)).files).toHaveLength(3);
  });

  it.each([
    ['a parent path', { files: [...good.files, { path: '../x', size: 1, sha256: H }] }],
    ['an absolute path', { files: [...good.files, { path: '/etc/passwd', size: 1, sha256: H }] }],
    ['a backslash path', { files: [...good.files, { path: 'a\\..\\b', size: 1, sha256: H }] }],
    ['a duplicate path', { files: [...good.files, { path: 'ca.json', size: 1, sha256: H }] }],
    ['no database file', { files: good.files.filter((f) => f.path !== 'ca.db') }],
    ['a bad hash', { files: [{ ...good.files[0]!, sha256: 'A'.repeat(64) }, ...good.files.slice(1)] }],
    ['a negative size', { files: [{ ...good.files[0]!, size: -1 }, ...good.files.slice(1)] }],
    ['another format', { format: 'tar' }],
    ['a future version', { version: 3 }],
    ['a bad audit head', { database: { ...good.database, auditHead: 'x' } }],
  ])('refuses %s', (_name, patch) => {
    expect(codeOf(() => parseManifest(JSON.stringify({ ...good, ...patch })))).toBe('backup_manifest_invalid');
  });

  it('answers any JSON value or text with the manifest or backup_manifest_invalid, nothing else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify({ ...good, [Object.keys(good)[Math.abs(JSON.stringify(v).length) % 8]!]: v })),
        ),
        (text) => {
          const c = codeOf(() => parseManifest(text));
          expect(['ok', 'backup_manifest_invalid']).toContain(c);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never calls a path safe that could leave the directory', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', '.', '..', '/', '\\', 'b.c', ''), { maxLength: 8 }).map((a) => a.join('')),
        (p) => {
          if (!isSafeRelativePath(p)) return;
          expect(p.startsWith('/')).toBe(false);
          expect(p.split('/')).not.toContain('..');
          expect(p).not.toContain('\\');
        },
      ),
      { numRuns: 3000 },
    );
  });
});
