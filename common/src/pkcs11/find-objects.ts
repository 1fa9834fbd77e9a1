/**
 * Object search on a session: C_FindObjectsInit / C_FindObjects / C_FindObjectsFinal with the
 * template a URI implies (RFC 7512 §3: `object` → CKA_LABEL, `id` → CKA_ID, plus the class).
 */
import { CKA_CLASS, CKA_ID, CKA_LABEL, MAX_FOUND_OBJECTS } from './constants.js';
import { pkcs11Failure } from './ckr.js';
import { Pkcs11KeyError } from './errors.js';
import type { Handle, Pkcs11Api, Template } from './pkcs11-api.js';

/** What to search for: a class and optionally a label and an id. */
export interface ObjectQuery {
  readonly cls: number;
  readonly label?: string | undefined;
  readonly id?: Uint8Array | undefined;
}

/** The search template of a query. */
export function templateOf(q: ObjectQuery): Template {
  const t: Template = [{ type: CKA_CLASS, value: q.cls }];
  if (q.label !== undefined) t.push({ type: CKA_LABEL, value: Buffer.from(q.label, 'utf8') });
  if (q.id !== undefined) t.push({ type: CKA_ID, value: Buffer.from(q.id) });
  return t;
}

/** Handles of every object matching `q` (at most {@link MAX_FOUND_OBJECTS}). */
export function findObjects(api: Pkcs11Api, session: Handle, q: ObjectQuery): Handle[] {
  try {
    api.C_FindObjectsInit(session, templateOf(q));
  } catch (err) {
    throw pkcs11Failure('C_FindObjectsInit', err);
  }
  const out: Handle[] = [];
  try {
    for (;;) {
      const batch = api.C_FindObjects(session, 100);
      if (batch.length === 0) break;
      out.push(...batch);
      if (out.length > MAX_FOUND_OBJECTS) {
        throw new Pkcs11KeyError('pkcs11_operation_failed', `More than ${MAX_FOUND_OBJECTS} objects match; narrow the URI with id= or object=.`);
      }
    }
  } catch (err) {
    throw pkcs11Failure('C_FindObjects', err);
  } finally {
    try {
      api.C_FindObjectsFinal(session);
    } catch {
      /* the search is over either way */
    }
  }
  return out;
}

/** One attribute's bytes, or undefined when the token refuses it (sensitive, absent). */
export function readAttribute(api: Pkcs11Api, session: Handle, object: Handle, type: number): Buffer | undefined {
  try {
    const r = api.C_GetAttributeValue(session, object, [{ type }]);
    return r[0]?.value;
  } catch {
    return undefined;
  }
}

/** A CK_ULONG attribute (CKA_KEY_TYPE …) as a number; CK_BBOOL attributes read as 0/1. */
export function readUlong(api: Pkcs11Api, session: Handle, object: Handle, type: number): number | undefined {
  const v = readAttribute(api, session, object, type);
  if (v === undefined || v.length === 0) return undefined;
  if (v.length >= 8) return Number(v.readBigUInt64LE(0));
  if (v.length >= 4) return v.readUInt32LE(0);
  return v[0];
}
