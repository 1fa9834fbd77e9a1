import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyFileModeWarning, privateKeyFileOf, type KeyLoadWarning } from '../../../signer/src/keys/key-file-mode.js';
import { loadKeySigner } from '../../../signer/src/keys/load-key-signer.js';
import { genKey, issueCert, makeTempDir, removeTempDir } from '../../support/openssl.js';

describe('keyFileModeWarning', () => {
  it('reports group or other read bits, not owner-only modes, and nothing on Windows', () => {
    expect(keyFileModeWarning('/k', 0o100600, 'linux')).toBeUndefined();
    expect(keyFileModeWarning('/k', 0o100400, 'linux')).toBeUndefined();
    expect(keyFileModeWarning('/k', 0o100620, 'linux')).toBeUndefined(); // group-writable but not readable
    expect(keyFileModeWarning('/k', 0o100640, 'linux')).toMatchObject({ code: 'key_file_readable_by_others', mode: 0o640 });
    expect(keyFileModeWarning('/k', 0o100604, 'linux')?.message).toBe('private key /k is readable by group/others (mode 0604); chmod 600 /k');
    expect(keyFileModeWarning('/k', 0o100644, 'win32')).toBeUndefined();
  });

  it('the key file is --private-key, else the certificate file; pkcs11: URIs have none', () => {
    expect(privateKeyFileOf({ certificate: 'c.pem', privateKey: 'k.pem' })).toBe('k.pem');
    expect(privateKeyFileOf({ certificate: 'bundle.p12' })).toBe('bundle.p12');
    expect(privateKeyFileOf({ certificate: 'c.pem', privateKey: 'pkcs11:object=k' })).toBeUndefined();
  });
});

describe('loadKeySigner reports a readable key file through onWarning', () => {
  let dir: string;
  let cert: string;
  let key: string;
  beforeAll(async () => {
    dir = await makeTempDir('rapki-keymode-');
    key = await genKey(dir, 'leaf.key', 'ec:P-256');
    cert = await issueCert(dir, 'leaf', key, { days: 2 });
  }, 30_000);
  afterAll(async () => {
    if (dir) await removeTempDir(dir);
  });

  it('0644 key: loads and reports once; 0600: nothing; the certificate file mode is not checked', async () => {
    chmodSync(cert, 0o644);
    chmodSync(key, 0o644);
    const seen: KeyLoadWarning[] = [];
    const signer = await loadKeySigner({ certificate: cert, privateKey: key, onWarning: (w) => seen.push(w) });
    expect(signer.algorithm).toBe('AWS4-X509-ECDSA-SHA256');
    expect(seen).toEqual([expect.objectContaining({ code: 'key_file_readable_by_others', path: key, mode: 0o644 })]);

    chmodSync(key, 0o600);
    seen.length = 0;
    await loadKeySigner({ certificate: cert, privateKey: key, onWarning: (w) => seen.push(w) });
    expect(seen).toEqual([]);
  });

  it('a combined PEM (key in the --certificate file) is checked', async () => {
    const { readFileSync } = await import('node:fs');
    const combo = join(dir, 'combo.pem');
    writeFileSync(combo, readFileSync(cert, 'utf8') + readFileSync(key, 'utf8'));
    chmodSync(combo, 0o644);
    const seen: KeyLoadWarning[] = [];
    await loadKeySigner({ certificate: combo, onWarning: (w) => seen.push(w) });
    expect(seen.map((w) => w.path)).toEqual([combo]);
  });
});
