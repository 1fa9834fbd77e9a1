/**
 * TPMT_PUBLIC (Part 2 §12.2.4) for the two object types rapki uses, RSA and ECC: marshal a
 * template, unmarshal what the TPM or a key file holds, the public key as a node:crypto KeyObject,
 * and the object's Name (Part 1 §16: nameAlg ‖ H_nameAlg(TPMT_PUBLIC)).
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import {
  HOST_KEY_ATTRIBUTES,
  RSA_DEFAULT_EXPONENT,
  SRK_ATTRIBUTES,
  TPM_ALG_AES,
  TPM_ALG_CFB,
  TPM_ALG_ECC,
  TPM_ALG_ECDAA,
  TPM_ALG_NULL,
  TPM_ALG_RSA,
  TPM_ALG_RSAES,
  TPM_ALG_SHA256,
  TPM_CURVES,
  TPM_ECC_NIST_P256,
  TPM_HASHES,
} from './constants.js';
import { TpmKeyError } from './errors.js';
import { TpmReader, TpmWriter } from './marshal.js';

/** TPMT_SYM_DEF_OBJECT: NULL, or an algorithm with key size and mode. */
export interface SymDef {
  readonly algorithm: number;
  readonly keyBits?: number;
  readonly mode?: number;
}

/** TPMT_RSA_SCHEME / TPMT_ECC_SCHEME / TPMT_KDF_SCHEME: NULL, or a scheme with its hash. */
export interface Scheme {
  readonly scheme: number;
  readonly hashAlg?: number;
  /** TPMS_SCHEME_ECDAA only. */
  readonly count?: number;
}

interface PublicCommon {
  readonly nameAlg: number;
  readonly objectAttributes: number;
  readonly authPolicy: Buffer;
  readonly symmetric: SymDef;
  readonly scheme: Scheme;
}

export interface RsaPublic extends PublicCommon {
  readonly type: typeof TPM_ALG_RSA;
  readonly keyBits: number;
  /** 0 means 65537 (Part 2 §12.2.3.5). */
  readonly exponent: number;
  readonly modulus: Buffer;
}

export interface EccPublic extends PublicCommon {
  readonly type: typeof TPM_ALG_ECC;
  readonly curveId: number;
  readonly kdf: Scheme;
  readonly x: Buffer;
  readonly y: Buffer;
}

export type TpmPublic = RsaPublic | EccPublic;

function writeSymDef(w: TpmWriter, s: SymDef): void {
  w.u16(s.algorithm);
  if (s.algorithm !== TPM_ALG_NULL) w.u16(s.keyBits ?? 0).u16(s.mode ?? TPM_ALG_NULL);
}

function readSymDef(r: TpmReader): SymDef {
  const algorithm = r.u16();
  if (algorithm === TPM_ALG_NULL) return { algorithm };
  return { algorithm, keyBits: r.u16(), mode: r.u16() };
}

/** Scheme details per Part 2 §11.2: RSAES has none, ECDAA a hash and a count, the rest a hash. */
function writeScheme(w: TpmWriter, s: Scheme): void {
  w.u16(s.scheme);
  if (s.scheme === TPM_ALG_NULL || s.scheme === TPM_ALG_RSAES) return;
  w.u16(s.hashAlg ?? TPM_ALG_NULL);
  if (s.scheme === TPM_ALG_ECDAA) w.u16(s.count ?? 0);
}

function readScheme(r: TpmReader): Scheme {
  const scheme = r.u16();
  if (scheme === TPM_ALG_NULL || scheme === TPM_ALG_RSAES) return { scheme };
  const hashAlg = r.u16();
  if (scheme === TPM_ALG_ECDAA) return { scheme, hashAlg, count: r.u16() };
  return { scheme, hashAlg };
}

/** Marshaled TPMT_PUBLIC. */
export function marshalPublic(p: TpmPublic): Buffer {
  const w = new TpmWriter().u16(p.type).u16(p.nameAlg).u32(p.objectAttributes).tpm2b(p.authPolicy);
  writeSymDef(w, p.symmetric);
  writeScheme(w, p.scheme);
  if (p.type === TPM_ALG_RSA) {
    w.u16(p.keyBits).u32(p.exponent).tpm2b(p.modulus);
  } else {
    w.u16(p.curveId);
    writeScheme(w, p.kdf);
    w.tpm2b(p.x).tpm2b(p.y);
  }
  return w.bytes();
}

/** Unmarshals a TPMT_PUBLIC that fills `r` exactly; only RSA and ECC objects are accepted. */
export function unmarshalPublic(r: TpmReader): TpmPublic {
  const type = r.u16();
  const nameAlg = r.u16();
  const objectAttributes = r.u32();
  const authPolicy = r.tpm2b();
  if (type !== TPM_ALG_RSA && type !== TPM_ALG_ECC) {
    throw new TpmKeyError('tpm_key_unsupported', `The TPM object is of type 0x${type.toString(16).padStart(4, '0')}; only RSA and ECC keys can sign.`);
  }
  const symmetric = readSymDef(r);
  const scheme = readScheme(r);
  let out: TpmPublic;
  if (type === TPM_ALG_RSA) {
    const keyBits = r.u16();
    const exponent = r.u32();
    out = { type, nameAlg, objectAttributes, authPolicy, symmetric, scheme, keyBits, exponent, modulus: r.tpm2b() };
  } else {
    const curveId = r.u16();
    const kdf = readScheme(r);
    out = { type, nameAlg, objectAttributes, authPolicy, symmetric, scheme, curveId, kdf, x: r.tpm2b(), y: r.tpm2b() };
  }
  r.done();
  return out;
}

/** TPMT_PUBLIC from the content of a TPM2B_PUBLIC (size prefix included). */
export function publicFromTpm2b(bytes: Uint8Array, what: string): TpmPublic {
  const outer = new TpmReader(bytes, what);
  const inner = outer.sized(what);
  outer.done();
  return unmarshalPublic(inner);
}

/**
 * The storage primary of a hierarchy, as TCG Provisioning Guidance §7.5.1 and every TSS2 key-file
 * writer define it: ECC P-256 (or RSA 2048 when the key file says `rsaParent`), AES-128-CFB, no
 * signing scheme, SHA-256 names, and an empty unique field.
 */
export function storagePrimaryTemplate(rsa: boolean): TpmPublic {
  const common = {
    nameAlg: TPM_ALG_SHA256,
    objectAttributes: SRK_ATTRIBUTES,
    authPolicy: Buffer.alloc(0),
    symmetric: { algorithm: TPM_ALG_AES, keyBits: 128, mode: TPM_ALG_CFB },
    scheme: { scheme: TPM_ALG_NULL },
  };
  if (rsa) return { ...common, type: TPM_ALG_RSA, keyBits: 2048, exponent: 0, modulus: Buffer.alloc(0) };
  return { ...common, type: TPM_ALG_ECC, curveId: TPM_ECC_NIST_P256, kdf: { scheme: TPM_ALG_NULL }, x: Buffer.alloc(0), y: Buffer.alloc(0) };
}

/**
 * Template of a host signing key: EC P-256/P-384 or RSA with `rsaBits`. The scheme is left NULL (as
 * tpm2-openssl and aws_signing_helper leave it), so each TPM2_Sign names it: the official helper
 * signs P-384 keys as ECDSA with a SHA-384-sized digest, which a key fixed to SHA-256 would refuse.
 */
export function hostKeyTemplate(kind: { ec: 'P-256' | 'P-384' } | { rsaBits: number }): TpmPublic {
  const common = {
    nameAlg: TPM_ALG_SHA256,
    objectAttributes: HOST_KEY_ATTRIBUTES,
    authPolicy: Buffer.alloc(0),
    symmetric: { algorithm: TPM_ALG_NULL },
    scheme: { scheme: TPM_ALG_NULL },
  };
  if ('rsaBits' in kind) return { ...common, type: TPM_ALG_RSA, keyBits: kind.rsaBits, exponent: 0, modulus: Buffer.alloc(0) };
  const curveId = Number(Object.keys(TPM_CURVES).find((k) => TPM_CURVES[Number(k)]!.jwk === kind.ec));
  return { ...common, type: TPM_ALG_ECC, curveId, kdf: { scheme: TPM_ALG_NULL }, x: Buffer.alloc(0), y: Buffer.alloc(0) };
}

/** Unsigned big-endian bytes to base64url without leading zeros (JWK integers, RFC 7518 §2). */
function b64uInt(b: Uint8Array): string {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return Buffer.from(b.subarray(i)).toString('base64url');
}

/** A curve coordinate left-padded to the field size (JWK, RFC 7518 §6.2.1.2). */
function b64uCoordinate(b: Uint8Array, size: number): string {
  if (b.length > size) throw new TpmKeyError('tpm_key_file_invalid', `An EC coordinate has ${b.length} bytes; the curve has ${size}.`);
  return Buffer.concat([Buffer.alloc(size - b.length), b]).toString('base64url');
}

/** The public key of an RSA or ECC object. Curves other than P-256/P-384 are `unsupported_curve`-like. */
export function publicKeyOf(p: TpmPublic): KeyObject {
  try {
    if (p.type === TPM_ALG_RSA) {
      const e = p.exponent === 0 ? RSA_DEFAULT_EXPONENT : p.exponent;
      const eBytes = Buffer.alloc(4);
      eBytes.writeUInt32BE(e);
      return createPublicKey({ key: { kty: 'RSA', n: b64uInt(p.modulus), e: b64uInt(eBytes) }, format: 'jwk' });
    }
    const curve = TPM_CURVES[p.curveId];
    if (curve === undefined) {
      throw new TpmKeyError(
        'tpm_key_unsupported',
        `The TPM key is on ECC curve 0x${p.curveId.toString(16).padStart(4, '0')}; only NIST P-256 and P-384 are supported.`,
      );
    }
    return createPublicKey({ key: { kty: 'EC', crv: curve.jwk, x: b64uCoordinate(p.x, curve.bytes), y: b64uCoordinate(p.y, curve.bytes) }, format: 'jwk' });
  } catch (err) {
    if (err instanceof TpmKeyError) throw err;
    throw new TpmKeyError('tpm_key_file_invalid', 'The public area of the TPM key does not hold a valid public key.', { cause: err });
  }
}

/** Name of an object (Part 1 §16): nameAlg as 2 bytes, then the digest of the marshaled TPMT_PUBLIC. */
export function objectName(p: TpmPublic): Buffer {
  const hash = TPM_HASHES[p.nameAlg];
  if (hash === undefined)
    throw new TpmKeyError('tpm_key_unsupported', `The TPM object uses name algorithm 0x${p.nameAlg.toString(16)}, which rapki does not know.`);
  const alg = Buffer.alloc(2);
  alg.writeUInt16BE(p.nameAlg);
  return Buffer.concat([alg, createHash(hash.name).update(marshalPublic(p)).digest()]);
}
