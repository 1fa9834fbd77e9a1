/**
 * Which slots' tokens a URI selects (RFC 7512 §3: every token/slot/library attribute present in the
 * URI must equal the corresponding CK_*_INFO field, blank padding removed; absent ones match all).
 */
import { pkcs11Failure } from './ckr.js';
import type { Handle, ModuleInfo, Pkcs11Api, SlotInfo, TokenInfo } from './pkcs11-api.js';
import type { Pkcs11Uri } from './uri.js';

/** One slot with a token, and what the URI can match on. */
export interface TokenSlot {
  readonly slot: Handle;
  /** Numeric slot id (the CK_SLOT_ID in the handle). */
  readonly slotId: number;
  readonly slotInfo: SlotInfo;
  readonly tokenInfo: TokenInfo;
}

/** CK_SLOT_ID from a pkcs11js handle (a native-endian CK_ULONG). */
export function handleToNumber(h: Handle): number {
  if (h.length >= 8) return Number(h.readBigUInt64LE(0));
  return h.readUInt32LE(0);
}

/** Fixed-width PKCS#11 text fields are blank-padded (and some modules NUL-pad). */
export function trimField(s: string): string {
  return s.replace(/[\s\0]+$/u, '');
}

/** Every slot that holds a token; slots whose info cannot be read are skipped (as the helper does). */
export function listTokenSlots(api: Pkcs11Api): TokenSlot[] {
  let slots: Handle[];
  try {
    slots = api.C_GetSlotList(true);
  } catch (err) {
    throw pkcs11Failure('C_GetSlotList', err);
  }
  const out: TokenSlot[] = [];
  for (const slot of slots) {
    try {
      out.push({ slot, slotId: handleToNumber(slot), slotInfo: api.C_GetSlotInfo(slot), tokenInfo: api.C_GetTokenInfo(slot) });
    } catch {
      continue;
    }
  }
  return out;
}

/** The module's C_GetInfo (for the URI's library-* attributes, RFC 7512 §2.3). */
export function moduleInfo(api: Pkcs11Api): ModuleInfo {
  try {
    return api.C_GetInfo();
  } catch (err) {
    throw pkcs11Failure('C_GetInfo', err);
  }
}

function mismatch(want: string | undefined, have: string): boolean {
  return want !== undefined && want !== trimField(have);
}

/** True when the module-level attributes of the URI (library-*) match the module. */
export function libraryMatches(uri: Pkcs11Uri, info: ModuleInfo): boolean {
  if (mismatch(uri.libraryManufacturer, info.manufacturerID)) return false;
  if (mismatch(uri.libraryDescription, info.libraryDescription)) return false;
  const v = uri.libraryVersion;
  return v === undefined || (v.major === info.libraryVersion.major && v.minor === info.libraryVersion.minor);
}

/** True when the token and slot attributes of the URI match this slot. */
export function tokenMatches(uri: Pkcs11Uri, s: TokenSlot): boolean {
  return !(
    mismatch(uri.token, s.tokenInfo.label) ||
    mismatch(uri.manufacturer, s.tokenInfo.manufacturerID) ||
    mismatch(uri.serial, s.tokenInfo.serialNumber) ||
    mismatch(uri.model, s.tokenInfo.model) ||
    mismatch(uri.slotDescription, s.slotInfo.slotDescription) ||
    mismatch(uri.slotManufacturer, s.slotInfo.manufacturerID) ||
    (uri.slotId !== undefined && uri.slotId !== s.slotId)
  );
}

/** A short description of a token for messages: label and serial. */
export function describeToken(s: TokenSlot): string {
  return `token "${trimField(s.tokenInfo.label)}" (serial ${trimField(s.tokenInfo.serialNumber) || '-'}, slot ${s.slotId})`;
}
