/**
 * TPM 2.0 keys against a real software TPM (swtpm on a Unix socket, started here): TSS2 key files
 * made by the tpm2-openssl provider (EC P-256/P-384, RSA 2048; with and without a password; under the
 * owner hierarchy and under a persistent parent), persistent keys made by tpm2-tools, and every error
 * of a TPM key with what it tells the user. Signatures are checked by `openssl dgst -verify` with the
 * public key the tools exported, not by rapki's own code.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeySigner } from '../../../../signer/src/keys/load-key-signer.js';
import { loadTpmKeySigner } from '../../../../signer/src/keys/tpm/tpm-key-signer.js';
import { signString } from '../../../../signer/src/sign-string.js';
import type { KeySourceOptions, SignDigest } from '../../../../signer/src/types.js';
import { makeRootCa, type TestCa } from '../../../support/emulator-pki.js';
import { issueCertificateForPublicKey } from '../../../support/softhsm.js';
import { makePersistentKey, makeTss2Key, startSwtpm, SWTPM_AVAILABLE, SWTPM_SKIP_REASON, type Swtpm, type TpmKeyAlg } from '../../../support/swtpm.js';

if (!SWTPM_AVAILABLE) console.warn(SWTPM_SKIP_REASON);

let tpm: Swtpm;
let dir: string;
let ca: TestCa;

beforeAll(async () => {
  if (!SWTPM_AVAILABLE) return;
  tpm = await startSwtpm();
  dir = mkdtempSync(join(tmpdir(), 'rapki-tpm-signer-'));
  ca = makeRootCa(join(dir, 'ca'), 'TPM Test Root');
  process.env.TPM_DEVICE = tpm.socket;
}, 60_000);

afterAll(async () => {
  delete process.env.TPM_DEVICE;
  await tpm?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function certFor(publicKeyFile: string): string {
  return issueCertificateForPublicKey(dir, { caCert: ca.certPath, caKey: ca.keyPath, publicKeyFile, cn: `tpm-${++n}.test` }).certFile;
}

/** `openssl dgst -verify`: the independent check of a signature. */
function opensslVerifies(publicKeyFile: string, data: Buffer, sig: Uint8Array, digest: SignDigest = 'sha256'): boolean {
  const d = join(dir, `v-${++n}`);
  writeFileSync(`${d}.data`, data);
  writeFileSync(`${d}.sig`, sig);
  try {
    return /Verified OK/.test(
      execFileSync('openssl', ['dgst', `-${digest}`, '-verify', publicKeyFile, '-signature', `${d}.sig`, `${d}.data`], { encoding: 'utf8' }),
    );
  } catch {
    return false;
  }
}

function transientHandles(t: Swtpm = tpm): string {
  return t.tools('tpm2_getcap', ['handles-transient']).trim();
}

const describeTpm = describe.skipIf(!SWTPM_AVAILABLE);

describeTpm('TSS2 key files made by the tpm2-openssl provider', () => {
  it.each<[TpmKeyAlg, string | undefined, string]>([
    ['ec:P-256', undefined, 'AWS4-X509-ECDSA-SHA256'],
    ['ec:P-384', 'p384-secret', 'AWS4-X509-ECDSA-SHA256'],
    ['rsa:2048', undefined, 'AWS4-X509-RSA-SHA256'],
    ['rsa:2048', 'rsa-secret', 'AWS4-X509-RSA-SHA256'],
  ])('%s (password %s): signs SHA-256 as the service verifies it, and the sign-string digests', async (alg, password, algorithm) => {
    const k = makeTss2Key(tpm, dir, `f${++n}`, { alg, password });
    const cert = certFor(k.publicKeyFile);
    const signer = await loadKeySigner({ certificate: cert, privateKey: k.keyFile, tpmKeyPassword: password });
    try {
      expect(signer.algorithm).toBe(algorithm);
      const data = Buffer.from(`AWS4-X509 string to sign ${alg}`);
      const sig = await signer.sign(data);
      expect(opensslVerifies(k.publicKeyFile, data, sig)).toBe(true);
      if (alg.startsWith('ec')) expect(opensslVerifies(k.publicKeyFile, data, sig, 'sha384')).toBe(false);
      for (const digest of ['sha384', 'sha512'] as const) {
        const s = await signString(signer, digest);
        expect(signer.signWithDigest).toBeDefined();
        expect(s.length).toBeGreaterThan(60);
      }
    } finally {
      await signer.close?.();
    }
    expect(transientHandles()).toBe('');
  });

  it('a combined file (certificate and TSS2 key) without --private-key', async () => {
    const k = makeTss2Key(tpm, dir, `combo${++n}`, { alg: 'ec:P-256' });
    const combo = join(dir, `combo${n}.pem`);
    writeFileSync(combo, readFileSync(certFor(k.publicKeyFile), 'utf8') + readFileSync(k.keyFile, 'utf8'));
    const signer = await loadKeySigner({ certificate: combo });
    const data = Buffer.from('combo');
    expect(opensslVerifies(k.publicKeyFile, data, await signer.sign(data))).toBe(true);
  });

  it('a key under a persistent parent (the storage key made persistent at 0x81000001)', async () => {
    tpm.tools('tpm2_createprimary', [
      '-C',
      'o',
      '-G',
      'ecc256:aes128cfb',
      '-a',
      'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|decrypt',
      '-c',
      join(dir, 'srk.ctx'),
    ]);
    tpm.tools('tpm2_evictcontrol', ['-C', 'o', '-c', join(dir, 'srk.ctx'), '0x81000001']);
    tpm.tools('tpm2_flushcontext', ['-t']);
    const k = makeTss2Key(tpm, dir, `pp${++n}`, { alg: 'ec:P-256', parent: 0x81000001 });
    const signer = await loadKeySigner({ certificate: certFor(k.publicKeyFile), privateKey: k.keyFile });
    const data = Buffer.from('persistent parent');
    expect(opensslVerifies(k.publicKeyFile, data, await signer.sign(data))).toBe(true);
  });
});

describeTpm('persistent keys (handle:) made by tpm2-tools', () => {
  it('EC P-256 without password (--no-tpm-key-password) and RSA 2048 with one', async () => {
    const ec = makePersistentKey(tpm, dir, { handle: 0x81000101, alg: 'ec:P-256' });
    const rsa = makePersistentKey(tpm, dir, { handle: 0x81000102, alg: 'rsa:2048', password: '1234' });
    for (const [h, key, opts] of [
      ['handle:0x81000101', ec, { noTpmKeyPassword: true }],
      ['handle:81000102', rsa, { tpmKeyPassword: '1234' }],
    ] as const) {
      const signer = await loadKeySigner({ certificate: certFor(key.publicKeyFile), privateKey: h, ...opts });
      const data = Buffer.from(`persistent ${h}`);
      expect(opensslVerifies(key.publicKeyFile, data, await signer.sign(data))).toBe(true);
      await signer.close?.();
    }
    expect(transientHandles()).toBe('');
  });
});

describeTpm('errors, each coded with what to do', () => {
  let pwKey: { keyFile: string; publicKeyFile: string; cert: string };
  beforeAll(() => {
    const k = makeTss2Key(tpm, dir, 'pwkey', { alg: 'ec:P-256', password: 'right' });
    pwKey = { ...k, cert: certFor(k.publicKeyFile) };
  });
  const load = (o: Partial<KeySourceOptions>) => loadKeySigner({ certificate: pwKey.cert, privateKey: pwKey.keyFile, ...o });

  it('wrong password: tpm_wrong_key_password with the dictionary-attack counters; nothing stays loaded', async () => {
    const signer = await load({ tpmKeyPassword: 'wrong' });
    await expect(signer.sign(Buffer.from('x'))).rejects.toMatchObject({
      code: 'tpm_wrong_key_password',
      message: expect.stringMatching(/rejected the password of the TPM key file .*pwkey.*counted \d+ failed tries; at 1000/),
    });
    expect(transientHandles()).toBe('');
    const ok = await load({ tpmKeyPassword: 'right' });
    expect(opensslVerifies(pwKey.publicKeyFile, Buffer.from('y'), await ok.sign(Buffer.from('y')))).toBe(true);
  });

  it('no password for a key that has one: tpm_key_password_required at load, naming the ways to give it', async () => {
    await expect(load({})).rejects.toMatchObject({
      code: 'tpm_key_password_required',
      message: expect.stringMatching(/--tpm-key-password-file.*RAPKI_TPM_KEY_PASSWORD/),
    });
  });

  it('a password for a key without one: tpm_key_password_not_needed', async () => {
    const k = makeTss2Key(tpm, dir, `nopw${++n}`, { alg: 'ec:P-256' });
    await expect(loadKeySigner({ certificate: certFor(k.publicKeyFile), privateKey: k.keyFile, tpmKeyPassword: 'x' })).rejects.toMatchObject({
      code: 'tpm_key_password_not_needed',
    });
  });

  it('a handle without either password flag: tpm_key_password_required naming --no-tpm-key-password', async () => {
    const k = makePersistentKey(tpm, dir, { handle: 0x81000103, alg: 'ec:P-256' });
    await expect(loadKeySigner({ certificate: certFor(k.publicKeyFile), privateKey: 'handle:0x81000103' })).rejects.toMatchObject({
      code: 'tpm_key_password_required',
      message: expect.stringContaining('--no-tpm-key-password'),
    });
  });

  it('a handle that is not there: tpm_handle_not_found; not a persistent handle: tpm_handle_invalid', async () => {
    await expect(load({ privateKey: 'handle:0x81000099', noTpmKeyPassword: true })).rejects.toMatchObject({
      code: 'tpm_handle_not_found',
      message: expect.stringMatching(/no key at the persistent handle 0x81000099.*tpm2_getcap handles-persistent/),
    });
    await expect(load({ privateKey: 'handle:0x80000001', noTpmKeyPassword: true })).rejects.toMatchObject({ code: 'tpm_handle_invalid' });
  });

  it('missing TPM: TPM_DEVICE naming nothing, a dead software TPM, and no TPM_DEVICE with no device', async () => {
    const opts = { certificate: pwKey.cert, privateKey: 'handle:0x81000101', noTpmKeyPassword: true };
    await expect(loadTpmKeySigner(opts, undefined, undefined, { env: { TPM_DEVICE: join(dir, 'nothing-here') } })).rejects.toMatchObject({
      code: 'tpm_not_found',
      message: expect.stringContaining('nothing-here'),
    });
    const dead = await startSwtpm();
    await dead.crash(); // its socket file stays: a TPM daemon that died
    try {
      expect(existsSync(dead.socket)).toBe(true);
      await expect(loadTpmKeySigner(opts, undefined, undefined, { env: { TPM_DEVICE: dead.socket } })).rejects.toMatchObject({
        code: 'tpm_unavailable',
        message: expect.stringMatching(/Nothing accepts connections on the TPM socket .*is the software TPM \(swtpm\) running/),
      });
    } finally {
      await dead.stop();
    }
    // Without TPM_DEVICE the defaults are tried; only checkable on a machine without a TPM.
    if (!existsSync('/dev/tpmrm0') && !existsSync('/dev/tpm0')) {
      await expect(loadTpmKeySigner(opts, undefined, undefined, { env: {} })).rejects.toMatchObject({
        code: 'tpm_not_found',
        message: expect.stringMatching(/TPM_DEVICE is not set and neither \/dev\/tpmrm0 nor \/dev\/tpm0 exists/),
      });
    }
  });

  it('a key file made in another TPM: tpm_key_wrong_parent (the TPM refuses to load it); nothing stays loaded', async () => {
    const other = await startSwtpm();
    try {
      const k = makeTss2Key(other, dir, `other${++n}`, { alg: 'ec:P-256' });
      const signer = await loadKeySigner({ certificate: certFor(k.publicKeyFile), privateKey: k.keyFile });
      await expect(signer.sign(Buffer.from('x'))).rejects.toMatchObject({
        code: 'tpm_key_wrong_parent',
        message: expect.stringMatching(/another parent .* another TPM, or the TPM was cleared.*rapki enroll --key tpm/),
      });
      expect(transientHandles()).toBe('');
    } finally {
      await other.stop();
    }
  });

  it('a key whose persistent parent was removed: tpm_parent_not_found', async () => {
    tpm.tools('tpm2_createprimary', [
      '-C',
      'o',
      '-G',
      'ecc256:aes128cfb',
      '-a',
      'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|decrypt',
      '-c',
      join(dir, 'srk2.ctx'),
    ]);
    tpm.tools('tpm2_evictcontrol', ['-C', 'o', '-c', join(dir, 'srk2.ctx'), '0x81000002']);
    tpm.tools('tpm2_flushcontext', ['-t']);
    const k = makeTss2Key(tpm, dir, `gone${++n}`, { alg: 'ec:P-256', parent: 0x81000002 });
    tpm.tools('tpm2_evictcontrol', ['-C', 'o', '-c', '0x81000002']);
    const signer = await loadKeySigner({ certificate: certFor(k.publicKeyFile), privateKey: k.keyFile });
    await expect(signer.sign(Buffer.from('x'))).rejects.toMatchObject({ code: 'tpm_parent_not_found', message: expect.stringContaining('0x81000002') });
  });

  it("a TPM key that is not the certificate's: key_certificate_mismatch before any signature", async () => {
    const k = makeTss2Key(tpm, dir, `mm${++n}`, { alg: 'ec:P-256' });
    await expect(loadKeySigner({ certificate: pwKey.cert, privateKey: k.keyFile })).rejects.toMatchObject({ code: 'key_certificate_mismatch' });
  });
});

describeTpm('dictionary-attack lockout', () => {
  it('after too many wrong passwords the TPM locks out: tpm_lockout even with the right password, until the owner clears it', async () => {
    const strict = await startSwtpm({ strictLockout: true });
    try {
      strict.setLockout({ maxTries: 2, recoverySeconds: 1000 });
      const k = makeTss2Key(strict, dir, `lock${++n}`, { alg: 'ec:P-256', password: 'right' });
      const cert = certFor(k.publicKeyFile);
      const deps = { env: { TPM_DEVICE: strict.socket } };
      const wrong = await loadTpmKeySigner({ certificate: cert, privateKey: k.keyFile, tpmKeyPassword: 'wrong' }, undefined, undefined, deps);
      await expect(wrong.sign(Buffer.from('a'))).rejects.toMatchObject({
        code: 'tpm_wrong_key_password',
        message: expect.stringContaining('counted 1 failed tries; at 2'),
      });
      await expect(wrong.sign(Buffer.from('b'))).rejects.toMatchObject({ code: 'tpm_wrong_key_password' });
      const right = await loadTpmKeySigner({ certificate: cert, privateKey: k.keyFile, tpmKeyPassword: 'right' }, undefined, undefined, deps);
      await expect(right.sign(Buffer.from('c'))).rejects.toMatchObject({
        code: 'tpm_lockout',
        message: expect.stringMatching(/dictionary-attack lockout.*2 of 2 tries failed.*one every 1000 s.*tpm2_dictionarylockout --clear-lockout/),
      });
      expect(transientHandles(strict)).toBe('');
      strict.clearLockout();
      expect(opensslVerifies(k.publicKeyFile, Buffer.from('d'), await right.sign(Buffer.from('d')))).toBe(true);
    } finally {
      await strict.stop();
    }
  });
});

describeTpm('host keys made by rapki in the TPM', () => {
  it('a key type the TPM does not implement (RSA 4096 on swtpm) is tpm_key_unsupported naming the types that work; nothing stays loaded', async () => {
    const { createTpmHostKey } = await import('../../../../signer/src/keys/tpm/host-key.js');
    await expect(createTpmHostKey({ rsaBits: 4096 }, Buffer.alloc(0), { env: tpm.env })).rejects.toMatchObject({
      code: 'tpm_key_unsupported',
      message: expect.stringMatching(/does not make RSA 4096 keys .*ec-p256 and rsa-2048 work on every TPM 2\.0/),
    });
    expect(transientHandles()).toBe('');
  });
});
