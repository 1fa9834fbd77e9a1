/**
 * PKCS#11 key sources (RFC 7512 URIs). Loaded lazily by `loadKeySigner` only when a `pkcs11:` URI
 * is given; the native pkcs11js addon is imported later still, when a module is opened.
 */
export { loadPkcs11KeySigner, modulePathFor, type Pkcs11Deps } from './pkcs11-key-signer.js';
export { listPkcs11Certificates, type Pkcs11CertificateEntry } from './list-certificates.js';
export { generatePkcs11KeyPair, type Pkcs11KeyPairType, type GeneratedPkcs11KeyPair } from '../../../../common/src/pkcs11/generate-key-pair.js';
export { parsePkcs11Uri, formatPkcs11Uri, isPkcs11Uri, redactPin, type Pkcs11Uri, type Pkcs11ObjectType } from '../../../../common/src/pkcs11/uri.js';
export { resolvePin, pinSourcePath, type PinIo } from '../../../../common/src/pkcs11/pin.js';
export { rawEcdsaToDer } from '../../../../common/src/pkcs11/ecdsa-der.js';
export { PKCS11_ERROR_CODES, Pkcs11KeyError, type Pkcs11ErrorCode } from '../../../../common/src/pkcs11/errors.js';
export { DEFAULT_PKCS11_MODULE, ENV_PKCS11_PIN } from '../../../../common/src/pkcs11/constants.js';
