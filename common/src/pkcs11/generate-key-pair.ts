/**
 * Generates a key pair on a PKCS#11 token, so that `enroll --key pkcs11:…` can keep the private key
 * on the token (it never leaves it): the private key is created sensitive and non-extractable, and only
 * the public key (SubjectPublicKeyInfo DER) comes back, to be put in a CSR.
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import {
  CKA_EC_PARAMS,
  CKA_EC_POINT,
  CKA_EXTRACTABLE,
  CKA_ID,
  CKA_LABEL,
  CKA_MODULUS,
  CKA_MODULUS_BITS,
  CKA_PRIVATE,
  CKA_PUBLIC_EXPONENT,
  CKA_SENSITIVE,
  CKA_SIGN,
  CKA_TOKEN,
  CKA_VERIFY,
  CKF_RW_SESSION,
  CKF_SERIAL_SESSION,
  CKM_EC_KEY_PAIR_GEN,
  CKM_RSA_PKCS_KEY_PAIR_GEN,
  EC_PARAMS_P256,
  EC_PARAMS_P384,
} from './constants.js';
import { contentBytes, DerError, expectTlv } from '../der/reader.js';
import { pkcs11Failure } from './ckr.js';
import { login, releaseLogin } from './login.js';
import { Pkcs11KeyError } from './errors.js';
import { readAttribute } from './find-objects.js';
import { acquireModule, pkcs11jsBinding } from './module-registry.js';
import type { Handle, Pkcs11Api, Template } from './pkcs11-api.js';
import { resolvePin } from './pin.js';
import { modulePathFor, type Pkcs11Deps, type Pkcs11FileIo } from './module-path.js';
import { listTokenSlots, tokenMatches } from './token-match.js';
import { formatPkcs11Uri, parsePkcs11Uri, redactPin, type Pkcs11Uri } from './uri.js';
import { readFile } from 'node:fs/promises';

/** Key types rapki generates on tokens (the same set `enroll --key-type` offers for files). */
export type Pkcs11KeyPairType = 'ec-p256' | 'ec-p384' | 'rsa-2048' | 'rsa-3072' | 'rsa-4096';

/** The outcome: the public key for the CSR, and a URI that names the new private key. */
export interface GeneratedPkcs11KeyPair {
  /** SubjectPublicKeyInfo DER of the new public key. */
  readonly spki: Uint8Array;
  /** CKA_ID of both halves (the URI's id, or 16 random bytes). */
  readonly id: Uint8Array;
  /** A URI for `--private-key` (token, serial, object, id, type=private; no PIN). */
  readonly keyUri: string;
}

function b64url(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
}

/** The EC point from CKA_EC_POINT: DER OCTET STRING around 04||X||Y (some modules give it bare). */
function ecPoint(v: Buffer): Uint8Array {
  if (v[0] === 0x04 && (v.length === 65 || v.length === 97)) return v;
  try {
    const t = expectTlv(v, 0, 0x04);
    if (t.end === v.length) return contentBytes(v, t);
  } catch (err) {
    if (!(err instanceof DerError)) throw err;
  }
  throw new Pkcs11KeyError('pkcs11_operation_failed', 'The token returned an EC point in an unknown encoding.');
}

function spkiOf(api: Pkcs11Api, session: Handle, pub: Handle, type: Pkcs11KeyPairType): Buffer {
  if (type.startsWith('rsa')) {
    const n = readAttribute(api, session, pub, CKA_MODULUS);
    const e = readAttribute(api, session, pub, CKA_PUBLIC_EXPONENT);
    if (!n || !e) throw new Pkcs11KeyError('pkcs11_operation_failed', 'The token did not return the new RSA public key.');
    return createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: b64url(e) }, format: 'jwk' }).export({ type: 'spki', format: 'der' });
  }
  const raw = readAttribute(api, session, pub, CKA_EC_POINT);
  if (!raw) throw new Pkcs11KeyError('pkcs11_operation_failed', 'The token did not return the new EC public key.');
  const point = ecPoint(raw);
  const size = type === 'ec-p256' ? 32 : 48;
  if (point.length !== 1 + 2 * size) throw new Pkcs11KeyError('pkcs11_operation_failed', 'The token returned an EC point of the wrong size.');
  return createPublicKey({
    key: { kty: 'EC', crv: type === 'ec-p256' ? 'P-256' : 'P-384', x: b64url(point.subarray(1, 1 + size)), y: b64url(point.subarray(1 + size)) },
    format: 'jwk',
  }).export({ type: 'spki', format: 'der' });
}

/**
 * Generates a `keyType` key pair on the single token `uri` matches, labelled with the URI's
 * `object` (default "rapki") and identified by its `id` (default 16 random bytes). PIN and module
 * are found as for signing (`pin-value`/`pin-source`/RAPKI_PKCS11_PIN; `pkcs11Lib`/`module-path`).
 */
export async function generatePkcs11KeyPair(
  uri: string,
  keyType: Pkcs11KeyPairType,
  opts: { readonly pkcs11Lib?: string | undefined } = {},
  io: Pkcs11FileIo = { readFile: (p) => readFile(p) },
  deps: Pkcs11Deps = {},
): Promise<GeneratedPkcs11KeyPair> {
  const u: Pkcs11Uri = parsePkcs11Uri(uri);
  if (!['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096'].includes(keyType)) {
    throw new TypeError(`unsupported key type ${String(keyType)}`);
  }
  const pin = await resolvePin([u], { env: deps.env ?? process.env, readFile: (p) => io.readFile(p) });
  const lease = await acquireModule(modulePathFor(opts, u, undefined), deps.binding ?? pkcs11jsBinding);
  const api = lease.api;
  let session: Handle | undefined;
  let loginKey: string | undefined;
  try {
    const slots = listTokenSlots(api).filter((s) => tokenMatches(u, s));
    if (slots.length !== 1) {
      throw new Pkcs11KeyError(
        slots.length === 0 ? 'pkcs11_token_not_found' : 'pkcs11_multiple_tokens',
        `${slots.length === 0 ? 'No token' : `${slots.length} tokens`} match ${redactPin(uri)}; name exactly one with token= or serial=.`,
      );
    }
    const slot = slots[0]!;
    try {
      session = api.C_OpenSession(slot.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION);
    } catch (err) {
      throw pkcs11Failure('C_OpenSession (read-write)', err);
    }
    loginKey = login(api, session, slot, pin, lease.path);
    const id = u.id !== undefined ? Buffer.from(u.id) : randomBytes(16);
    const label = Buffer.from(u.object ?? 'rapki', 'utf8');
    const common: Template = [
      { type: CKA_TOKEN, value: true },
      { type: CKA_ID, value: id },
      { type: CKA_LABEL, value: label },
    ];
    const pubTmpl: Template = [...common, { type: CKA_VERIFY, value: true }];
    const privTmpl: Template = [
      ...common,
      { type: CKA_PRIVATE, value: true },
      { type: CKA_SENSITIVE, value: true },
      { type: CKA_EXTRACTABLE, value: false },
      { type: CKA_SIGN, value: true },
    ];
    let mechanism: number;
    if (keyType.startsWith('rsa')) {
      mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
      pubTmpl.push({ type: CKA_MODULUS_BITS, value: Number(keyType.slice(4)) }, { type: CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) });
    } else {
      mechanism = CKM_EC_KEY_PAIR_GEN;
      pubTmpl.push({ type: CKA_EC_PARAMS, value: keyType === 'ec-p256' ? EC_PARAMS_P256 : EC_PARAMS_P384 });
    }
    let pair;
    try {
      pair = api.C_GenerateKeyPair(session, { mechanism }, pubTmpl, privTmpl);
    } catch (err) {
      throw pkcs11Failure('C_GenerateKeyPair', err);
    }
    const spki = spkiOf(api, session, pair.publicKey, keyType);
    const keyUri = formatPkcs11Uri({
      token: u.token ?? slot.tokenInfo.label.trimEnd(),
      serial: u.serial ?? slot.tokenInfo.serialNumber.trimEnd(),
      object: label.toString('utf8'),
      id,
      type: 'private',
      modulePath: u.modulePath,
    });
    return { spki: Uint8Array.from(spki), id: Uint8Array.from(id), keyUri };
  } finally {
    if (session !== undefined) {
      releaseLogin(api, session, loginKey);
      try {
        api.C_CloseSession(session);
      } catch {
        /* ignore */
      }
    }
    lease.release();
  }
}
