/**
 * TPM 2.0 protocol constants used by rapki, in one place. Values from the TCG "Trusted Platform
 * Module Library, Part 2: Structures" (rev. 1.59) unless noted; the TSS2 key-file values from the
 * "ASN.1 Specification for TPM 2.0 Key Files" (draft-bottomley-tpm-keys) that tpm2-openssl,
 * tpm2-tss-engine, openssl_tpm2_engine and aws_signing_helper read and write.
 */

/** TPM_ST (Part 2 §6.9): command and ticket tags. */
export const TPM_ST_NO_SESSIONS = 0x8001;
export const TPM_ST_SESSIONS = 0x8002;
export const TPM_ST_HASHCHECK = 0x8024;

/** TPM_CC (Part 2 §6.5): the commands rapki sends. */
export const TPM_CC_EVICT_CONTROL = 0x00000120;
export const TPM_CC_CREATE_PRIMARY = 0x00000131;
export const TPM_CC_CREATE = 0x00000153;
export const TPM_CC_LOAD = 0x00000157;
export const TPM_CC_SIGN = 0x0000015d;
export const TPM_CC_FLUSH_CONTEXT = 0x00000165;
export const TPM_CC_READ_PUBLIC = 0x00000173;
export const TPM_CC_GET_CAPABILITY = 0x0000017a;

/** Names of those commands, for messages. */
export const COMMAND_NAMES: Readonly<Record<number, string>> = {
  [TPM_CC_EVICT_CONTROL]: 'TPM2_EvictControl',
  [TPM_CC_CREATE_PRIMARY]: 'TPM2_CreatePrimary',
  [TPM_CC_CREATE]: 'TPM2_Create',
  [TPM_CC_LOAD]: 'TPM2_Load',
  [TPM_CC_SIGN]: 'TPM2_Sign',
  [TPM_CC_FLUSH_CONTEXT]: 'TPM2_FlushContext',
  [TPM_CC_READ_PUBLIC]: 'TPM2_ReadPublic',
  [TPM_CC_GET_CAPABILITY]: 'TPM2_GetCapability',
};

/** Permanent handles (Part 2 §7.4). */
export const TPM_RH_OWNER = 0x40000001;
export const TPM_RH_NULL = 0x40000007;
/** The password authorization session (Part 1 §19.6.7; Part 2 §7.4 TPM_RS_PW). */
export const TPM_RS_PW = 0x40000009;
export const TPM_RH_ENDORSEMENT = 0x4000000b;
export const TPM_RH_PLATFORM = 0x4000000c;

/** Hierarchies a TSS2 key file may name as parent (the key's primary is then created there). */
export const HIERARCHY_PARENTS: ReadonlySet<number> = new Set([TPM_RH_OWNER, TPM_RH_NULL, TPM_RH_ENDORSEMENT, TPM_RH_PLATFORM]);

/** Handle types: the most significant octet of a handle (Part 2 §7.2). */
export const TPM_HT_TRANSIENT = 0x80;
export const TPM_HT_PERSISTENT = 0x81;
/** Owner-hierarchy persistent objects: 0x81000000..0x817FFFFF (TCG Handles Registry §2.3.1). */
export const PERSISTENT_OWNER_FIRST = 0x81000000;
export const PERSISTENT_OWNER_LAST = 0x817fffff;

/** TPM_ALG_ID (Part 2 §6.3; TCG Algorithm Registry). */
export const TPM_ALG_RSA = 0x0001;
export const TPM_ALG_SHA1 = 0x0004;
export const TPM_ALG_AES = 0x0006;
export const TPM_ALG_KEYEDHASH = 0x0008;
export const TPM_ALG_SHA256 = 0x000b;
export const TPM_ALG_SHA384 = 0x000c;
export const TPM_ALG_SHA512 = 0x000d;
export const TPM_ALG_NULL = 0x0010;
export const TPM_ALG_RSASSA = 0x0014;
export const TPM_ALG_RSAES = 0x0015;
export const TPM_ALG_RSAPSS = 0x0016;
export const TPM_ALG_ECDSA = 0x0018;
export const TPM_ALG_ECDAA = 0x001a;
export const TPM_ALG_ECC = 0x0023;
export const TPM_ALG_SYMCIPHER = 0x0025;
export const TPM_ALG_CFB = 0x0043;

/** Hash algorithms: TPM id, node:crypto name, digest size. */
export const TPM_HASHES: Readonly<Record<number, { readonly name: 'sha1' | 'sha256' | 'sha384' | 'sha512'; readonly size: number }>> = {
  [TPM_ALG_SHA1]: { name: 'sha1', size: 20 },
  [TPM_ALG_SHA256]: { name: 'sha256', size: 32 },
  [TPM_ALG_SHA384]: { name: 'sha384', size: 48 },
  [TPM_ALG_SHA512]: { name: 'sha512', size: 64 },
};

/** TPM_ECC_CURVE (Part 2 §6.4): the curves rapki signs with, with their node:crypto/JWK names. */
export const TPM_ECC_NIST_P256 = 0x0003;
export const TPM_ECC_NIST_P384 = 0x0004;
export const TPM_CURVES: Readonly<Record<number, { readonly jwk: 'P-256' | 'P-384'; readonly bytes: number }>> = {
  [TPM_ECC_NIST_P256]: { jwk: 'P-256', bytes: 32 },
  [TPM_ECC_NIST_P384]: { jwk: 'P-384', bytes: 48 },
};

/** TPMA_OBJECT bits (Part 2 §8.3). */
export const TPMA_OBJECT_FIXED_TPM = 1 << 1;
export const TPMA_OBJECT_FIXED_PARENT = 1 << 4;
export const TPMA_OBJECT_SENSITIVE_DATA_ORIGIN = 1 << 5;
export const TPMA_OBJECT_USER_WITH_AUTH = 1 << 6;
export const TPMA_OBJECT_NO_DA = 1 << 10;
export const TPMA_OBJECT_RESTRICTED = 1 << 16;
export const TPMA_OBJECT_DECRYPT = 1 << 17;
export const TPMA_OBJECT_SIGN = 1 << 18;

/**
 * Attributes of the storage primary key under a hierarchy: the TCG "TPM v2.0 Provisioning
 * Guidance" §7.5.1 SRK template, the one tpm2-openssl, tpm2-tss-engine and aws_signing_helper
 * create, so that a key file made by any of them loads under the same parent here.
 */
export const SRK_ATTRIBUTES =
  TPMA_OBJECT_FIXED_TPM |
  TPMA_OBJECT_FIXED_PARENT |
  TPMA_OBJECT_SENSITIVE_DATA_ORIGIN |
  TPMA_OBJECT_USER_WITH_AUTH |
  TPMA_OBJECT_NO_DA |
  TPMA_OBJECT_RESTRICTED |
  TPMA_OBJECT_DECRYPT;

/**
 * Attributes of a host key rapki generates: signing only, never leaves the TPM (fixedTPM,
 * fixedParent: not duplicable), generated inside it (sensitiveDataOrigin), usable with its password
 * (userWithAuth) and subject to dictionary-attack protection (no noDA), so that guessing a password
 * locks the TPM out instead of succeeding eventually.
 */
export const HOST_KEY_ATTRIBUTES =
  TPMA_OBJECT_FIXED_TPM | TPMA_OBJECT_FIXED_PARENT | TPMA_OBJECT_SENSITIVE_DATA_ORIGIN | TPMA_OBJECT_USER_WITH_AUTH | TPMA_OBJECT_SIGN;

/** RSA host keys use the default public exponent (65537, written as 0: Part 2 §12.2.3.5). */
export const RSA_DEFAULT_EXPONENT = 65537;

/** TPM_CAP and TPM_PT (Part 2 §6.12, §6.13). */
export const TPM_CAP_HANDLES = 0x00000001;
export const TPM_CAP_TPM_PROPERTIES = 0x00000006;
export const TPM_PT_PERMANENT = 0x200;
export const TPM_PT_LOCKOUT_COUNTER = 0x20e;
export const TPM_PT_MAX_AUTH_FAIL = 0x20f;
export const TPM_PT_LOCKOUT_INTERVAL = 0x210;
export const TPM_PT_LOCKOUT_RECOVERY = 0x211;
/** TPMA_PERMANENT.inLockout (Part 2 §8.6). */
export const TPMA_PERMANENT_IN_LOCKOUT = 1 << 2;

/** TPMA_SESSION.continueSession (Part 2 §8.4). */
export const TPMA_SESSION_CONTINUE = 0x01;

/**
 * Response codes (Part 2 §6.6). Format-one codes (bit 7 set) carry a parameter, handle or session
 * number in bits 8..11; {@link rcBase} strips it.
 */
export const TPM_RC_SUCCESS = 0x000;
export const RC_FMT1 = 0x080;
export const RC_WARN = 0x900;
export const TPM_RC_INITIALIZE = 0x100;
export const TPM_RC_AUTH_MISSING = 0x125;
export const TPM_RC_AUTH_UNAVAILABLE = 0x12f;
export const TPM_RC_ATTRIBUTES = 0x082;
export const TPM_RC_HASH = 0x083;
export const TPM_RC_VALUE = 0x084;
export const TPM_RC_HIERARCHY = 0x085;
export const TPM_RC_KEY_SIZE = 0x087;
export const TPM_RC_TYPE = 0x08a;
export const TPM_RC_HANDLE = 0x08b;
export const TPM_RC_AUTH_FAIL = 0x08e;
export const TPM_RC_SCHEME = 0x092;
export const TPM_RC_SIZE = 0x095;
export const TPM_RC_INTEGRITY = 0x09f;
export const TPM_RC_BAD_AUTH = 0x0a2;
export const TPM_RC_CURVE = 0x0a6;
export const TPM_RC_OBJECT_MEMORY = 0x902;
export const TPM_RC_SESSION_MEMORY = 0x903;
export const TPM_RC_OBJECT_HANDLES = 0x906;
export const TPM_RC_YIELDED = 0x908;
export const TPM_RC_TESTING = 0x90a;
export const TPM_RC_NV_RATE = 0x920;
export const TPM_RC_LOCKOUT = 0x921;
export const TPM_RC_RETRY = 0x922;
export const TPM_RC_NV_DEFINED = 0x14c;
/** Bit of a format-one code that says the number is a parameter's (else a handle's or session's). */
export const RC_P = 0x040;
/** Bit of a format-one code (P clear) that says the number is a session's. */
export const RC_S = 0x800;

/** Warnings after which the same command may simply be sent again (Part 2 §6.6.3). */
export const RETRYABLE_RCS: ReadonlySet<number> = new Set([TPM_RC_YIELDED, TPM_RC_TESTING, TPM_RC_RETRY, TPM_RC_NV_RATE]);

/** Symbolic names of the response codes messages mention. */
export const RC_NAMES: Readonly<Record<number, string>> = {
  [TPM_RC_INITIALIZE]: 'TPM_RC_INITIALIZE',
  [TPM_RC_AUTH_MISSING]: 'TPM_RC_AUTH_MISSING',
  [TPM_RC_AUTH_UNAVAILABLE]: 'TPM_RC_AUTH_UNAVAILABLE',
  [TPM_RC_ATTRIBUTES]: 'TPM_RC_ATTRIBUTES',
  [TPM_RC_HASH]: 'TPM_RC_HASH',
  [TPM_RC_VALUE]: 'TPM_RC_VALUE',
  [TPM_RC_HIERARCHY]: 'TPM_RC_HIERARCHY',
  [TPM_RC_KEY_SIZE]: 'TPM_RC_KEY_SIZE',
  [TPM_RC_TYPE]: 'TPM_RC_TYPE',
  [TPM_RC_HANDLE]: 'TPM_RC_HANDLE',
  [TPM_RC_AUTH_FAIL]: 'TPM_RC_AUTH_FAIL',
  [TPM_RC_SCHEME]: 'TPM_RC_SCHEME',
  [TPM_RC_SIZE]: 'TPM_RC_SIZE',
  [TPM_RC_INTEGRITY]: 'TPM_RC_INTEGRITY',
  [TPM_RC_BAD_AUTH]: 'TPM_RC_BAD_AUTH',
  [TPM_RC_CURVE]: 'TPM_RC_CURVE',
  [TPM_RC_OBJECT_MEMORY]: 'TPM_RC_OBJECT_MEMORY',
  [TPM_RC_SESSION_MEMORY]: 'TPM_RC_SESSION_MEMORY',
  [TPM_RC_OBJECT_HANDLES]: 'TPM_RC_OBJECT_HANDLES',
  [TPM_RC_LOCKOUT]: 'TPM_RC_LOCKOUT',
  [TPM_RC_NV_DEFINED]: 'TPM_RC_NV_DEFINED',
};

/** Command/response header: tag (2), size (4), code (4). */
export const HEADER_SIZE = 10;
/**
 * Largest response accepted from the device or socket. TPMs answer with at most
 * TPM_PT_MAX_RESPONSE_SIZE bytes (4096 on every known part); anything bigger is refused unread.
 */
export const MAX_RESPONSE_BYTES = 8192;
/**
 * Largest authValue of a key with a SHA-256 name algorithm: the digest size (Part 1 §19.6.4,
 * Part 3 TPM2_Create "userAuth ... no larger than the digest produced by nameAlg").
 */
export const MAX_AUTH_BYTES = 32;

/** Where the TPM is looked for (as aws_signing_helper/go-tpm): `TPM_DEVICE`, then these. */
export const ENV_TPM_DEVICE = 'TPM_DEVICE';
export const DEFAULT_TPM_DEVICES = ['/dev/tpmrm0', '/dev/tpm0'] as const;

/** Time allowed for one command. Generous: RSA key generation on a hardware TPM takes tens of seconds. */
export const COMMAND_TIMEOUT_MS = 120_000;
/** Attempts for a command answered with a retryable warning, and the pause between them. */
export const RETRY_ATTEMPTS = 5;
export const RETRY_DELAY_MS = 50;

/** TSS2 key files (draft-bottomley-tpm-keys §3); the PEM label and `handle:` live in detect.ts. */
export { HANDLE_PREFIX, TSS2_PEM_LABEL } from './detect.js';
export const OID_LOADABLE_KEY = '2.23.133.10.1.3';
export const OID_IMPORTABLE_KEY = '2.23.133.10.1.4';
export const OID_SEALED_DATA = '2.23.133.10.1.5';
