/**
 * A renewal swaps key and certificate with two renames; a reader between them sees a pair that does
 * not match. loadKeySigner reads both again once before reporting key_certificate_mismatch.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeySigner, MISMATCH_REREAD_DELAY_MS } from '../../../signer/src/keys/load-key-signer.js';
import type { KeyFileIo } from '../../../signer/src/keys/read-input.js';
import { genKey, issueCert, makePki, makeTempDir, removeTempDir } from '../../support/openssl.js';

let dir: string;
const files: Record<string, Buffer> = {};

beforeAll(async () => {
  dir = await makeTempDir();
  const pki = await makePki(dir, 1);
  for (const name of ['old', 'new']) {
    const key = await genKey(dir, `${name}.key`, 'ec:P-256');
    const cert = await issueCert(dir, name, key, { issuer: pki.issuer });
    files[`${name}.key`] = await readFile(key);
    files[`${name}.pem`] = await readFile(cert);
  }
});
afterAll(async () => {
  if (dir) await removeTempDir(dir);
});

/** An io whose answers change per read: `plan[path]` is the list of file names to serve, in order. */
function scriptedIo(plan: Record<string, string[]>): KeyFileIo & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    readFile: async (path) => {
      reads.push(path);
      const seq = plan[path]!;
      const name = seq.length > 1 ? seq.shift()! : seq[0]!;
      return files[name]!;
    },
  };
}

describe('loadKeySigner during a key/certificate swap', () => {
  it('a mismatching pair read mid-swap is read again and the consistent new pair is used', async () => {
    // Certificate read before its rename (old), key after its rename (new); then both new.
    const io = scriptedIo({ '/c.pem': ['old.pem', 'new.pem'], '/k.pem': ['new.key'] });
    const started = Date.now();
    const signer = await loadKeySigner({ certificate: '/c.pem', privateKey: '/k.pem' }, io);
    expect(Date.now() - started).toBeGreaterThanOrEqual(MISMATCH_REREAD_DELAY_MS - 5);
    expect(Buffer.from(signer.certificate).equals(Buffer.from(new (await import('node:crypto')).X509Certificate(files['new.pem']!).raw))).toBe(true);
    expect(io.reads).toEqual(['/c.pem', '/k.pem', '/c.pem', '/k.pem']);
  });

  it('a real mismatch still fails, after exactly one re-read', async () => {
    const io = scriptedIo({ '/c.pem': ['old.pem'], '/k.pem': ['new.key'] });
    await expect(loadKeySigner({ certificate: '/c.pem', privateKey: '/k.pem' }, io)).rejects.toMatchObject({ code: 'key_certificate_mismatch' });
    expect(io.reads).toEqual(['/c.pem', '/k.pem', '/c.pem', '/k.pem']);
  });

  it('other errors are not retried', async () => {
    const io: KeyFileIo & { n: number } = {
      n: 0,
      readFile: async () => {
        io.n += 1;
        throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      },
    };
    await expect(loadKeySigner({ certificate: '/c.pem', privateKey: '/k.pem' }, io)).rejects.toMatchObject({ code: 'file_not_found' });
    expect(io.n).toBe(1);
  });
});
