/**
 * RFC 7512 `pkcs11:` URIs: parsing into a {@link Pkcs11Uri} and formatting back for messages.
 *
 * Strictness on purpose: a URI is a search term (RFC 7512 §3), so an attribute rapki silently
 * ignored would widen the search and could pick a different key. Hence every path attribute must be
 * one of RFC 7512 §2.3 and appear at most once; unknown query attributes (vendor ones, §2.4) are
 * ignored because query attributes never narrow the object search.
 */
import { MAX_URI_LENGTH } from './constants.js';
import { Pkcs11KeyError } from './errors.js';

/** Object classes of the `type` attribute (RFC 7512 §2.3). */
export type Pkcs11ObjectType = 'public' | 'private' | 'cert' | 'secret-key' | 'data';

/** A parsed PKCS#11 URI. String values are percent-decoded UTF-8; `id` is raw bytes. */
export interface Pkcs11Uri {
  /** Token label (CK_TOKEN_INFO.label). */
  readonly token?: string | undefined;
  readonly manufacturer?: string | undefined;
  readonly serial?: string | undefined;
  readonly model?: string | undefined;
  readonly libraryManufacturer?: string | undefined;
  readonly libraryDescription?: string | undefined;
  readonly libraryVersion?: { readonly major: number; readonly minor: number } | undefined;
  readonly slotDescription?: string | undefined;
  readonly slotManufacturer?: string | undefined;
  readonly slotId?: number | undefined;
  /** Object label (CKA_LABEL). */
  readonly object?: string | undefined;
  readonly type?: Pkcs11ObjectType | undefined;
  /** Object id (CKA_ID), raw bytes. */
  readonly id?: Uint8Array | undefined;
  readonly pinValue?: string | undefined;
  /** pin-source: a path or a `file:` URI. */
  readonly pinSource?: string | undefined;
  readonly moduleName?: string | undefined;
  readonly modulePath?: string | undefined;
}

/** True when `text` is meant as a PKCS#11 URI (scheme names are case-insensitive, RFC 3986 §3.1). */
export function isPkcs11Uri(text: string | undefined): text is string {
  return text !== undefined && /^pkcs11:/i.test(text);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const PATH_ATTRS = new Set([
  'token',
  'manufacturer',
  'serial',
  'model',
  'library-manufacturer',
  'library-description',
  'library-version',
  'object',
  'type',
  'id',
  'slot-description',
  'slot-manufacturer',
  'slot-id',
]);
const QUERY_ATTRS = new Set(['pin-source', 'pin-value', 'module-name', 'module-path']);
const TYPES: ReadonlySet<string> = new Set(['public', 'private', 'cert', 'secret-key', 'data']);

// pk11-pchar / pk11-qchar of RFC 7512 §2.3 (unreserved, the allowed reserved characters, '%').
const PATH_VALUE = /^[A-Za-z0-9\-._~:[\]@!$'()*+,=&%]*$/;
const QUERY_VALUE = /^[A-Za-z0-9\-._~:[\]@!$'()*+,=/?|%]*$/;
const ATTR_NAME = /^[A-Za-z0-9\-_]+$/;

function bad(uri: string, why: string): Pkcs11KeyError {
  return new Pkcs11KeyError('invalid_pkcs11_uri', `Invalid PKCS#11 URI ${redactPin(uri)}: ${why}.`);
}

/** The URI text with any pin-value replaced, for messages and logs. */
export function redactPin(uri: string): string {
  const shown = uri.length > 300 ? `${uri.slice(0, 300)}…` : uri;
  return shown.replace(/([?&]pin-value=)[^&]*/gi, '$1***');
}

function pctDecode(uri: string, name: string, raw: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25) {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw bad(uri, `attribute ${name} has a bad percent-escape '%${hex}'`);
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      out.push(c);
    }
  }
  return Buffer.from(out);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function utf8(uri: string, name: string, bytes: Buffer): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw bad(uri, `attribute ${name} is not valid UTF-8 after percent-decoding`);
  }
}

function splitAttr(uri: string, part: string): [string, string] {
  const eq = part.indexOf('=');
  if (eq <= 0) throw bad(uri, `'${part.slice(0, 40)}' is not name=value`);
  const name = part.slice(0, eq).toLowerCase();
  if (!ATTR_NAME.test(name)) throw bad(uri, `'${part.slice(0, eq).slice(0, 40)}' is not an attribute name`);
  return [name, part.slice(eq + 1)];
}

/**
 * Parses a `pkcs11:` URI (RFC 7512 §2.3 grammar). Throws `invalid_pkcs11_uri` for a wrong scheme, a
 * fragment, characters outside pk11-pchar/pk11-qchar, bad percent-escapes, unknown or repeated path
 * attributes, a bad `type`, `slot-id` or `library-version`, and pin-value together with pin-source.
 */
export function parsePkcs11Uri(text: string): Pkcs11Uri {
  if (text.length > MAX_URI_LENGTH) throw bad(text, `longer than ${MAX_URI_LENGTH} characters`);
  if (!isPkcs11Uri(text)) throw bad(text, "it must start with 'pkcs11:'");
  const rest = text.slice('pkcs11:'.length);
  if (rest.includes('#')) throw bad(text, 'a fragment (#) is not allowed');
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q + 1);
  const out: Mutable<Pkcs11Uri> = {};
  const seen = new Set<string>();

  if (path !== '') {
    for (const part of path.split(';')) {
      const [name, raw] = splitAttr(text, part);
      if (!PATH_VALUE.test(raw)) throw bad(text, `attribute ${name} holds a character that must be percent-encoded`);
      if (!PATH_ATTRS.has(name)) throw bad(text, `path attribute '${name}' is not an RFC 7512 attribute rapki can match on`);
      if (seen.has(name)) throw bad(text, `attribute ${name} appears more than once`);
      seen.add(name);
      const bytes = pctDecode(text, name, raw);
      switch (name) {
        case 'id':
          out.id = Uint8Array.from(bytes);
          break;
        case 'type': {
          const v = utf8(text, name, bytes);
          if (!TYPES.has(v)) throw bad(text, `type must be one of public, private, cert, secret-key, data, got '${v.slice(0, 20)}'`);
          out.type = v as Pkcs11ObjectType;
          break;
        }
        case 'slot-id': {
          const v = utf8(text, name, bytes);
          if (!/^\d{1,15}$/.test(v)) throw bad(text, 'slot-id must be a decimal number');
          out.slotId = Number(v);
          break;
        }
        case 'library-version': {
          const m = /^(\d{1,3})(?:\.(\d{1,3}))?$/.exec(utf8(text, name, bytes));
          if (!m) throw bad(text, 'library-version must be M or M.N');
          out.libraryVersion = { major: Number(m[1]), minor: Number(m[2] ?? '0') };
          break;
        }
        default: {
          const v = utf8(text, name, bytes);
          const key = (
            {
              token: 'token',
              manufacturer: 'manufacturer',
              serial: 'serial',
              model: 'model',
              object: 'object',
              'library-manufacturer': 'libraryManufacturer',
              'library-description': 'libraryDescription',
              'slot-description': 'slotDescription',
              'slot-manufacturer': 'slotManufacturer',
            } as const
          )[name as 'token'];
          out[key] = v;
        }
      }
    }
  }

  if (query !== '') {
    for (const part of query.split('&')) {
      const [name, raw] = splitAttr(text, part);
      if (!QUERY_VALUE.test(raw)) throw bad(text, `query attribute ${name} holds a character that must be percent-encoded`);
      if (!QUERY_ATTRS.has(name)) continue; // vendor query attributes do not narrow the search
      if (seen.has(name)) throw bad(text, `attribute ${name} appears more than once`);
      seen.add(name);
      const v = utf8(text, name, pctDecode(text, name, raw));
      if (name === 'pin-value') out.pinValue = v;
      else if (name === 'pin-source') out.pinSource = v;
      else if (name === 'module-name') out.moduleName = v;
      else out.modulePath = v;
    }
  }
  if (out.pinValue !== undefined && out.pinSource !== undefined) {
    throw bad(text, 'give the PIN with only one of pin-value and pin-source');
  }
  return Object.freeze(out);
}

function pctEncode(bytes: Uint8Array, all: boolean): string {
  let s = '';
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    s += !all && /[A-Za-z0-9\-._~:@!$'()*+,]/.test(ch) ? ch : `%${b.toString(16).padStart(2, '0')}`;
  }
  return s;
}

/**
 * Formats a URI (RFC 7512 §2.3 order-independent; rapki writes a fixed order). `pin-value` is never
 * written, so the result is safe for messages and for `read-certificate-data`.
 */
export function formatPkcs11Uri(u: Pkcs11Uri): string {
  const p: string[] = [];
  const s = (name: string, v: string | undefined): void => {
    if (v !== undefined) p.push(`${name}=${pctEncode(Buffer.from(v, 'utf8'), false)}`);
  };
  s('token', u.token);
  s('manufacturer', u.manufacturer);
  s('serial', u.serial);
  s('model', u.model);
  s('library-manufacturer', u.libraryManufacturer);
  s('library-description', u.libraryDescription);
  if (u.libraryVersion) p.push(`library-version=${u.libraryVersion.major}.${u.libraryVersion.minor}`);
  s('slot-description', u.slotDescription);
  s('slot-manufacturer', u.slotManufacturer);
  if (u.slotId !== undefined) p.push(`slot-id=${u.slotId}`);
  s('object', u.object);
  if (u.type !== undefined) p.push(`type=${u.type}`);
  if (u.id !== undefined) p.push(`id=${pctEncode(u.id, true)}`);
  const q: string[] = [];
  if (u.pinSource !== undefined) q.push(`pin-source=${pctEncode(Buffer.from(u.pinSource, 'utf8'), false).replace(/%2f/g, '/')}`);
  if (u.moduleName !== undefined) q.push(`module-name=${pctEncode(Buffer.from(u.moduleName, 'utf8'), false)}`);
  if (u.modulePath !== undefined) q.push(`module-path=${pctEncode(Buffer.from(u.modulePath, 'utf8'), false).replace(/%2f/g, '/')}`);
  return `pkcs11:${p.join(';')}${q.length > 0 ? `?${q.join('&')}` : ''}`;
}
