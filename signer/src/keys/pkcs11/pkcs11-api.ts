/**
 * The narrow seam to the native PKCS#11 binding: the calls rapki makes, typed after pkcs11js (type
 * import only — the addon itself is loaded lazily by `module-registry.ts`, never at start-up).
 */
import type { PKCS11 } from 'pkcs11js';

/** The subset of pkcs11js's PKCS11 class rapki uses. */
export type Pkcs11Api = Pick<
  PKCS11,
  | 'load'
  | 'close'
  | 'C_Initialize'
  | 'C_Finalize'
  | 'C_GetInfo'
  | 'C_GetSlotList'
  | 'C_GetSlotInfo'
  | 'C_GetTokenInfo'
  | 'C_GetMechanismList'
  | 'C_OpenSession'
  | 'C_CloseSession'
  | 'C_Login'
  | 'C_Logout'
  | 'C_FindObjectsInit'
  | 'C_FindObjects'
  | 'C_FindObjectsFinal'
  | 'C_GetAttributeValue'
  | 'C_SignInit'
  | 'C_Sign'
  | 'C_SignAsync'
  | 'C_GenerateKeyPair'
>;

/** A session or object handle (a native CK_ULONG in a Buffer). */
export type Handle = Buffer;

/** Creates an unloaded binding instance; the real one does `new (await import('pkcs11js')).PKCS11()`. */
export type BindingFactory = () => Promise<Pkcs11Api>;
