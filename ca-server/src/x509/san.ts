import { isIP } from 'node:net';
import { DerError, Tag, children, contentOf, readTlv, tlv, tlvList, type Tlv } from './der.js';
import { x509Error } from './errors.js';
import type { SubjectAltName } from './types.js';

/**
 * Subject alternative names ⇄ DER `GeneralNames` (RFC 5280 §4.2.1.6).
 * rfc822Name [1], dNSName [2], uniformResourceIdentifier [6] (IA5String), iPAddress [7] (4 or
 * 16 octets). Other GeneralName forms are skipped when reading.
 */

const TAGS = { email: 0x81, dns: 0x82, uri: 0x86, ip: 0x87 } as const;
const DNS_RE = /^(\*\.)?([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$/;

function badSan(san: SubjectAltName, why: string): never {
  throw x509Error('san_invalid', `invalid ${String(san?.type)} SAN ${JSON.stringify(String(san?.value).slice(0, 100))}: ${why}`);
}

/** IPv4/IPv6 text → 4 or 16 bytes. */
export function ipToBytes(text: string): Uint8Array | undefined {
  const kind = isIP(text);
  if (kind === 4) return Uint8Array.from(text.split('.').map(Number));
  if (kind !== 6) return undefined;
  let s = text;
  let v4tail: number[] = [];
  const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (m) {
    v4tail = m[2]!.split('.').map(Number);
    s = `${m[1]}0:0`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g: string, k: number) => {
    const v = parseInt(g, 16);
    out[k * 2] = v >> 8;
    out[k * 2 + 1] = v & 0xff;
  });
  if (v4tail.length) out.set(v4tail, 12);
  return out;
}

/** 4 or 16 bytes → canonical IP text (IPv6 compressed per RFC 5952). */
export function bytesToIp(b: Uint8Array): string | undefined {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length !== 16) return undefined;
  const groups: number[] = [];
  for (let k = 0; k < 16; k += 2) groups.push((b[k]! << 8) | b[k + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let k = 0; k < 8; ) {
    if (groups[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && groups[e] === 0) e++;
    if (e - k > bestLen && e - k >= 2) {
      bestStart = k;
      bestLen = e - k;
    }
    k = e;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Encodes one SAN as a GeneralName, validating its syntax. */
export function encodeGeneralName(san: SubjectAltName): Uint8Array {
  const v = san?.value;
  if (typeof v !== 'string' || v.length === 0) badSan(san, 'empty');
  if (v.length > 1024) badSan(san, 'too long');
  switch (san.type) {
    case 'dns':
      if (v.length > 253 || !DNS_RE.test(v)) badSan(san, 'not a DNS name');
      return tlv(TAGS.dns, Buffer.from(v.toLowerCase(), 'latin1'));
    case 'email':
      if (!/^[\x21-\x7e]+@[A-Za-z0-9.-]+$/.test(v)) badSan(san, 'not an ASCII e-mail address');
      return tlv(TAGS.email, Buffer.from(v, 'latin1'));
    case 'uri':
      if (!/^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$/.test(v)) badSan(san, 'not an ASCII URI with a scheme');
      return tlv(TAGS.uri, Buffer.from(v, 'latin1'));
    case 'ip': {
      const b = ipToBytes(v);
      if (!b) badSan(san, 'not an IPv4 or IPv6 address');
      return tlv(TAGS.ip, b);
    }
    default:
      return badSan(san, 'unknown type');
  }
}

/** `GeneralNames` (SEQUENCE OF GeneralName) for a list of SANs. */
export function encodeGeneralNames(sans: readonly SubjectAltName[]): Uint8Array {
  return tlvList(Tag.SEQUENCE, sans.map(encodeGeneralName));
}

/** Reads `GeneralNames`; skips forms we do not model (otherName, directoryName, …). */
export function decodeGeneralNames(der: Uint8Array, t: Tlv = readTlv(der, 0)): SubjectAltName[] {
  if (t.tag !== Tag.SEQUENCE) throw new DerError('GeneralNames: SEQUENCE expected');
  const out: SubjectAltName[] = [];
  for (const gn of children(der, t)) {
    const c = contentOf(der, gn);
    switch (gn.tag) {
      case TAGS.dns:
        out.push({ type: 'dns', value: Buffer.from(c).toString('latin1') });
        break;
      case TAGS.email:
        out.push({ type: 'email', value: Buffer.from(c).toString('latin1') });
        break;
      case TAGS.uri:
        out.push({ type: 'uri', value: Buffer.from(c).toString('latin1') });
        break;
      case TAGS.ip: {
        const ip = bytesToIp(c);
        if (!ip) throw new DerError('iPAddress must be 4 or 16 octets');
        out.push({ type: 'ip', value: ip });
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/** Canonical text of a SAN for comparisons (lower-case DNS, canonical IP). */
export function canonicalSan(san: SubjectAltName): string {
  if (san.type === 'dns') return `dns:${san.value.toLowerCase().replace(/\.$/, '')}`;
  if (san.type === 'ip') return `ip:${bytesToIp(ipToBytes(san.value) ?? new Uint8Array()) ?? san.value}`;
  return `${san.type}:${san.value}`;
}
