/** Opening and closing PKCS#11 sessions with coded errors (PKCS#11 v2.40 §5.6). */
import { CKF_SERIAL_SESSION } from './constants.js';
import { pkcs11Failure } from './ckr.js';
import type { Handle, Pkcs11Api } from './pkcs11-api.js';
import { describeToken, type TokenSlot } from './token-match.js';

/** A serial session on the slot; `flags` adds e.g. CKF_RW_SESSION. */
export function openSession(api: Pkcs11Api, slot: TokenSlot, flags = 0): Handle {
  try {
    return api.C_OpenSession(slot.slot, CKF_SERIAL_SESSION | flags);
  } catch (err) {
    throw pkcs11Failure(`C_OpenSession on ${describeToken(slot)}`, err);
  }
}

/** Closes a session, ignoring "already closed". */
export function closeSession(api: Pkcs11Api, session: Handle): void {
  try {
    api.C_CloseSession(session);
  } catch {
    /* already closed */
  }
}
