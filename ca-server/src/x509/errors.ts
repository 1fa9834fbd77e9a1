import { RapkiError } from '../../../common/src/errors.js';
import { SHARED_CODES } from '../../../common/src/errors/codes/shared.js';
import { X509_CODES } from '../../../common/src/errors/codes/x509.js';

/** Shared codes (common/src/errors/codes/shared.ts) this layer raises too. */
const SHARED = ['certificate_unparsable', 'pem_invalid', 'serial_invalid', 'san_invalid'] as const;

export type X509ErrorCode = keyof typeof X509_CODES | (typeof SHARED)[number];

/**
 * Error codes raised by the CA's X.509 layer (the `x509` area of the one registry,
 * common/src/errors/codes/x509.ts). The authority maps them to statuses (bad CSR → 400, lint
 * failure → 500).
 */
export const X509_ERROR_CODES: Readonly<Record<X509ErrorCode, string>> = Object.freeze(
  Object.fromEntries([...Object.entries(X509_CODES), ...SHARED.map((c) => [c, SHARED_CODES[c]] as const)].map(([c, spec]) => [c, spec.message])) as Record<
    X509ErrorCode,
    string
  >,
);

/** Shorthand for a coded error of this layer. */
export function x509Error(code: X509ErrorCode, message: string, cause?: unknown): RapkiError {
  return new RapkiError(code, message, cause === undefined ? undefined : { cause });
}
