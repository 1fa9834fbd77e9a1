/**
 * The TPM 2.0 commands rapki sends, as pure functions: bytes of a command (Part 3 "Command"
 * tables), and the fields of its response (Part 3 "Response" tables). No I/O here; `tpm-client.ts`
 * sends them.
 *
 * Authorization: every authorized handle uses the password session TPM_RS_PW (Part 1 §19.6.7),
 * as aws_signing_helper and tpm2-openssl do. The password goes to the TPM in the clear over the
 * bus or socket; see docs/host.md "Keys in the TPM".
 */
import {
  TPM_ALG_ECDSA,
  TPM_ALG_RSAPSS,
  TPM_ALG_RSASSA,
  TPM_CAP_HANDLES,
  TPM_CAP_TPM_PROPERTIES,
  TPM_CC_CREATE,
  TPM_CC_CREATE_PRIMARY,
  TPM_CC_EVICT_CONTROL,
  TPM_CC_FLUSH_CONTEXT,
  TPM_CC_GET_CAPABILITY,
  TPM_CC_LOAD,
  TPM_CC_READ_PUBLIC,
  TPM_CC_SIGN,
  TPM_RH_NULL,
  TPM_RH_OWNER,
  TPM_RS_PW,
  TPM_ST_HASHCHECK,
  TPM_ST_NO_SESSIONS,
  TPM_ST_SESSIONS,
  TPMA_SESSION_CONTINUE,
  HEADER_SIZE,
} from './constants.js';
import { TpmKeyError } from './errors.js';
import { TpmReader, TpmWriter } from './marshal.js';
import { marshalPublic, publicFromTpm2b, type TpmPublic } from './public-area.js';

/** One command before marshaling. */
export interface TpmCommand {
  readonly code: number;
  /** Handle area, in order. */
  readonly handles: readonly number[];
  /**
   * Password of each of the first `auths.length` handles (TPM_RS_PW sessions). Absent: a command
   * without sessions (TPM_ST_NO_SESSIONS).
   */
  readonly auths?: readonly Uint8Array[];
  /** Handles the response carries before its parameters. */
  readonly responseHandles: number;
  readonly params: Buffer;
}

/** Marshaled command: header, handles, authorization area, parameters. */
export function marshalCommand(c: TpmCommand): Buffer {
  const body = new TpmWriter();
  for (const h of c.handles) body.u32(h);
  if (c.auths !== undefined) {
    const area = new TpmWriter();
    for (const password of c.auths) {
      // TPMS_AUTH_COMMAND: sessionHandle, nonceCaller (empty), sessionAttributes, hmac = password.
      area.u32(TPM_RS_PW).tpm2b(Buffer.alloc(0)).u8(TPMA_SESSION_CONTINUE).tpm2b(password);
    }
    const a = area.bytes();
    body.u32(a.length).raw(a);
  }
  body.raw(c.params);
  const b = body.bytes();
  return new TpmWriter()
    .u16(c.auths !== undefined ? TPM_ST_SESSIONS : TPM_ST_NO_SESSIONS)
    .u32(HEADER_SIZE + b.length)
    .u32(c.code)
    .raw(b)
    .bytes();
}

/** Response code of a response (its header), after checking tag and size. */
export function responseCode(res: Uint8Array, what: string): number {
  const r = new TpmReader(res, what);
  const tag = r.u16();
  const size = r.u32();
  const rc = r.u32();
  if ((tag !== TPM_ST_NO_SESSIONS && tag !== TPM_ST_SESSIONS) || size !== res.length) {
    throw new TpmKeyError('tpm_response_invalid', `${what}: bad response header (tag 0x${tag.toString(16)}, size ${size} for ${res.length} bytes).`);
  }
  return rc;
}

/** Handles and a reader over the parameters of a successful response. */
export function responseParts(res: Uint8Array, c: TpmCommand, what: string): { handles: number[]; params: TpmReader } {
  const r = new TpmReader(res, what);
  const tag = r.u16();
  r.u32();
  r.u32();
  const handles: number[] = [];
  for (let i = 0; i < c.responseHandles; i++) handles.push(r.u32());
  if (tag === TPM_ST_SESSIONS) {
    const size = r.u32();
    if (size > r.remaining) throw new TpmKeyError('tpm_response_invalid', `${what}: parameterSize ${size} runs past the response.`);
    const params = new TpmReader(res, what, r.offset, r.offset + size);
    return { handles, params };
  }
  return { handles, params: new TpmReader(res, what, r.offset) };
}

const EMPTY = Buffer.alloc(0);

function sensitiveCreate(userAuth: Uint8Array): TpmWriter {
  // TPM2B_SENSITIVE_CREATE { userAuth TPM2B_AUTH, data TPM2B_SENSITIVE_DATA (empty) }.
  return new TpmWriter().sized(new TpmWriter().tpm2b(userAuth).tpm2b(EMPTY));
}

/** TPM2_CreatePrimary (Part 3 §24.1) under `hierarchy`, empty hierarchy password. */
export function createPrimary(hierarchy: number, template: TpmPublic): TpmCommand {
  const params = sensitiveCreate(EMPTY)
    .tpm2b(marshalPublic(template))
    .tpm2b(EMPTY) // outsideInfo
    .u32(0) // creationPCR: TPML_PCR_SELECTION with count 0
    .bytes();
  return { code: TPM_CC_CREATE_PRIMARY, handles: [hierarchy], auths: [EMPTY], responseHandles: 1, params };
}

export interface CreatePrimaryResult {
  readonly handle: number;
  readonly outPublic: TpmPublic;
}

export function parseCreatePrimary(res: Uint8Array, c: TpmCommand): CreatePrimaryResult {
  const { handles, params } = responseParts(res, c, 'TPM2_CreatePrimary response');
  const pub = params.tpm2b();
  return { handle: handles[0]!, outPublic: publicFromTpm2b(Buffer.concat([u16(pub.length), pub]), 'TPM2_CreatePrimary outPublic') };
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** TPM2_Create (Part 3 §12.1): a key under a loaded `parent` (empty parent password). */
export function create(parent: number, template: TpmPublic, userAuth: Uint8Array): TpmCommand {
  const params = sensitiveCreate(userAuth).tpm2b(marshalPublic(template)).tpm2b(EMPTY).u32(0).bytes();
  return { code: TPM_CC_CREATE, handles: [parent], auths: [EMPTY], responseHandles: 0, params };
}

export interface CreateResult {
  /** TPM2B_PRIVATE as marshaled (size prefix included): what a key file stores. */
  readonly private2b: Buffer;
  /** TPM2B_PUBLIC as marshaled (size prefix included). */
  readonly public2b: Buffer;
  readonly outPublic: TpmPublic;
}

export function parseCreate(res: Uint8Array, c: TpmCommand): CreateResult {
  const { params } = responseParts(res, c, 'TPM2_Create response');
  const priv = params.tpm2b();
  const pub = params.tpm2b();
  const public2b = Buffer.concat([u16(pub.length), pub]);
  return { private2b: Buffer.concat([u16(priv.length), priv]), public2b, outPublic: publicFromTpm2b(public2b, 'TPM2_Create outPublic') };
}

/** TPM2_Load (Part 3 §12.2): the key file's TPM2B_PRIVATE and TPM2B_PUBLIC, size prefixes included. */
export function load(parent: number, private2b: Uint8Array, public2b: Uint8Array): TpmCommand {
  return { code: TPM_CC_LOAD, handles: [parent], auths: [EMPTY], responseHandles: 1, params: Buffer.concat([private2b, public2b]) };
}

export function parseLoad(res: Uint8Array, c: TpmCommand): { handle: number; name: Buffer } {
  const { handles, params } = responseParts(res, c, 'TPM2_Load response');
  return { handle: handles[0]!, name: params.tpm2b() };
}

/**
 * TPM2_Sign (Part 3 §20.2) of a digest the caller computed, with a NULL hash-check ticket (the key is
 * unrestricted, so no ticket is needed).
 */
export function sign(key: number, password: Uint8Array, digest: Uint8Array, scheme: number, hashAlg: number): TpmCommand {
  const params = new TpmWriter()
    .tpm2b(digest)
    .u16(scheme)
    .u16(hashAlg)
    // TPMT_TK_HASHCHECK { tag, hierarchy TPM_RH_NULL, digest empty }.
    .u16(TPM_ST_HASHCHECK)
    .u32(TPM_RH_NULL)
    .tpm2b(EMPTY)
    .bytes();
  return { code: TPM_CC_SIGN, handles: [key], auths: [password], responseHandles: 0, params };
}

/** TPMT_SIGNATURE: an ECDSA (r, s) pair or an RSA signature. */
export type TpmSignature =
  | { readonly kind: 'ecdsa'; readonly hashAlg: number; readonly r: Buffer; readonly s: Buffer }
  | { readonly kind: 'rsa'; readonly sigAlg: number; readonly hashAlg: number; readonly sig: Buffer };

export function parseSign(res: Uint8Array, c: TpmCommand): TpmSignature {
  const { params } = responseParts(res, c, 'TPM2_Sign response');
  const sigAlg = params.u16();
  const hashAlg = params.u16();
  if (sigAlg === TPM_ALG_ECDSA) return { kind: 'ecdsa', hashAlg, r: params.tpm2b(), s: params.tpm2b() };
  if (sigAlg === TPM_ALG_RSASSA || sigAlg === TPM_ALG_RSAPSS) return { kind: 'rsa', sigAlg, hashAlg, sig: params.tpm2b() };
  throw new TpmKeyError('tpm_response_invalid', `TPM2_Sign returned a signature of algorithm 0x${sigAlg.toString(16)}, not ECDSA or RSASSA.`);
}

/** TPM2_EvictControl (Part 3 §28.5) by the owner (empty owner password): persist or remove `object`. */
export function evictControl(object: number, persistentHandle: number): TpmCommand {
  const params = new TpmWriter().u32(persistentHandle).bytes();
  return { code: TPM_CC_EVICT_CONTROL, handles: [TPM_RH_OWNER, object], auths: [EMPTY], responseHandles: 0, params };
}

/** TPM2_FlushContext (Part 3 §28.4); the handle travels as a parameter. */
export function flushContext(handle: number): TpmCommand {
  return { code: TPM_CC_FLUSH_CONTEXT, handles: [], responseHandles: 0, params: new TpmWriter().u32(handle).bytes() };
}

/** TPM2_ReadPublic (Part 3 §12.4). */
export function readPublic(handle: number): TpmCommand {
  return { code: TPM_CC_READ_PUBLIC, handles: [handle], responseHandles: 0, params: EMPTY };
}

export function parseReadPublic(res: Uint8Array, c: TpmCommand): { outPublic: TpmPublic; name: Buffer } {
  const { params } = responseParts(res, c, 'TPM2_ReadPublic response');
  const pub = params.tpm2b();
  const name = params.tpm2b();
  return { outPublic: publicFromTpm2b(Buffer.concat([u16(pub.length), pub]), 'TPM2_ReadPublic outPublic'), name };
}

/** TPM2_GetCapability (Part 3 §30.2). */
export function getCapability(capability: number, property: number, count: number): TpmCommand {
  return { code: TPM_CC_GET_CAPABILITY, handles: [], responseHandles: 0, params: new TpmWriter().u32(capability).u32(property).u32(count).bytes() };
}

/** TPM_CAP_HANDLES: the handles listed (TPML_HANDLE). */
export function parseHandles(res: Uint8Array, c: TpmCommand): { more: boolean; handles: number[] } {
  const { params } = responseParts(res, c, 'TPM2_GetCapability response');
  const more = params.u8() !== 0;
  if (params.u32() !== TPM_CAP_HANDLES) throw new TpmKeyError('tpm_response_invalid', 'TPM2_GetCapability answered another capability than TPM_CAP_HANDLES.');
  const n = params.u32();
  const handles: number[] = [];
  for (let i = 0; i < n; i++) handles.push(params.u32());
  return { more, handles };
}

/** TPM_CAP_TPM_PROPERTIES: property → value (TPML_TAGGED_TPM_PROPERTY). */
export function parseProperties(res: Uint8Array, c: TpmCommand): Map<number, number> {
  const { params } = responseParts(res, c, 'TPM2_GetCapability response');
  params.u8();
  if (params.u32() !== TPM_CAP_TPM_PROPERTIES)
    throw new TpmKeyError('tpm_response_invalid', 'TPM2_GetCapability answered another capability than TPM_CAP_TPM_PROPERTIES.');
  const n = params.u32();
  const out = new Map<number, number>();
  for (let i = 0; i < n; i++) out.set(params.u32(), params.u32());
  return out;
}
