/**
 * User login bookkeeping. Logins are per application and token, not per session (PKCS#11 v2.40
 * §5.6: C_Logout logs out every session of the token), so logins are counted per module and slot
 * and only the last user logs out — two signers on one token (serve refreshing, key generation
 * next to an open signer) do not log each other out.
 */
import { CKF_LOGIN_REQUIRED, CKR_USER_ALREADY_LOGGED_IN, CKU_USER } from './constants.js';
import { ckrOf, pkcs11Failure } from './ckr.js';
import { Pkcs11KeyError } from './errors.js';
import type { Handle, Pkcs11Api } from './pkcs11-api.js';
import { describeToken, type TokenSlot } from './token-match.js';

const logins = new Map<string, number>();

/**
 * Logs the session's application in as CKU_USER unless the token needs no login; returns the login
 * key to release at close (undefined when no login was made or counted).
 */
export function login(api: Pkcs11Api, session: Handle, slot: TokenSlot, pin: string | undefined, modulePath: string): string | undefined {
  if ((slot.tokenInfo.flags & CKF_LOGIN_REQUIRED) === 0) return undefined;
  if (pin === undefined) {
    throw new Pkcs11KeyError(
      'pkcs11_pin_required',
      `${describeToken(slot)} needs the user PIN: add ?pin-source=FILE to the URI or set RAPKI_PKCS11_PIN (pin-value= works too but shows in the process list).`,
    );
  }
  try {
    api.C_Login(session, CKU_USER, pin);
  } catch (err) {
    if (ckrOf(err) !== CKR_USER_ALREADY_LOGGED_IN) throw pkcs11Failure(`login to ${describeToken(slot)}`, err);
  }
  const key = `${modulePath}#${slot.slotId}`;
  logins.set(key, (logins.get(key) ?? 0) + 1);
  return key;
}

/** Gives back a login taken by {@link login}; the last one logs the token out. */
export function releaseLogin(api: Pkcs11Api, session: Handle, key: string | undefined): void {
  if (key === undefined) return;
  const n = (logins.get(key) ?? 1) - 1;
  if (n > 0) {
    logins.set(key, n);
    return;
  }
  logins.delete(key);
  try {
    api.C_Logout(session);
  } catch {
    /* not logged in any more */
  }
}
