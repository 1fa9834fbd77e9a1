/**
 * Token behaviours SoftHSM2 does not show by itself, produced by wrapping the real SoftHSM2 binding
 * at the PKCS#11 seam (the module is the edge of the world): a token that offers only raw
 * CKM_RSA_PKCS (rapki then signs a DigestInfo), tokens without the needed mechanism, a module that
 * fails C_Initialize, a module without tokens; and two real tokens matching one URI.
 */
import { verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CKM_ECDSA, CKM_RSA_PKCS, CKM_SHA256_RSA_PKCS, CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS } from '../../../../common/src/pkcs11/constants.js';
import { pkcs11jsBinding } from '../../../../common/src/pkcs11/module-registry.js';
import type { BindingFactory, Pkcs11Api } from '../../../../common/src/pkcs11/pkcs11-api.js';
import { loadPkcs11KeySigner } from '../../../../signer/src/keys/pkcs11/pkcs11-key-signer.js';
import {
  addSoftHsmToken,
  createSoftHsmToken,
  generateTokenKey,
  issueCertificateForPublicKey,
  SOFTHSM_AVAILABLE,
  SOFTHSM_SKIP_REASON,
  type SoftHsmToken,
} from '../../../support/softhsm.js';
import { TestPki } from '../../session/test-pki.js';

if (!SOFTHSM_AVAILABLE) console.warn(SOFTHSM_SKIP_REASON);

let token: SoftHsmToken;
let dir: string;
let rsa: { certFile: string; certPem: string };
let ec: { certFile: string; certPem: string };

/** The real binding with some calls replaced. */
function wrapped(over: (real: Pkcs11Api) => Partial<Pkcs11Api>): BindingFactory {
  return async () => {
    const real = await pkcs11jsBinding();
    const o = over(real) as Record<string, unknown>;
    return new Proxy(real, {
      get(target, key) {
        if (typeof key === 'string' && key in o) return o[key];
        const v = (target as unknown as Record<string | symbol, unknown>)[key];
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  };
}

const withoutMechanisms = (drop: number[]): BindingFactory =>
  wrapped((real) => ({ C_GetMechanismList: (slot) => real.C_GetMechanismList(slot).filter((m) => !drop.includes(m)) }));

async function codeOf(p: Promise<{ close?: () => Promise<void> }>): Promise<string | undefined> {
  try {
    const s = await p;
    await s.close?.();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}

beforeAll(() => {
  if (!SOFTHSM_AVAILABLE) return;
  token = createSoftHsmToken('rapki-one');
  addSoftHsmToken(token, 'rapki-two');
  dir = mkdtempSync(join(tmpdir(), 'rapki-p11-mod-'));
  const pki = new TestPki(dir);
  const kr = generateTokenKey(token, { keyType: 'rsa:2048', id: '01', label: 'k', tokenLabel: 'rapki-one' });
  rsa = issueCertificateForPublicKey(dir, { caCert: pki.rootCert, caKey: pki.rootKey, publicKeyFile: kr.publicKeyFile, cn: 'rsa.mod.test' });
  const ke = generateTokenKey(token, { keyType: 'EC:prime256v1', id: '02', label: 'e', tokenLabel: 'rapki-one' });
  ec = issueCertificateForPublicKey(dir, { caCert: pki.rootCert, caKey: pki.rootKey, publicKeyFile: ke.publicKeyFile, cn: 'ec.mod.test' });
  // Same label on the second token: `pkcs11:object=k` alone is ambiguous.
  generateTokenKey(token, { keyType: 'rsa:2048', id: '01', label: 'k', tokenLabel: 'rapki-two' });
});

afterAll(() => {
  token?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const env = { RAPKI_PKCS11_PIN: '1234' };

describe.skipIf(!SOFTHSM_AVAILABLE)('PKCS#11 module behaviours', () => {
  it('a token with only raw CKM_RSA_PKCS: rapki signs a DigestInfo, and the signatures verify as RSASSA-PKCS1-v1_5', async () => {
    const binding = withoutMechanisms([CKM_SHA256_RSA_PKCS, CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS]);
    const s = await loadPkcs11KeySigner({ certificate: rsa.certFile, privateKey: 'pkcs11:token=rapki-one;object=k', pkcs11Lib: token.module }, undefined, {
      binding,
      env,
    });
    try {
      const pub = new X509Certificate(rsa.certPem).publicKey;
      const data = Buffer.from('raw rsa');
      expect(cryptoVerify('sha256', data, pub, await s.sign(data))).toBe(true);
      expect(cryptoVerify('sha384', data, pub, await s.signWithDigest!(data, 'sha384'))).toBe(true);
    } finally {
      await s.close?.();
    }
  });

  it('missing mechanisms → pkcs11_unsupported_mechanism', async () => {
    const noRsa = withoutMechanisms([CKM_SHA256_RSA_PKCS, CKM_RSA_PKCS]);
    expect(
      await codeOf(
        loadPkcs11KeySigner({ certificate: rsa.certFile, privateKey: 'pkcs11:token=rapki-one;object=k', pkcs11Lib: token.module }, undefined, {
          binding: noRsa,
          env,
        }),
      ),
    ).toBe('pkcs11_unsupported_mechanism');
    const noEcdsa = withoutMechanisms([CKM_ECDSA]);
    expect(
      await codeOf(
        loadPkcs11KeySigner({ certificate: ec.certFile, privateKey: 'pkcs11:token=rapki-one;object=e', pkcs11Lib: token.module }, undefined, {
          binding: noEcdsa,
          env,
        }),
      ),
    ).toBe('pkcs11_unsupported_mechanism');
  });

  it('C_Initialize: failure → pkcs11_module_failed, no OS locking → plain retry; no tokens → pkcs11_token_not_found', async () => {
    const failing = wrapped(() => ({
      C_Initialize: () => {
        throw Object.assign(new Error('CKR_GENERAL_ERROR:5'), { name: 'Pkcs11Error', code: 5 });
      },
    }));
    expect(
      await codeOf(
        loadPkcs11KeySigner({ certificate: rsa.certFile, privateKey: 'pkcs11:object=k', pkcs11Lib: token.module }, undefined, { binding: failing, env }),
      ),
    ).toBe('pkcs11_module_failed');
    // A module that cannot use OS locking (CKR_CANT_LOCK) is initialized without the flag.
    const calls: unknown[] = [];
    const noLocking = wrapped((real) => ({
      C_Initialize: (options?: { flags?: number }) => {
        calls.push(options);
        if (options?.flags) throw Object.assign(new Error('CKR_CANT_LOCK:10'), { name: 'Pkcs11Error', code: 10 });
        real.C_Initialize();
      },
    }));
    expect(
      await codeOf(
        loadPkcs11KeySigner({ certificate: rsa.certFile, privateKey: 'pkcs11:token=rapki-one;object=k', pkcs11Lib: token.module }, undefined, {
          binding: noLocking,
          env,
        }),
      ),
    ).toBeUndefined();
    expect(calls).toEqual([{ flags: 2 }, undefined]);
    const empty = wrapped(() => ({ C_GetSlotList: () => [] }));
    expect(
      await codeOf(
        loadPkcs11KeySigner({ certificate: rsa.certFile, privateKey: 'pkcs11:object=k', pkcs11Lib: token.module }, undefined, { binding: empty, env }),
      ),
    ).toBe('pkcs11_token_not_found');
  });

  it('two tokens match → pkcs11_multiple_tokens; naming the token (or its serial) picks one', async () => {
    const load = (key: string) => loadPkcs11KeySigner({ certificate: rsa.certFile, privateKey: key, pkcs11Lib: token.module }, undefined, { env });
    expect(await codeOf(load('pkcs11:object=k'))).toBe('pkcs11_multiple_tokens');
    expect(await codeOf(load('pkcs11:token=rapki-one;object=k'))).toBeUndefined();
    // The same label on the other token is a different key: the match check catches it.
    expect(await codeOf(load('pkcs11:token=rapki-two;object=k'))).toBe('key_certificate_mismatch');
  });
});
