import { describe, expect, it } from 'vitest';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { CA_KEY_TYPES, caSignerFromPrivateKey, generateCaKey } from '../../../ca-server/src/keys/index.js';

describe('generateCaKey + caSignerFromPrivateKey', () => {
  it('makes every CA key type with the right algorithm, SPKI and DER signatures', async () => {
    const expected = {
      'ec-p256': ['ecdsa-with-SHA256', 'sha256', 'prime256v1'],
      'ec-p384': ['ecdsa-with-SHA384', 'sha384', 'secp384r1'],
      'rsa-3072': ['sha256WithRSAEncryption', 'sha256', 3072],
      'rsa-4096': ['sha256WithRSAEncryption', 'sha256', 4096],
    } as const;
    expect([...CA_KEY_TYPES]).toEqual(Object.keys(expected));
    for (const type of ['ec-p256', 'ec-p384', 'rsa-3072'] as const) {
      const { privateKey, publicKey } = await generateCaKey(type);
      const [alg, hash, detail] = expected[type];
      const d = privateKey.asymmetricKeyDetails!;
      expect(type.startsWith('ec') ? d.namedCurve : d.modulusLength).toBe(detail);
      const signer = caSignerFromPrivateKey(privateKey);
      expect(signer.keyType).toBe(type);
      expect(signer.signatureAlgorithm).toBe(alg);
      expect(Buffer.from(signer.publicKeySpki).equals(publicKey.export({ format: 'der', type: 'spki' }))).toBe(true);
      const data = Buffer.from('to be signed');
      const sig = await signer.sign(data);
      if (type.startsWith('ec')) expect(sig[0]).toBe(0x30); // DER Ecdsa-Sig-Value, not P1363
      expect(verify(hash, data, { key: createPublicKey(privateKey), dsaEncoding: 'der' }, sig)).toBe(true);
      expect(verify(hash, Buffer.from('other'), { key: publicKey, dsaEncoding: 'der' }, sig)).toBe(false);
    }
  }, 30_000);

  it('refuses keys a CA may not use', () => {
    for (const kp of [
      generateKeyPairSync('ec', { namedCurve: 'P-521' }),
      generateKeyPairSync('ed25519'),
      generateKeyPairSync('rsa', { modulusLength: 2048 }),
    ]) {
      expect(() => caSignerFromPrivateKey(kp.privateKey)).toThrow(expect.objectContaining({ code: 'ca_key_unsupported' }));
    }
    expect(() => caSignerFromPrivateKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)).toThrow(TypeError);
    return expect(generateCaKey('dsa' as never)).rejects.toThrow(TypeError);
  });
});
