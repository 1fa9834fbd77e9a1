/**
 * Error codes raised by CA key management (`ca-server/src/keys/`): the `ca-keys` area of the one
 * registry (common/src/errors/codes/ca-keys.ts). None of them ever carries key material.
 */
import { CA_KEY_CODES } from '../../../common/src/errors/codes/ca-keys.js';

/** Every code of this area with what it means. */
export const KEY_ERROR_CODES: Readonly<Record<KeyErrorCode, string>> = Object.freeze(
  Object.fromEntries(Object.entries(CA_KEY_CODES).map(([c, spec]) => [c, spec.message])) as Record<KeyErrorCode, string>,
);

export type KeyErrorCode = keyof typeof CA_KEY_CODES;
