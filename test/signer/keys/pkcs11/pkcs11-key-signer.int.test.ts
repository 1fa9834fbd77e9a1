/**
 * PKCS#11 key signer against a real SoftHSM2 token whose keys and certificates were made by
 * pkcs11-tool and openssl. Every signature is checked independently with node:crypto against the
 * certificate's public key, including the SigV4 signature of a signed CreateSession request.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeySigner } from '../../../../signer/src/keys/load-key-signer.js';
import { generatePkcs11KeyPair } from '../../../../common/src/pkcs11/generate-key-pair.js';
import { listPkcs11Certificates } from '../../../../signer/src/keys/pkcs11/list-certificates.js';
import { loadPkcs11KeySigner } from '../../../../signer/src/keys/pkcs11/pkcs11-key-signer.js';
import { signCreateSessionRequest } from '../../../../signer/src/request/sign-create-session.js';
import type { KeySigner, KeySourceOptions } from '../../../../signer/src/types.js';
import {
  addTokenIdentity,
  createSoftHsmToken,
  generateTokenKey,
  issueCertificateForPublicKey,
  SOFTHSM_AVAILABLE,
  SOFTHSM_SKIP_REASON,
  writeTokenCertificate,
  type SoftHsmToken,
  type TokenKeyType,
} from '../../../support/softhsm.js';
import { ARNS, TestPki } from '../../session/test-pki.js';

if (!SOFTHSM_AVAILABLE) console.warn(SOFTHSM_SKIP_REASON);

let token: SoftHsmToken;
let pki: TestPki;
let dir: string;
const certs: Record<string, { certFile: string; derFile: string; certPem: string }> = {};
let lib: string;

/** `pkcs11:` URI on the test token with extra attributes. */
const uri = (attrs: string, query = 'pin-value=1234'): string => `pkcs11:token=rapki-test;${attrs}${query ? `?${query}` : ''}`;
const env = {}; // no RAPKI_PKCS11_PIN unless a test sets one

async function open(o: Partial<KeySourceOptions> & { certificate: string }, e: Record<string, string> = env): Promise<KeySigner> {
  return loadPkcs11KeySigner({ pkcs11Lib: lib, ...o }, undefined, { env: e });
}

async function expectCode(p: Promise<unknown>, code: string): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e as { code?: string; message?: string },
  );
  expect(err, `expected ${code}`).toBeDefined();
  expect(err?.code).toBe(code);
  expect(err?.message).not.toContain('1234'); // never the PIN
  return err?.message ?? '';
}

function verifyWithCert(certPem: string | Uint8Array, data: Uint8Array, sig: Uint8Array, digest = 'sha256'): boolean {
  const x = new X509Certificate(typeof certPem === 'string' ? certPem : Buffer.from(certPem));
  return cryptoVerify(digest, data, { key: x.publicKey, dsaEncoding: 'der' }, sig);
}

beforeAll(() => {
  if (!SOFTHSM_AVAILABLE) return;
  token = createSoftHsmToken('rapki-test');
  lib = token.module;
  dir = mkdtempSync(join(tmpdir(), 'rapki-p11-'));
  pki = new TestPki(dir);
  const root = { cert: pki.rootCert, key: pki.rootKey };
  const make = (name: string, keyType: TokenKeyType, id: string, o: { viaInter?: boolean; onToken?: boolean; alwaysAuth?: boolean } = {}) => {
    const ca = o.viaInter ? { cert: pki.interCert, key: pki.interKey } : root;
    certs[name] = addTokenIdentity(token, dir, { name, keyType, id, cn: `${name}.token.test`, ca, onToken: o.onToken, alwaysAuth: o.alwaysAuth });
  };
  make('rsa', 'rsa:2048', '01');
  make('p256', 'EC:prime256v1', '02', { viaInter: true });
  make('p384', 'EC:secp384r1', '03');
  make('nocert', 'rsa:2048', '04', { onToken: false }); // key with a certificate only in a file
  // A key that needs the PIN again for every signature (CKA_ALWAYS_AUTHENTICATE).
  make('always', 'EC:prime256v1', '05', { onToken: false, alwaysAuth: true });
  // Two keys with the same label, no certificate: ambiguous.
  generateTokenKey(token, { keyType: 'EC:prime256v1', id: '06', label: 'dup' });
  generateTokenKey(token, { keyType: 'EC:prime256v1', id: '07', label: 'dup' });
  // The intermediate on the token, so the chain can come from the token.
  const interDer = join(dir, 'inter.der');
  execFileSync('openssl', ['x509', '-in', pki.interCert, '-outform', 'DER', '-out', interDer]);
  writeTokenCertificate(token, { derFile: interDer, id: 'aa', label: 'intermediate' });
  writeFileSync(join(dir, 'pin.txt'), '1234\n', { mode: 0o600 });
});

afterAll(() => {
  token?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!SOFTHSM_AVAILABLE)('PKCS#11 key signer (SoftHSM2)', () => {
  const input = {
    trustAnchorArn: ARNS.trustAnchorArn,
    profileArn: ARNS.profileArn,
    roleArn: ARNS.roleArn,
    region: 'us-east-1',
    durationSeconds: 3600,
    host: 'rolesanywhere.us-east-1.amazonaws.com',
  };

  for (const [name, algorithm] of [
    ['rsa', 'AWS4-X509-RSA-SHA256'],
    ['p256', 'AWS4-X509-ECDSA-SHA256'],
    ['p384', 'AWS4-X509-ECDSA-SHA256'],
  ] as const) {
    it(`${name}: certificate and key from the token sign a CreateSession request that verifies against the certificate`, async () => {
      const id = { rsa: '%01', p256: '%02', p384: '%03' }[name];
      const signer = await open({ certificate: uri(`id=${id};type=cert`), privateKey: uri(`id=${id};type=private`) });
      try {
        expect(signer.algorithm).toBe(algorithm);
        expect(Buffer.from(signer.certificate).equals(readFileSync(certs[name]!.derFile))).toBe(true);
        const signed = await signCreateSessionRequest(input, signer, new Date('2026-01-02T03:04:05Z'));
        expect(signed.headers['X-Amz-X509']).toBe(readFileSync(certs[name]!.derFile).toString('base64'));
        const auth = signed.headers.Authorization ?? '';
        expect(auth.startsWith(`${algorithm} Credential=`)).toBe(true);
        const sigHex = /Signature=([0-9a-f]+)$/.exec(auth)?.[1] ?? '';
        expect(sigHex.length).toBeGreaterThan(100);
        expect(verifyWithCert(certs[name]!.certPem, Buffer.from(signed.stringToSign), Buffer.from(sigHex, 'hex'))).toBe(true);
        // And a tampered string to sign does not verify (the check can fail).
        expect(verifyWithCert(certs[name]!.certPem, Buffer.from(`${signed.stringToSign}x`), Buffer.from(sigHex, 'hex'))).toBe(false);
        if (name === 'p256') {
          // Issued by the intermediate, which is on the token too: it becomes X-Amz-X509-Chain.
          const interDer = new X509Certificate(readFileSync(pki.interCert)).raw;
          expect(signer.chain.map((c) => Buffer.from(c).toString('base64'))).toEqual([interDer.toString('base64')]);
          expect(signed.headers['X-Amz-X509-Chain']).toBe(interDer.toString('base64'));
        } else {
          expect(signer.chain).toEqual([]);
        }
      } finally {
        await signer.close?.();
      }
    });
  }

  it('loadKeySigner dispatches pkcs11: URIs (key URI derived from the certificate URI when --private-key is omitted)', async () => {
    const signer = await loadKeySigner({ certificate: uri('object=p384-cert'), pkcs11Lib: lib });
    try {
      const data = Buffer.from('hello token');
      expect(verifyWithCert(certs.p384!.certPem, data, await signer.sign(data))).toBe(true);
    } finally {
      await signer.close?.();
    }
  });

  it('hybrid: certificate from a file (PEM or DER), key on the token; --intermediates from a file', async () => {
    for (const certificate of [certs.nocert!.certFile, certs.nocert!.derFile]) {
      const signer = await open({ certificate, privateKey: uri('object=nocert-key') });
      try {
        const data = Buffer.from('hybrid');
        expect(verifyWithCert(certs.nocert!.certPem, data, await signer.sign(data))).toBe(true);
        expect(signer.chain).toEqual([]);
      } finally {
        await signer.close?.();
      }
    }
    const s2 = await open({ certificate: certs.p256!.certFile, privateKey: uri('id=%02'), intermediates: pki.interCert });
    try {
      expect(s2.chain).toHaveLength(1);
    } finally {
      await s2.close?.();
    }
  });

  it('signWithDigest: SHA-384 and SHA-512 for RSA and EC', async () => {
    for (const name of ['rsa', 'p256'] as const) {
      const signer = await open({ certificate: uri(`object=${name}-cert`) });
      try {
        for (const d of ['sha384', 'sha512'] as const) {
          const data = Buffer.from(`digest ${d}`);
          const sig = await signer.signWithDigest!(data, d);
          expect(verifyWithCert(certs[name]!.certPem, data, sig, d)).toBe(true);
          expect(verifyWithCert(certs[name]!.certPem, data, sig, 'sha256')).toBe(false);
        }
      } finally {
        await signer.close?.();
      }
    }
  });

  it('concurrent signatures on one session are serialized and all verify', async () => {
    const signer = await open({ certificate: uri('object=p256-cert') });
    try {
      const datas = Array.from({ length: 8 }, (_, i) => Buffer.from(`n${i}`));
      const sigs = await Promise.all(datas.map((d) => signer.sign(d)));
      sigs.forEach((s, i) => expect(verifyWithCert(certs.p256!.certPem, datas[i]!, s)).toBe(true));
    } finally {
      await signer.close?.();
    }
  });

  it('PIN from pin-source (path and file: URI) and from RAPKI_PKCS11_PIN', async () => {
    const pinFile = join(dir, 'pin.txt');
    for (const query of [`pin-source=${pinFile}`, `pin-source=file://${pinFile}`]) {
      const s = await open({ certificate: uri('object=rsa-cert', query) });
      await s.close?.();
    }
    const s = await open({ certificate: uri('object=rsa-cert', '') }, { RAPKI_PKCS11_PIN: '1234' });
    await s.close?.();
  });

  it('coded errors: wrong PIN, no PIN, unreadable pin-source', async () => {
    const m = await expectCode(open({ certificate: uri('object=rsa-cert', 'pin-value=9999') }), 'pkcs11_wrong_pin');
    expect(m).toContain('CKR_PIN_INCORRECT');
    await expectCode(open({ certificate: uri('object=rsa-cert', '') }, { RAPKI_PKCS11_PIN: '0000' }), 'pkcs11_wrong_pin');
    await expectCode(open({ certificate: certs.nocert!.certFile, privateKey: uri('object=nocert-key', '') }), 'pkcs11_pin_required');
    await expectCode(open({ certificate: uri('object=rsa-cert', `pin-source=${join(dir, 'absent')}`) }), 'pkcs11_pin_source_unreadable');
  });

  it('coded errors: module, token, certificate, key, ambiguity, mismatch', async () => {
    await expectCode(open({ certificate: uri('object=rsa-cert'), pkcs11Lib: join(dir, 'no-such-module.so') }), 'pkcs11_module_not_found');
    const t = await expectCode(open({ certificate: 'pkcs11:token=nope;object=rsa-cert?pin-value=1234' }), 'pkcs11_token_not_found');
    expect(t).toContain('rapki-test'); // lists the tokens that exist
    await expectCode(open({ certificate: uri('object=nope-cert') }), 'pkcs11_certificate_not_found');
    await expectCode(open({ certificate: certs.rsa!.certFile, privateKey: uri('object=nope') }), 'pkcs11_key_not_found');
    await expectCode(open({ certificate: certs.rsa!.certFile, privateKey: uri('object=dup') }), 'pkcs11_multiple_keys');
    await expectCode(open({ certificate: uri('type=cert') }), 'pkcs11_multiple_certificates');
    // The RSA certificate with another RSA key: the test signature does not verify.
    await expectCode(open({ certificate: certs.rsa!.certFile, privateKey: uri('object=nocert-key') }), 'key_certificate_mismatch');
    // RSA certificate, EC key.
    await expectCode(open({ certificate: certs.rsa!.certFile, privateKey: uri('id=%02') }), 'key_certificate_mismatch');
    await expectCode(open({ certificate: uri('object=rsa-cert'), privateKey: certs.rsa!.certFile }), 'pkcs11_unsupported_combination');
    await expectCode(open({ certificate: 'pkcs11:object=x;bogus=1' }), 'invalid_pkcs11_uri');
  });

  it('CKA_ALWAYS_AUTHENTICATE keys: refused without --reuse-pin, sign with it (context-specific login per signature)', async () => {
    const m = await expectCode(open({ certificate: certs.always!.certFile, privateKey: uri('object=always-key') }), 'pkcs11_context_pin_required');
    expect(m).toContain('--reuse-pin');
    const s = await open({ certificate: certs.always!.certFile, privateKey: uri('object=always-key'), reusePin: true });
    try {
      for (const n of [1, 2]) {
        const data = Buffer.from(`always ${n}`);
        expect(verifyWithCert(certs.always!.certPem, data, await s.sign(data))).toBe(true);
      }
    } finally {
      await s.close?.();
    }
  });

  it('listPkcs11Certificates: every matching certificate with a URI that names exactly it', async () => {
    const all = await listPkcs11Certificates('pkcs11:token=rapki-test;type=cert', { pkcs11Lib: lib }, undefined, { env });
    const fp = (der: Uint8Array) => new X509Certificate(Buffer.from(der)).fingerprint256;
    const expected = [certs.rsa!, certs.p256!, certs.p384!].map((c) => fp(readFileSync(c.derFile)));
    expected.push(new X509Certificate(readFileSync(pki.interCert)).fingerprint256);
    const rsaFp = expected[0];
    expect(all.map((e) => fp(e.certificate)).sort()).toEqual([...expected].sort());
    const rsa = all.find((e) => fp(e.certificate) === rsaFp)!;
    expect(rsa.uri).toMatch(/^pkcs11:token=rapki-test;manufacturer=SoftHSM%20project;serial=[0-9a-f]+;model=SoftHSM%20v2;object=rsa-cert;type=cert;id=%01$/);
    expect(rsa.uri).not.toContain('pin');
    const s = await open({ certificate: `${rsa.uri}?pin-value=1234` });
    expect(Buffer.from(s.certificate).equals(readFileSync(certs.rsa!.derFile))).toBe(true);
    await s.close?.();
    expect(await listPkcs11Certificates('pkcs11:token=rapki-test;object=nope', { pkcs11Lib: lib }, undefined, { env })).toEqual([]);
    expect(await listPkcs11Certificates('pkcs11:token=other-token', { pkcs11Lib: lib }, undefined, { env })).toEqual([]);
  });

  it('close() logs out and closes: signing afterwards fails, and the token can be opened again', async () => {
    const s = await open({ certificate: uri('object=rsa-cert') });
    await s.close?.();
    await s.close?.(); // idempotent
    await expectCode(s.sign(Buffer.from('x')), 'pkcs11_operation_failed');
    const again = await open({ certificate: uri('object=rsa-cert') });
    const data = Buffer.from('again');
    expect(verifyWithCert(certs.rsa!.certPem, data, await again.sign(data))).toBe(true);
    await again.close?.();
  });

  it('two signers on the same token: closing one keeps the other logged in', async () => {
    const a = await open({ certificate: uri('object=rsa-cert') });
    const b = await open({ certificate: uri('object=p256-cert') });
    await a.close?.();
    const data = Buffer.from('still here');
    expect(verifyWithCert(certs.p256!.certPem, data, await b.sign(data))).toBe(true);
    await b.close?.();
  });

  for (const keyType of ['ec-p256', 'rsa-2048'] as const) {
    it(`generatePkcs11KeyPair ${keyType}: SPKI matches what pkcs11-tool reads, and the key signs after a certificate is issued`, async () => {
      // A signer already open on the token must stay logged in through the generation.
      const other = await open({ certificate: uri('object=rsa-cert') });
      const gen = await generatePkcs11KeyPair(`pkcs11:token=rapki-test;object=gen-${keyType}?pin-value=1234`, keyType, { pkcs11Lib: lib }, undefined, { env });
      const still = Buffer.from('other signer');
      expect(verifyWithCert(certs.rsa!.certPem, still, await other.sign(still))).toBe(true);
      await other.close?.();
      const idHex = Buffer.from(gen.id).toString('hex');
      expect(gen.keyUri).toContain(`object=gen-${keyType}`);
      expect(gen.keyUri).not.toContain('pin-value');
      // pkcs11-tool reads the public key independently.
      const pubDer = join(dir, `gen-${keyType}.pub.der`);
      execFileSync('pkcs11-tool', ['--module', lib, '--token-label', 'rapki-test', '--read-object', '--type', 'pubkey', '--id', idHex, '-o', pubDer], {
        env: { ...process.env, ...token.env },
        stdio: 'pipe',
      });
      const fromTool = createPublicKey({ key: readFileSync(pubDer), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'der' });
      expect(createHash('sha256').update(gen.spki).digest('hex')).toBe(createHash('sha256').update(fromTool).digest('hex'));
      const pubPem = join(dir, `gen-${keyType}.pub.pem`);
      writeFileSync(pubPem, createPublicKey({ key: Buffer.from(gen.spki), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }));
      const cert = issueCertificateForPublicKey(dir, { caCert: pki.rootCert, caKey: pki.rootKey, publicKeyFile: pubPem, cn: `gen-${keyType}` });
      const s = await open({ certificate: cert.certFile, privateKey: `${gen.keyUri}?pin-value=1234` });
      const data = Buffer.from('generated');
      expect(verifyWithCert(cert.certPem, data, await s.sign(data))).toBe(true);
      await s.close?.();
    });
  }
});
