import { createHash, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Fingerprint } from '../../../common/src/x509/fingerprint.js';
import { TestPki } from '../../signer/session/test-pki.js';
import { makeTempDir, removeTempDir } from '../../support/openssl.js';

describe('sha256Fingerprint', () => {
  it('fingerprints with lower-case SHA-256 hex', () => {
    expect(sha256Fingerprint(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('is what node:crypto reports for a certificate (colons removed, lower case)', async () => {
    const dir = await makeTempDir('rapki-fp-');
    try {
      const pki = new TestPki(dir);
      const der = new X509Certificate(pki.rootPem()).raw;
      expect(sha256Fingerprint(der)).toBe(new X509Certificate(der).fingerprint256.replace(/:/g, '').toLowerCase());
    } finally {
      await removeTempDir(dir);
    }
  });

  it('hashes text as UTF-8 (the CRL sync records the digest of the PEM text)', () => {
    expect(sha256Fingerprint('é')).toBe(createHash('sha256').update(Buffer.from('é', 'utf8')).digest('hex'));
  });
});
