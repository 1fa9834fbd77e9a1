/** sign-string payload rebuilt here from openssl's view of the public key, and signatures verified. */
import { createHash, verify, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeySigner } from '../../signer/src/keys/load-key-signer.js';
import { signString, signStringPayload } from '../../signer/src/sign-string.js';
import type { KeySigner } from '../../signer/src/types.js';
import { genKey, issueCert, makeTempDir, openssl, removeTempDir } from '../support/openssl.js';

let dir: string;
const certs: Record<string, string> = {};
const keys: Record<string, string> = {};
beforeAll(async () => {
  dir = await makeTempDir();
  for (const [name, spec] of [
    ['rsa', 'rsa:2048'],
    ['p384', 'ec:P-384'],
  ] as const) {
    keys[name] = await genKey(dir, `${name}.key`, spec);
    certs[name] = await issueCert(dir, name, keys[name]!);
  }
});
afterAll(() => removeTempDir(dir));

/** Public key bytes as openssl exports them: PKCS#1 RSAPublicKey, or the uncompressed EC point. */
async function opensslPubBytes(name: string): Promise<Buffer> {
  const out = join(dir, `${name}.pub.der`);
  if (name === 'rsa') {
    await openssl(['rsa', '-in', keys[name]!, '-RSAPublicKey_out', '-outform', 'DER', '-out', out]);
    return readFile(out);
  }
  await openssl(['ec', '-in', keys[name]!, '-pubout', '-outform', 'DER', '-conv_form', 'uncompressed', '-out', out]);
  const spki = await readFile(out);
  return spki.subarray(spki.length - 97); // P-384 point: 04 || 48-byte X || 48-byte Y at the end of the SPKI
}

describe('sign-string', () => {
  for (const name of ['rsa', 'p384']) {
    it(`builds the official payload for ${name}`, async () => {
      const der = new X509Certificate(await readFile(certs[name]!)).raw;
      const expected = Buffer.concat([
        Buffer.from('AWS Roles Anywhere Credential Helper Signing Test1'),
        createHash('sha256')
          .update('IAM RA')
          .update(await opensslPubBytes(name))
          .digest(),
      ]);
      expect(signStringPayload(der).equals(expected)).toBe(true);
    });

    it(`signs it with SHA-256/384/512 (${name})`, async () => {
      const signer = await loadKeySigner({ certificate: certs[name]!, privateKey: keys[name]! });
      const payload = signStringPayload(signer.certificate);
      const pub = new X509Certificate(Buffer.from(signer.certificate)).publicKey;
      for (const d of ['sha256', 'sha384', 'sha512'] as const) {
        expect(verify(d, payload, pub, await signString(signer, d))).toBe(true);
      }
    });
  }

  it('refuses SHA-384 when the key source signs with SHA-256 only', async () => {
    const full = await loadKeySigner({ certificate: certs['rsa']!, privateKey: keys['rsa']! });
    const limited: KeySigner = { certificate: full.certificate, chain: [], algorithm: full.algorithm, sign: (d) => full.sign(d) };
    await expect(signString(limited, 'sha384')).rejects.toMatchObject({ code: 'unsupported_digest' });
    expect((await signString(limited)).length).toBe(256);
  });
});
