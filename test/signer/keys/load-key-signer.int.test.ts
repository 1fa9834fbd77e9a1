/**
 * Every key source and every refusal of loadKeySigner, with inputs made by openssl at test time.
 * Signatures are checked with node:crypto verify against the certificate's public key, and RSA
 * signatures byte-for-byte against `openssl dgst -sign`.
 */
import { verify, X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNER_ERROR_CODES } from '../../../signer/src/errors.js';
import { keySignerFromPem } from '../../../signer/src/keys/key-signer-from-pem.js';
import { loadKeySigner } from '../../../signer/src/keys/load-key-signer.js';
import type { KeySigner, KeySourceOptions } from '../../../signer/src/types.js';
import { certDer, genKey, issueCert, makePki, makeTempDir, openssl, removeTempDir, type TestPki } from '../../support/openssl.js';

let dir: string;
let pki: TestPki;
const f: Record<string, string> = {};
const p = (name: string): string => join(dir, name);
const PASSWORD = 'corr3ct horse';

beforeAll(async () => {
  dir = await makeTempDir();
  pki = await makePki(dir, 1);
  const issuer = pki.issuer;
  f.rsaKey = await genKey(dir, 'rsa.key', 'rsa:2048');
  f.rsaCert = await issueCert(dir, 'rsa', f.rsaKey, { issuer });
  f.ecKey = await genKey(dir, 'ec.key', 'ec:P-256');
  f.ecCert = await issueCert(dir, 'ec', f.ecKey, { issuer });
  f.p384Key = await genKey(dir, 'p384.key', 'ec:P-384');
  f.p384Cert = await issueCert(dir, 'p384', f.p384Key, { issuer });
  // SEC1 with an EC PARAMETERS block in front (what `openssl ecparam -genkey` writes).
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-out', p('sec1.key')]);
  f.sec1Key = p('sec1.key');
  f.sec1Cert = await issueCert(dir, 'sec1', f.sec1Key, { issuer });
  await openssl(['pkey', '-in', f.rsaKey, '-traditional', '-out', p('pkcs1.key')]);
  f.pkcs1Key = p('pkcs1.key');
  await openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', f.ecKey, '-passout', `pass:${PASSWORD}`, '-out', p('enc-aes.key')]);
  await openssl([
    'pkcs8',
    '-topk8',
    '-v2',
    'aes-128-cbc',
    '-v2prf',
    'hmacWithSHA1',
    '-in',
    f.rsaKey,
    '-passout',
    `pass:${PASSWORD}`,
    '-out',
    p('enc-sha1prf.key'),
  ]);
  await openssl(['pkcs8', '-topk8', '-scrypt', '-in', f.ecKey, '-passout', `pass:${PASSWORD}`, '-out', p('enc-scrypt.key')]);
  await openssl(['rsa', '-in', f.rsaKey, '-aes256', '-traditional', '-passout', 'pass:x', '-out', p('legacy.key')]);
  await writeFile(p('combo.pem'), `Bag Attributes: free text\n${await readFile(f.ecCert, 'utf8')}\nsome comment\n${await readFile(f.ecKey, 'utf8')}`);
  await writeFile(p('ec.der'), await certDer(dir, f.ecCert));
  // PKCS#12: leaf + intermediate + root; several protections.
  const chainPem = p('chain-and-root.pem');
  await writeFile(chainPem, (await readFile(pki.intermediates[0]!.cert, 'utf8')) + (await readFile(pki.root.cert, 'utf8')));
  const p12 = (out: string, key: string, cert: string, extra: string[]): Promise<string> =>
    openssl(['pkcs12', '-export', '-inkey', key, '-in', cert, '-certfile', chainPem, '-out', p(out), ...extra]);
  await Promise.all([
    p12('ec.p12', f.ecKey, f.ecCert, ['-passout', `pass:${PASSWORD}`]),
    p12('rsa.p12', f.rsaKey, f.rsaCert, ['-passout', `pass:${PASSWORD}`]),
    p12('ec-empty.p12', f.ecKey, f.ecCert, ['-passout', 'pass:']),
    p12('ec-plain.p12', f.ecKey, f.ecCert, ['-nomac', '-keypbe', 'NONE', '-certpbe', 'NONE', '-passout', 'pass:']),
    p12('ec-legacy.p12', f.ecKey, f.ecCert, ['-legacy', '-passout', `pass:${PASSWORD}`]),
    p12('rsa-legacy.p12', f.rsaKey, f.rsaCert, ['-legacy', '-passout', 'pass:']),
  ]);
  for (const spec of ['ed25519', 'ed448', 'dsa', 'rsa:1024', 'ec:secp256k1', 'rsa-pss'] as const) {
    f[spec] = await genKey(dir, `${spec.replace(':', '-')}.key`, spec);
  }
});
afterAll(() => removeTempDir(dir));

async function expectVerifies(signer: KeySigner, certPath: string): Promise<void> {
  const data = Buffer.from('AWS4-X509 test string to sign\n');
  const sig = await signer.sign(data);
  const pub = new X509Certificate(await readFile(certPath)).publicKey;
  expect(verify('sha256', data, pub, sig)).toBe(true);
  expect(verify('sha256', Buffer.from('other'), pub, sig)).toBe(false);
  expect(Buffer.from(signer.certificate).equals(await certDer(dir, certPath))).toBe(true);
}

async function expectCode(opts: KeySourceOptions, code: keyof typeof SIGNER_ERROR_CODES): Promise<Error> {
  const err = (await loadKeySigner(opts).then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  )) as Error & { code?: string };
  expect(err.code, err.message).toBe(code);
  expect(SIGNER_ERROR_CODES[code]).toBeTruthy();
  return err;
}

describe('loadKeySigner: accepted sources', () => {
  it('PKCS#8 RSA key: deterministic signature equals openssl dgst -sign', async () => {
    const signer = await loadKeySigner({ certificate: f.rsaCert!, privateKey: f.rsaKey! });
    expect(signer.algorithm).toBe('AWS4-X509-RSA-SHA256');
    await expectVerifies(signer, f.rsaCert!);
    const data = p('data.bin');
    await writeFile(data, 'deterministic');
    await openssl(['dgst', '-sha256', '-sign', f.rsaKey!, '-out', p('data.sig'), data]);
    expect(Buffer.from(await signer.sign(Buffer.from('deterministic'))).equals(await readFile(p('data.sig')))).toBe(true);
  });

  it('PKCS#1 "RSA PRIVATE KEY"', async () => {
    expect(await readFile(f.pkcs1Key!, 'utf8')).toContain('BEGIN RSA PRIVATE KEY');
    await expectVerifies(await loadKeySigner({ certificate: f.rsaCert!, privateKey: f.pkcs1Key! }), f.rsaCert!);
  });

  it('SEC1 "EC PRIVATE KEY" after an EC PARAMETERS block', async () => {
    expect(await readFile(f.sec1Key!, 'utf8')).toContain('BEGIN EC PARAMETERS');
    const signer = await loadKeySigner({ certificate: f.sec1Cert!, privateKey: f.sec1Key! });
    expect(signer.algorithm).toBe('AWS4-X509-ECDSA-SHA256');
    await expectVerifies(signer, f.sec1Cert!);
  });

  it('PKCS#8 P-384 signs with SHA-256 (not SHA-384)', async () => {
    const signer = await loadKeySigner({ certificate: f.p384Cert!, privateKey: f.p384Key! });
    const data = Buffer.from('x');
    const sig = await signer.sign(data);
    const pub = new X509Certificate(await readFile(f.p384Cert!)).publicKey;
    expect(verify('sha256', data, pub, sig)).toBe(true);
    expect(verify('sha384', data, pub, sig)).toBe(false);
    expect(sig[0]).toBe(0x30); // DER SEQUENCE, not raw r||s
  });

  for (const name of ['enc-aes.key', 'enc-scrypt.key']) {
    it(`encrypted PKCS#8 (${name}) with the right password`, async () => {
      await expectVerifies(await loadKeySigner({ certificate: f.ecCert!, privateKey: p(name), pkcs8Password: PASSWORD }), f.ecCert!);
    });
  }
  it('encrypted PKCS#8 with the default HMAC-SHA1 PRF (ACM export style)', async () => {
    await expectVerifies(await loadKeySigner({ certificate: f.rsaCert!, privateKey: p('enc-sha1prf.key'), pkcs8Password: PASSWORD }), f.rsaCert!);
  });

  it('certificate and key in one PEM file with free text around the blocks', async () => {
    await expectVerifies(await loadKeySigner({ certificate: p('combo.pem') }), f.ecCert!);
  });

  it('DER certificate next to a PEM key', async () => {
    await expectVerifies(await loadKeySigner({ certificate: p('ec.der'), privateKey: f.ecKey! }), f.ecCert!);
  });

  it('PEM intermediates become the chain, in order', async () => {
    const signer = await loadKeySigner({ certificate: f.ecCert!, privateKey: f.ecKey!, intermediates: pki.intermediates[0]!.cert });
    expect(signer.chain.map((c) => Buffer.from(c).toString('base64'))).toEqual([(await certDer(dir, pki.intermediates[0]!.cert)).toString('base64')]);
  });

  const p12Cases: Array<[string, string, string | undefined]> = [
    ['ec.p12', 'OpenSSL 3 default (PBES2 AES-256-CBC, PBKDF2/HMAC-SHA256 MAC), EC', PASSWORD],
    ['rsa.p12', 'OpenSSL 3 default, RSA', PASSWORD],
    ['ec-empty.p12', 'empty password, given as none', undefined],
    ['ec-plain.p12', 'no encryption and no MAC', undefined],
    ['ec-legacy.p12', '-legacy (3DES/RC2-40, SHA-1 MAC), EC', PASSWORD],
    ['rsa-legacy.p12', '-legacy, RSA, empty password', undefined],
  ];
  for (const [file, what, pw] of p12Cases) {
    it(`PKCS#12 ${what}: leaf matches the key, chain = intermediates without the root`, async () => {
      const signer = await loadKeySigner({ certificate: p(file), pkcs8Password: pw });
      await expectVerifies(signer, file.startsWith('rsa') ? f.rsaCert! : f.ecCert!);
      expect(signer.chain).toHaveLength(1);
      expect(Buffer.from(signer.chain[0]!).equals(await certDer(dir, pki.intermediates[0]!.cert))).toBe(true);
    });
  }

  it('signWithDigest signs with SHA-384 and SHA-512 too', async () => {
    const signer = await loadKeySigner({ certificate: f.rsaCert!, privateKey: f.rsaKey! });
    const pub = new X509Certificate(await readFile(f.rsaCert!)).publicKey;
    for (const d of ['sha384', 'sha512'] as const) {
      const sig = await signer.signWithDigest!(Buffer.from('m'), d);
      expect(verify(d, Buffer.from('m'), pub, sig)).toBe(true);
    }
    await expect(signer.signWithDigest!(Buffer.from('m'), 'md5' as never)).rejects.toMatchObject({ code: 'unsupported_digest' });
  });

  it('reads files through the injected io', async () => {
    const files = new Map([
      ['/virtual/cert.pem', await readFile(f.ecCert!)],
      ['/virtual/key.pem', await readFile(f.ecKey!)],
    ]);
    const io = { readFile: async (path: string) => files.get(path) ?? Promise.reject(Object.assign(new Error('nope'), { code: 'ENOENT' })) };
    await expectVerifies(await loadKeySigner({ certificate: '/virtual/cert.pem', privateKey: '/virtual/key.pem' }, io), f.ecCert!);
  });

  it('keySignerFromPem works from strings', async () => {
    const signer = keySignerFromPem({
      certificatePem: await readFile(f.ecCert!, 'utf8'),
      privateKeyPem: await readFile(p('enc-aes.key'), 'utf8'),
      intermediatesPem: await readFile(pki.intermediates[0]!.cert, 'utf8'),
      password: PASSWORD,
    });
    await expectVerifies(signer, f.ecCert!);
    expect(signer.chain).toHaveLength(1);
  });
});

describe('loadKeySigner: refusals, one code each', () => {
  it('encrypted PKCS#8 without password names the password flag and variable', async () => {
    const err = await expectCode({ certificate: f.ecCert!, privateKey: p('enc-aes.key') }, 'encrypted_key_needs_password');
    expect(err.message).toContain('--pkcs8-password-file');
    expect(err.message).toContain('RAPKI_PKCS8_PASSWORD');
  });
  it('wrong PKCS#8 password, without echoing it', async () => {
    const err = await expectCode({ certificate: f.ecCert!, privateKey: p('enc-aes.key'), pkcs8Password: 'wrong-pass-123' }, 'wrong_key_password');
    expect(err.message).not.toContain('wrong-pass-123');
  });
  it('legacy OpenSSL-encrypted PEM', async () => {
    expect(await readFile(p('legacy.key'), 'utf8')).toContain('Proc-Type: 4,ENCRYPTED');
    const err = await expectCode({ certificate: f.rsaCert!, privateKey: p('legacy.key'), pkcs8Password: 'x' }, 'legacy_encrypted_pem');
    expect(err.message).toContain('openssl pkcs8 -topk8');
  });
  it('Ed25519 and Ed448', async () => {
    await expectCode({ certificate: f.rsaCert!, privateKey: f['ed25519']! }, 'unsupported_key_type');
    await expectCode({ certificate: f.rsaCert!, privateKey: f['ed448']! }, 'unsupported_key_type');
  });
  it('DSA', async () => {
    await expectCode({ certificate: f.rsaCert!, privateKey: f['dsa']! }, 'unsupported_key_type');
  });
  it('RSA-PSS keys', async () => {
    await expectCode({ certificate: f.rsaCert!, privateKey: f['rsa-pss']! }, 'unsupported_key_type');
  });
  it('RSA below 2048 bits', async () => {
    const err = await expectCode({ certificate: f.rsaCert!, privateKey: f['rsa:1024']! }, 'rsa_key_too_small');
    expect(err.message).toContain('1024');
  });
  it('EC on another curve', async () => {
    const err = await expectCode({ certificate: f.ecCert!, privateKey: f['ec:secp256k1']! }, 'unsupported_curve');
    expect(err.message).toContain('secp256k1');
  });
  it('key of another certificate', async () => {
    await expectCode({ certificate: f.p384Cert!, privateKey: f.ecKey! }, 'key_certificate_mismatch');
    await expectCode({ certificate: f.rsaCert!, privateKey: f.ecKey! }, 'key_certificate_mismatch');
  });
  it('a private key inside the intermediates file', async () => {
    await writeFile(p('bad-bundle.pem'), (await readFile(pki.intermediates[0]!.cert, 'utf8')) + (await readFile(f.ecKey!, 'utf8')));
    await expectCode({ certificate: f.ecCert!, privateKey: f.ecKey!, intermediates: p('bad-bundle.pem') }, 'unexpected_pem_block');
  });
  it('an empty or whitespace-only intermediates file is no chain (also beside PKCS#12); non-PEM text there stays an error', async () => {
    for (const [name, text] of [
      ['empty-chain.pem', ''],
      ['blank-chain.pem', ' \n\r\n\t\n'],
    ] as const) {
      await writeFile(p(name), text);
      const signer = await loadKeySigner({ certificate: f.ecCert!, privateKey: f.ecKey!, intermediates: p(name) });
      expect(signer.chain).toEqual([]);
      const p12 = await loadKeySigner({ certificate: p('ec.p12'), pkcs8Password: PASSWORD, intermediates: p(name) });
      expect(p12.certificate.length).toBeGreaterThan(0);
    }
    await writeFile(p('garbage-chain.pem'), 'not a certificate\n');
    await expectCode({ certificate: f.ecCert!, privateKey: f.ecKey!, intermediates: p('garbage-chain.pem') }, 'pem_invalid');
  });
  it('missing files', async () => {
    const err = await expectCode({ certificate: p('nope.pem'), privateKey: f.ecKey! }, 'file_not_found');
    expect(err.message).toContain('--certificate');
    await expectCode({ certificate: f.ecCert!, privateKey: p('nope.key') }, 'file_not_found');
  });
  it('PEM with a broken body', async () => {
    await writeFile(p('broken.pem'), '-----BEGIN CERTIFICATE-----\n@@@not base64@@@\n-----END CERTIFICATE-----\n');
    await expectCode({ certificate: p('broken.pem'), privateKey: f.ecKey! }, 'pem_invalid');
  });
  it('a CERTIFICATE block that is not a certificate', async () => {
    await writeFile(p('notcert.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    await expectCode({ certificate: p('notcert.pem'), privateKey: f.ecKey! }, 'certificate_unparsable');
  });
  it('a key block that is not a key', async () => {
    await writeFile(p('notkey.pem'), '-----BEGIN PRIVATE KEY-----\nMAMCAQA=\n-----END PRIVATE KEY-----\n');
    await expectCode({ certificate: f.ecCert!, privateKey: p('notkey.pem') }, 'unparsable_private_key');
  });
  it('key file without a key, certificate file without a certificate, combo file without a key', async () => {
    await expectCode({ certificate: f.ecCert!, privateKey: f.rsaCert! }, 'missing_private_key');
    await expectCode({ certificate: f.ecKey!, privateKey: f.ecKey! }, 'missing_certificate');
    await expectCode({ certificate: f.ecCert! }, 'missing_private_key');
  });
  it('two keys in one file', async () => {
    await writeFile(p('two.key'), (await readFile(f.ecKey!, 'utf8')) + (await readFile(f.rsaKey!, 'utf8')));
    await expectCode({ certificate: f.ecCert!, privateKey: p('two.key') }, 'multiple_private_keys');
  });
  it('PKCS#12: no password, wrong password, with --intermediates, not PKCS#12 at all', async () => {
    await expectCode({ certificate: p('ec.p12') }, 'pkcs12_needs_password');
    const err = await expectCode({ certificate: p('ec.p12'), pkcs8Password: 'nope-nope' }, 'pkcs12_wrong_password');
    expect(err.message).not.toContain('nope-nope');
    await expectCode({ certificate: p('ec.p12'), pkcs8Password: PASSWORD, intermediates: pki.intermediates[0]!.cert }, 'pkcs12_with_intermediates');
    await writeFile(p('garbage.bin'), Buffer.from([0x01, 0x02, 0x03, 0xff]));
    await expectCode({ certificate: p('garbage.bin') }, 'pkcs12_unparsable');
  });
  it('never puts key material into error messages', async () => {
    const keyText = await readFile(f.ecKey!, 'utf8');
    const bodyLine = keyText.split('\n')[1] as string;
    for (const opts of [
      { certificate: f.p384Cert!, privateKey: f.ecKey! },
      { certificate: f.ecCert!, privateKey: p('enc-aes.key'), pkcs8Password: 'bad' },
      { certificate: f.ecCert!, privateKey: p('two.key') },
    ]) {
      const err = (await loadKeySigner(opts).catch((e: unknown) => e)) as Error;
      expect(err.message).not.toContain(bodyLine);
      expect(String((err as { cause?: unknown }).cause ?? '')).not.toContain(bodyLine);
    }
  });
});
