/**
 * The certificates a `pkcs11:` URI matches, with a precise URI for each — what the official
 * helper's `read-certificate-data --certificate pkcs11:…` lists as "Matching identities"
 * (its layout: signer/src/matching-identities.ts). Looks without logging in first; logs in only when
 * nothing public matched and exactly one token matches the URI (RFC 7512 §3, as for signing).
 */
import { X509Certificate } from 'node:crypto';
import { nodeKeyFileIo, type KeyFileIo } from '../read-input.js';
import { CKA_ID, CKA_LABEL, CKA_VALUE, CKF_SERIAL_SESSION, CKO_CERTIFICATE } from '../../../../common/src/pkcs11/constants.js';
import { findObjects, readAttribute } from '../../../../common/src/pkcs11/find-objects.js';
import { login, releaseLogin } from '../../../../common/src/pkcs11/login.js';
import { acquireModule, pkcs11jsBinding } from '../../../../common/src/pkcs11/module-registry.js';
import type { Handle, Pkcs11Api } from '../../../../common/src/pkcs11/pkcs11-api.js';
import { modulePathFor, type Pkcs11Deps } from '../../../../common/src/pkcs11/module-path.js';
import { resolvePin } from '../../../../common/src/pkcs11/pin.js';
import { libraryMatches, listTokenSlots, moduleInfo, tokenMatches, trimField, type TokenSlot } from '../../../../common/src/pkcs11/token-match.js';
import { formatPkcs11Uri, parsePkcs11Uri, type Pkcs11Uri } from '../../../../common/src/pkcs11/uri.js';

/** One matching certificate object. */
export interface Pkcs11CertificateEntry {
  /** Certificate DER. */
  readonly certificate: Uint8Array;
  /** A URI naming exactly this object (token, manufacturer, serial, model, object, id, type=cert; no PIN). */
  readonly uri: string;
}

function entriesIn(api: Pkcs11Api, session: Handle, u: Pkcs11Uri, slot: TokenSlot): Pkcs11CertificateEntry[] {
  const out: Pkcs11CertificateEntry[] = [];
  for (const h of findObjects(api, session, { cls: CKO_CERTIFICATE, label: u.object, id: u.id })) {
    const der = readAttribute(api, session, h, CKA_VALUE);
    if (der === undefined) continue;
    try {
      new X509Certificate(der);
    } catch {
      continue; // as the helper: unparsable objects are skipped in listings
    }
    const id = readAttribute(api, session, h, CKA_ID);
    const label = readAttribute(api, session, h, CKA_LABEL);
    out.push({
      certificate: Uint8Array.from(der),
      uri: formatPkcs11Uri({
        token: trimField(slot.tokenInfo.label),
        manufacturer: trimField(slot.tokenInfo.manufacturerID),
        serial: trimField(slot.tokenInfo.serialNumber),
        model: trimField(slot.tokenInfo.model),
        object: label !== undefined && label.length > 0 ? label.toString('utf8') : undefined,
        id: id !== undefined && id.length > 0 ? id : undefined,
        type: 'cert',
      }),
    });
  }
  return out;
}

/** Every certificate object `uriText` matches (possibly none). */
export async function listPkcs11Certificates(
  uriText: string,
  opts: { readonly pkcs11Lib?: string | undefined } = {},
  io: KeyFileIo = nodeKeyFileIo,
  deps: Pkcs11Deps = {},
): Promise<Pkcs11CertificateEntry[]> {
  const u = parsePkcs11Uri(uriText);
  const pin = await resolvePin([u], { env: deps.env ?? process.env, readFile: (p) => io.readFile(p) });
  const lease = await acquireModule(modulePathFor(opts, u, undefined), deps.binding ?? pkcs11jsBinding);
  const api = lease.api;
  try {
    if (!libraryMatches(u, moduleInfo(api))) return [];
    const slots = listTokenSlots(api).filter((s) => tokenMatches(u, s));
    const out: Pkcs11CertificateEntry[] = [];
    for (const slot of slots) {
      let session: Handle;
      try {
        session = api.C_OpenSession(slot.slot, CKF_SERIAL_SESSION);
      } catch {
        continue;
      }
      try {
        out.push(...entriesIn(api, session, u, slot));
      } finally {
        api.C_CloseSession(session);
      }
    }
    if (out.length === 0 && slots.length === 1 && pin !== undefined) {
      const slot = slots[0] as TokenSlot;
      const session = api.C_OpenSession(slot.slot, CKF_SERIAL_SESSION);
      let key: string | undefined;
      try {
        key = login(api, session, slot, pin, lease.path);
        out.push(...entriesIn(api, session, u, slot));
      } finally {
        releaseLogin(api, session, key);
        api.C_CloseSession(session);
      }
    }
    return out;
  } finally {
    lease.release();
  }
}
