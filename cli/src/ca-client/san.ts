/**
 * Subject alternative names as typed on the command line (`--san dns:web-1.example.com`), the same
 * four kinds the CA binds to tokens (ca-server/src/x509/types.ts `SubjectAltName`).
 */
import { isIP } from 'node:net';
import { caClientError } from './errors.js';

export type SanType = 'dns' | 'ip' | 'uri' | 'email';

export interface San {
  readonly type: SanType;
  readonly value: string;
}

const MAX_SAN_CHARS = 1024;

/** Parse `TYPE:VALUE`; a bare name without a prefix is taken as a DNS name. */
export function parseSan(input: string): San {
  const s = String(input).trim();
  if (s.length === 0 || s.length > MAX_SAN_CHARS) throw caClientError('san_invalid');
  const m = /^(dns|ip|uri|email):(.+)$/i.exec(s);
  const type = (m ? m[1]!.toLowerCase() : 'dns') as SanType;
  const value = m ? m[2]!.trim() : s;
  switch (type) {
    case 'dns':
      if (!/^(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/.test(value) || value.length > 253) {
        throw caClientError('san_invalid', `not a DNS name: ${JSON.stringify(value)}`);
      }
      return { type, value: value.toLowerCase() };
    case 'ip':
      if (!isIP(value)) throw caClientError('san_invalid', `not an IP address: ${JSON.stringify(value)}`);
      return { type, value };
    case 'uri':
      try {
        new URL(value);
      } catch {
        throw caClientError('san_invalid', `not a URI: ${JSON.stringify(value)}`);
      }
      return { type, value };
    case 'email':
      if (!/^[^\s@]+@[^\s@]+$/.test(value)) throw caClientError('san_invalid', `not an email address: ${JSON.stringify(value)}`);
      return { type, value };
  }
}

/** `TYPE:VALUE` spelling, as accepted by `--san`. */
export function formatSan(san: San): string {
  return `${san.type}:${san.value}`;
}
