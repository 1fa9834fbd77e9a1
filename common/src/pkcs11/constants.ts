/**
 * PKCS#11 protocol constants used by rapki, in one place (values from PKCS#11 v2.40 pkcs11t.h;
 * the binding's own constant table is not used so that this module loads without the native addon).
 */

/** Object attributes (CKA_*). */
export const CKA_CLASS = 0x0;
export const CKA_TOKEN = 0x1;
export const CKA_PRIVATE = 0x2;
export const CKA_LABEL = 0x3;
export const CKA_VALUE = 0x11;
export const CKA_KEY_TYPE = 0x100;
export const CKA_ID = 0x102;
export const CKA_SENSITIVE = 0x103;
export const CKA_SIGN = 0x108;
export const CKA_VERIFY = 0x10a;
export const CKA_MODULUS = 0x120;
export const CKA_MODULUS_BITS = 0x121;
export const CKA_PUBLIC_EXPONENT = 0x122;
export const CKA_EXTRACTABLE = 0x162;
export const CKA_EC_PARAMS = 0x180;
export const CKA_EC_POINT = 0x181;
export const CKA_ALWAYS_AUTHENTICATE = 0x202;

/** Object classes (CKO_*). */
export const CKO_CERTIFICATE = 1;
export const CKO_PRIVATE_KEY = 3;

/** Certificate type X.509 (CKC_X_509). */
export const CKC_X_509 = 0;

/** Key types (CKK_*). */
export const CKK_RSA = 0;
export const CKK_EC = 3;

/** Mechanisms (CKM_*). */
export const CKM_RSA_PKCS_KEY_PAIR_GEN = 0x0;
export const CKM_RSA_PKCS = 0x1;
export const CKM_SHA256_RSA_PKCS = 0x40;
export const CKM_SHA384_RSA_PKCS = 0x41;
export const CKM_SHA512_RSA_PKCS = 0x42;
export const CKM_EC_KEY_PAIR_GEN = 0x1040;
export const CKM_ECDSA = 0x1041;

/** C_Initialize flag: the module may use OS locking (signatures run on a libuv worker thread). */
export const CKF_OS_LOCKING_OK = 0x2;
/** C_Initialize refusals that mean "try again without locking flags". */
export const CKR_CANT_LOCK = 0xa;
export const CKR_ARGUMENTS_BAD = 0x7;

/** Session flags (CKF_*) of C_OpenSession. */
export const CKF_RW_SESSION = 0x2;
export const CKF_SERIAL_SESSION = 0x4;
/** Token flag: a C_Login is needed before private objects can be used. */
export const CKF_LOGIN_REQUIRED = 0x4;

/** User types (CKU_*). */
export const CKU_USER = 1;
export const CKU_CONTEXT_SPECIFIC = 2;

/** Return values (CKR_*) that rapki turns into specific errors. */
export const CKR_MECHANISM_INVALID = 0x70;
export const CKR_PIN_INCORRECT = 0xa0;
export const CKR_PIN_INVALID = 0xa1;
export const CKR_PIN_LEN_RANGE = 0xa2;
export const CKR_PIN_EXPIRED = 0xa3;
export const CKR_PIN_LOCKED = 0xa4;
export const CKR_USER_ALREADY_LOGGED_IN = 0x100;
export const CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191;

/** DER of the namedCurve OIDs (CKA_EC_PARAMS) rapki generates keys on. */
export const EC_PARAMS_P256 = Buffer.from('06082a8648ce3d030107', 'hex');
export const EC_PARAMS_P384 = Buffer.from('06052b81040022', 'hex');

/**
 * DigestInfo prefixes (RFC 8017 §9.2 note 1) for tokens that only offer raw CKM_RSA_PKCS:
 * the prefix plus the digest is what CKM_SHA*_RSA_PKCS would have padded and signed.
 */
export const DIGEST_INFO_PREFIX: Readonly<Record<'sha256' | 'sha384' | 'sha512', Buffer>> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

/** Hash-and-sign RSA mechanisms per digest. */
export const RSA_HASH_MECHANISM: Readonly<Record<'sha256' | 'sha384' | 'sha512', number>> = {
  sha256: CKM_SHA256_RSA_PKCS,
  sha384: CKM_SHA384_RSA_PKCS,
  sha512: CKM_SHA512_RSA_PKCS,
};

/**
 * The module loaded when neither `--pkcs11-lib` nor a `module-path` URI attribute is given: the
 * p11-kit proxy, which exposes every module registered with p11-kit (as the official helper does:
 * its `--pkcs11-lib` default).
 */
export const DEFAULT_PKCS11_MODULE =
  process.platform === 'darwin' ? 'p11-kit-proxy.dylib' : process.platform === 'win32' ? 'p11-kit-proxy.dll' : 'p11-kit-proxy.so';

/** Environment variable holding the user PIN when the URI has neither pin-value nor pin-source. */
export const ENV_PKCS11_PIN = 'RAPKI_PKCS11_PIN';

/** Longest URI accepted (a real one is a few hundred bytes). */
export const MAX_URI_LENGTH = 4096;
/** Largest pin-source file read. */
export const MAX_PIN_FILE_BYTES = 4096;
/** Most objects a search may return before rapki stops and asks for a narrower URI. */
export const MAX_FOUND_OBJECTS = 1000;
/** Output buffer of C_Sign: enough for RSA-8192 (1024 bytes) and raw ECDSA P-521 (132 bytes). */
export const MAX_SIGNATURE_BYTES = 1024;

/**
 * Prefix of the data signed once at load to prove the key belongs to the certificate (the official
 * helper signs a similar fixed test string, aws_signing_helper/pkcs11_signer.go); followed by SHA-256 of the
 * certificate's SubjectPublicKeyInfo.
 */
export const KEY_MATCH_TEST_PREFIX = 'rapki PKCS#11 key-certificate match test v1';
