import { children, contentBytes, DerError, readTlv, type Tlv } from '../../../common/src/der/reader.js';
import { Tag, tlv, tlvList } from '../../../common/src/der/writer.js';
import { bytesToIp, ipToBytes } from '../../../common/src/x509/ip-address.js';
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
    const c = contentBytes(der, gn);
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
