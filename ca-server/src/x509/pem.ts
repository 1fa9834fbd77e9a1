import { createHash } from 'node:crypto';
import { x509Error } from './errors.js';

/** PEM text of DER bytes (RFC 7468 §2: 64-column base64 between BEGIN/END lines). */
export function derToPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let body = '';
  for (let i = 0; i < b64.length; i += 64) body += `${b64.slice(i, i + 64)}\n`;
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/**
 * DER bytes of the first PEM block with `expectedLabel` (or any of several labels). Tolerates
 * CRLF, surrounding text and explanatory text before the block (RFC 7468 §5.2). Throws
 * `pem_invalid`.
 */
export function pemToDer(pem: string, expectedLabel: string | readonly string[]): Uint8Array {
  if (typeof pem !== 'string') throw x509Error('pem_invalid', 'PEM text expected');
  const labels = typeof expectedLabel === 'string' ? [expectedLabel] : expectedLabel;
  const re = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
  for (let m = re.exec(pem); m; m = re.exec(pem)) {
    if (!labels.includes(m[1]!)) continue;
    if (m[3] !== m[1]) throw x509Error('pem_invalid', `PEM END label does not match BEGIN ${m[1]}`);
    const b64 = m[2]!.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0 || b64.length === 0) {
      throw x509Error('pem_invalid', `PEM ${m[1]} block is not valid base64`);
    }
    return new Uint8Array(Buffer.from(b64, 'base64'));
  }
  throw x509Error('pem_invalid', `no PEM block labelled ${labels.join(' or ')}`);
}

/** Every PEM block with `label` (a certificate bundle), in order. */
export function pemBlocks(pem: string, label: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const re = new RegExp(`-----BEGIN ${label}-----\\r?\\n[\\s\\S]*?-----END ${label}-----`, 'g');
  for (const m of pem.match(re) ?? []) out.push(pemToDer(m, label));
  return out;
}

/** Length in bytes of the PEM form of `der` without building it (for the 300,000-byte Roles Anywhere limit). */
export function pemByteLength(der: Uint8Array | number, label = 'X509 CRL'): number {
  const n = typeof der === 'number' ? der : der.length;
  const b64 = 4 * Math.ceil(n / 3);
  const lines = Math.ceil(b64 / 64);
  return `-----BEGIN ${label}-----\n`.length + b64 + lines + `-----END ${label}-----\n`.length;
}

/** SHA-256 fingerprint of DER bytes, lower-case hex (what `--ca-fingerprint` expects). */
export function fingerprintSha256(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}
