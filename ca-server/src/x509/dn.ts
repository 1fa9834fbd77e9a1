import { children, contentBytes, DerError, elementBytes, oidToString, readTlv, type Tlv } from '../../../common/src/der/reader.js';
import { oid, sequence, set, Tag, tlv } from '../../../common/src/der/writer.js';
import { x509Error } from './errors.js';

/**
 * Distinguished names: RFC 4514 text ⇄ DER `Name` (RFC 5280 §4.1.2.4).
 *
 * Order: as RFC 4514 §2.1 says, the text lists RDNs from the LAST one of the DER sequence to the
 * first, so `CN=Example Root,O=Example` encodes O first and CN last, and `openssl x509 -subject`
 * prints `O = Example, CN = Example Root`. `parseDn` and `formatDn` are inverses.
 *
 * Value types: countryName, serialNumber → PrintableString; domainComponent, emailAddress →
 * IA5String; everything else UTF8String (RFC 5280 §4.1.2.6 "MUST use UTF8String" for new CAs).
 */

interface AttributeType {
  readonly name: string;
  readonly oid: string;
  readonly tag: number;
  readonly maxLength: number;
}

const TYPES: readonly AttributeType[] = [
  { name: 'CN', oid: '2.5.4.3', tag: Tag.UTF8_STRING, maxLength: 64 },
  { name: 'SN', oid: '2.5.4.4', tag: Tag.UTF8_STRING, maxLength: 64 },
  { name: 'serialNumber', oid: '2.5.4.5', tag: Tag.PRINTABLE_STRING, maxLength: 64 },
  { name: 'C', oid: '2.5.4.6', tag: Tag.PRINTABLE_STRING, maxLength: 2 },
  { name: 'L', oid: '2.5.4.7', tag: Tag.UTF8_STRING, maxLength: 128 },
  { name: 'ST', oid: '2.5.4.8', tag: Tag.UTF8_STRING, maxLength: 128 },
  { name: 'STREET', oid: '2.5.4.9', tag: Tag.UTF8_STRING, maxLength: 128 },
  { name: 'O', oid: '2.5.4.10', tag: Tag.UTF8_STRING, maxLength: 64 },
  { name: 'OU', oid: '2.5.4.11', tag: Tag.UTF8_STRING, maxLength: 64 },
  { name: 'title', oid: '2.5.4.12', tag: Tag.UTF8_STRING, maxLength: 64 },
  { name: 'GN', oid: '2.5.4.42', tag: Tag.UTF8_STRING, maxLength: 64 },
  { name: 'DC', oid: '0.9.2342.19200300.100.1.25', tag: Tag.IA5_STRING, maxLength: 63 },
  { name: 'UID', oid: '0.9.2342.19200300.100.1.1', tag: Tag.UTF8_STRING, maxLength: 256 },
  { name: 'emailAddress', oid: '1.2.840.113549.1.9.1', tag: Tag.IA5_STRING, maxLength: 255 },
];
const BY_NAME = new Map<string, AttributeType>();
for (const t of TYPES) BY_NAME.set(t.name.toLowerCase(), t);
BY_NAME.set('e', BY_NAME.get('emailaddress')!);
BY_NAME.set('s', BY_NAME.get('st')!);
const BY_OID = new Map(TYPES.map((t) => [t.oid, t]));
const OID_DER = new Map(TYPES.map((t) => [t.oid, oid(t.oid)]));

/** Longest DN text accepted. */
const MAX_DN_LENGTH = 2048;
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

function bad(dn: string, why: string): never {
  throw x509Error('dn_invalid', `invalid distinguished name ${JSON.stringify(dn.slice(0, 200))}: ${why}`);
}

/** One attribute of a parsed DN. */
export interface DnAttribute {
  readonly type: string;
  readonly oid: string;
  readonly value: string;
}

/**
 * Parses RFC 4514 text into RDNs (each a list of attributes), in TEXT order.
 * Accepts spaces around `,`, `+` and `=` as people type them; escapes `\,` and `\XX`;
 * `#hex` values only for dotted OIDs (kept as raw DER).
 */
export function parseDnText(dn: string): { attrs: (DnAttribute & { rawDer?: Uint8Array })[] }[] {
  if (typeof dn !== 'string') throw x509Error('dn_invalid', 'distinguished name must be a string');
  if (dn.length > MAX_DN_LENGTH) bad(dn, 'too long');
  const rdns: { attrs: (DnAttribute & { rawDer?: Uint8Array })[] }[] = [];
  if (dn.trim() === '') return rdns;
  let i = 0;
  const n = dn.length;
  let current: (DnAttribute & { rawDer?: Uint8Array })[] = [];
  const skipSpaces = (): void => {
    while (i < n && dn[i] === ' ') i++;
  };
  for (;;) {
    skipSpaces();
    const typeStart = i;
    while (i < n && dn[i] !== '=' && dn[i] !== ',' && dn[i] !== '+') i++;
    if (i >= n || dn[i] !== '=') bad(dn, `missing "=" after attribute type at position ${typeStart}`);
    const typeText = dn.slice(typeStart, i).trim();
    i++; // '='
    skipSpaces();
    let type: AttributeType | undefined;
    let dotted: string | undefined;
    if (/^(oid\.)?\d+(\.\d+)+$/i.test(typeText)) {
      dotted = typeText.replace(/^oid\./i, '');
      // X.660: first arc 0-2, second arc below 40 under 0 and 1; no leading zeros.
      if (!/^(?:[01]\.(?:[0-9]|[1-3][0-9])|2\.(?:0|[1-9]\d*))(?:\.(?:0|[1-9]\d*))*$/.test(dotted)) bad(dn, `bad OID "${dotted.slice(0, 60)}"`);
      type = BY_OID.get(dotted);
    } else if (/^[A-Za-z][A-Za-z0-9-]*$/.test(typeText)) {
      type = BY_NAME.get(typeText.toLowerCase());
      if (!type) bad(dn, `unknown attribute type "${typeText}" (use a dotted OID)`);
    } else bad(dn, `bad attribute type "${typeText}"`);

    let value: string;
    let rawDer: Uint8Array | undefined;
    if (dn[i] === '#') {
      i++;
      const start = i;
      while (i < n && /[0-9a-fA-F]/.test(dn[i]!)) i++;
      const hex = dn.slice(start, i);
      if (hex.length === 0 || hex.length % 2) bad(dn, 'bad #hex value');
      rawDer = Buffer.from(hex, 'hex');
      try {
        const t = readTlv(rawDer, 0);
        if (t.end !== rawDer.length) throw new DerError('trailing bytes');
      } catch {
        bad(dn, '#hex value is not one DER element');
      }
      value = `#${hex.toLowerCase()}`;
      skipSpaces();
    } else {
      const bytes: number[] = [];
      let lastNonSpace = 0;
      while (i < n && dn[i] !== ',' && dn[i] !== '+' && dn[i] !== ';') {
        const c = dn[i]!;
        if (c === '\\') {
          i++;
          if (i >= n) bad(dn, 'dangling backslash');
          const h = dn.slice(i, i + 2);
          if (/^[0-9a-fA-F]{2}$/.test(h)) {
            bytes.push(parseInt(h, 16));
            i += 2;
          } else if (` "#+,;<=>\\`.includes(dn[i]!)) {
            bytes.push(dn.charCodeAt(i));
            i++;
          } else bad(dn, `bad escape "\\${dn[i]}"`);
          lastNonSpace = bytes.length;
        } else if (c === '"' || c === '<' || c === '>') {
          bad(dn, `unescaped "${c}" in a value`);
        } else {
          const cp = dn.codePointAt(i)!;
          const ch = String.fromCodePoint(cp);
          for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
          i += ch.length;
          if (c !== ' ') lastNonSpace = bytes.length;
        }
      }
      const buf = Buffer.from(bytes.slice(0, lastNonSpace));
      value = buf.toString('utf8');
      if (!Buffer.from(value, 'utf8').equals(buf)) bad(dn, 'value is not valid UTF-8');
      if (value.length === 0) bad(dn, `empty value for ${typeText}`);
      // eslint-disable-next-line no-control-regex -- names the C0 controls and DEL to refuse them
      if (/[\u0000-\u001f\u007f]/.test(value)) bad(dn, 'control characters are not allowed');
      if (type) {
        if ([...value].length > type.maxLength) bad(dn, `${type.name} longer than ${type.maxLength} characters`);
        if (type.tag === Tag.PRINTABLE_STRING && !PRINTABLE.test(value)) bad(dn, `${type.name} must be a PrintableString`);
        if (type.tag === Tag.IA5_STRING && !/^[\x20-\x7e]*$/.test(value)) bad(dn, `${type.name} must be ASCII`);
        if (type.name === 'C' && !/^[A-Z]{2}$/.test(value)) bad(dn, 'C must be a two-letter upper-case country code');
      } else if ([...value].length > 256) bad(dn, 'value too long');
    }
    current.push({ type: type?.name ?? dotted!, oid: type?.oid ?? dotted!, value, ...(rawDer ? { rawDer } : {}) });
    if (i >= n) break;
    const sep = dn[i];
    i++;
    if (sep === '+') continue;
    rdns.push({ attrs: current });
    current = [];
    if (i >= n || dn.slice(i).trim() === '') bad(dn, 'trailing separator');
  }
  rdns.push({ attrs: current });
  return rdns;
}

function encodeValue(type: AttributeType | undefined, value: string): Uint8Array {
  const tag = type?.tag ?? Tag.UTF8_STRING;
  return tlv(tag, Buffer.from(value, tag === Tag.UTF8_STRING ? 'utf8' : 'latin1'));
}

/**
 * Encodes RFC 4514 text as a DER `Name`. Throws `dn_invalid` with the reason for malformed text.
 * An empty string gives an empty Name only with `allowEmpty` (Roles Anywhere refuses empty
 * subjects, so callers that build subjects leave it off).
 */
export function parseDn(dn: string, options: { allowEmpty?: boolean } = {}): Uint8Array {
  const rdns = parseDnText(dn);
  if (rdns.length === 0 && !options.allowEmpty) bad(dn, 'empty');
  const encoded: Uint8Array[] = [];
  // RFC 4514 §2.1: text order is the reverse of the DER order.
  for (let r = rdns.length - 1; r >= 0; r--) {
    const atvs = rdns[r]!.attrs.map((a) => sequence(OID_DER.get(a.oid) ?? oid(a.oid), a.rawDer ?? encodeValue(BY_OID.get(a.oid), a.value)));
    // DER SET OF: elements sorted by their encodings (X.690 §11.6).
    atvs.sort((x, y) => Buffer.compare(x, y));
    encoded.push(set(...atvs));
  }
  return sequence(...encoded);
}

function decodeString(buf: Uint8Array, t: Tlv): string | undefined {
  const c = Buffer.from(contentBytes(buf, t));
  switch (t.tag) {
    case Tag.UTF8_STRING:
      return c.toString('utf8');
    case Tag.PRINTABLE_STRING:
    case Tag.IA5_STRING:
    case Tag.T61_STRING:
      return c.toString('latin1');
    case Tag.BMP_STRING: {
      if (c.length % 2) return undefined;
      const sw = Buffer.from(c);
      sw.swap16();
      return sw.toString('utf16le');
    }
    case Tag.UNIVERSAL_STRING: {
      if (c.length % 4) return undefined;
      let s = '';
      for (let k = 0; k < c.length; k += 4) {
        const cp = c.readUInt32BE(k);
        if (cp > 0x10ffff) return undefined; // not a code point: shown as #hex
        s += String.fromCodePoint(cp);
      }
      return s;
    }
    default:
      return undefined;
  }
}

/** Escapes a value for RFC 4514 text (§2.4). */
export function escapeDnValue(v: string): string {
  // eslint-disable-next-line no-control-regex -- NUL is escaped as \00 (RFC 4514 §2.4)
  let s = v.replace(/[\\"+,;<>=]/g, (c) => `\\${c}`).replace(/\u0000/g, '\\00');
  if (s.startsWith('#') || s.startsWith(' ')) s = `\\${s}`;
  if (s.endsWith(' ') && s.length > 1) s = `${s.slice(0, -1)}\\ `;
  return s;
}

/** Decoded attributes of a DER Name, in DER order (first RDN first). */
export function readDnAttributes(der: Uint8Array, nameTlv?: Tlv): DnAttribute[][] {
  const name = nameTlv ?? readTlv(der, 0);
  if (name.tag !== Tag.SEQUENCE) throw new DerError('Name: SEQUENCE expected');
  const out: DnAttribute[][] = [];
  for (const rdn of children(der, name)) {
    if (rdn.tag !== Tag.SET) throw new DerError('RDN: SET expected');
    const atvs: DnAttribute[] = [];
    for (const atv of children(der, rdn)) {
      const [typeTlv, valueTlv, extra] = children(der, atv);
      if (atv.tag !== Tag.SEQUENCE || !typeTlv || !valueTlv || extra || typeTlv.tag !== Tag.OID) {
        throw new DerError('AttributeTypeAndValue malformed');
      }
      const dotted = oidToString(contentBytes(der, typeTlv));
      const known = BY_OID.get(dotted);
      const str = known ? decodeString(der, valueTlv) : undefined;
      atvs.push({
        type: known?.name ?? dotted,
        oid: dotted,
        value: str ?? `#${Buffer.from(elementBytes(der, valueTlv)).toString('hex')}`,
      });
    }
    if (atvs.length === 0) throw new DerError('empty RDN');
    out.push(atvs);
  }
  return out;
}

/** RFC 4514 text of a DER Name (last RDN first). `der` may hold more after the Name. */
export function formatDn(der: Uint8Array, nameTlv?: Tlv): string {
  const rdns = readDnAttributes(der, nameTlv);
  return rdns
    .reverse()
    .map((atvs) => atvs.map((a) => `${a.type}=${a.value.startsWith('#') && !BY_OID.has(a.oid) ? a.value : escapeDnValue(a.value)}`).join('+'))
    .join(',');
}

/** The (last) common name in a DER Name, if any. */
export function commonNameOf(der: Uint8Array, nameTlv?: Tlv): string | undefined {
  let cn: string | undefined;
  for (const rdn of readDnAttributes(der, nameTlv)) for (const a of rdn) if (a.oid === '2.5.4.3') cn = a.value;
  return cn;
}
