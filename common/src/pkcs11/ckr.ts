/**
 * Mapping of PKCS#11 return values (as pkcs11js reports them: an error whose `code` is the CKR value
 * and whose message is the CKR_ name) to rapki's coded errors.
 */
import { CKR_MECHANISM_INVALID, CKR_PIN_EXPIRED, CKR_PIN_INCORRECT, CKR_PIN_INVALID, CKR_PIN_LEN_RANGE, CKR_PIN_LOCKED } from './constants.js';
import { Pkcs11KeyError, type Pkcs11ErrorCode } from './errors.js';

/** The CKR value of a binding error, or undefined for other errors. */
export function ckrOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { name?: unknown; code?: unknown; message?: unknown };
  if (e.name === 'Pkcs11Error' && typeof e.code === 'number') return e.code;
  const m = typeof e.message === 'string' ? /CKR_[A-Z_]+:(\d+)/.exec(e.message) : null;
  return m ? Number(m[1]) : undefined;
}

/** The CKR_ name of a binding error for messages (`CKR_PIN_INCORRECT`), or a short generic text. */
export function ckrName(err: unknown): string {
  const msg = typeof (err as { message?: unknown })?.message === 'string' ? (err as Error).message : '';
  const m = /CKR_[A-Z_0-9]+/.exec(msg);
  if (m) return m[0];
  const ckr = ckrOf(err);
  return ckr !== undefined ? `CKR 0x${ckr.toString(16)}` : msg.split('\n')[0]?.slice(0, 120) || 'unknown error';
}

/** Wraps a failed call `what` into a coded error; PIN and mechanism failures get their own codes. */
export function pkcs11Failure(what: string, err: unknown): Pkcs11KeyError {
  if (err instanceof Pkcs11KeyError) return err;
  const ckr = ckrOf(err);
  let code: Pkcs11ErrorCode = 'pkcs11_operation_failed';
  let hint = '';
  if (ckr === CKR_PIN_INCORRECT || ckr === CKR_PIN_INVALID || ckr === CKR_PIN_LEN_RANGE) {
    code = 'pkcs11_wrong_pin';
    hint = ' Check pin-value / pin-source / RAPKI_PKCS11_PIN; repeated failures lock the token.';
  } else if (ckr === CKR_PIN_LOCKED || ckr === CKR_PIN_EXPIRED) {
    code = 'pkcs11_pin_locked';
    hint = ' Unlock or reset the user PIN with the security officer PIN.';
  } else if (ckr === CKR_MECHANISM_INVALID) {
    code = 'pkcs11_unsupported_mechanism';
  }
  return new Pkcs11KeyError(code, `PKCS#11 ${what} failed: ${ckrName(err)}.${hint}`, { cause: err });
}
