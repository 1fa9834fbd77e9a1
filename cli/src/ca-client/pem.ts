/**
 * Minimal PEM helpers for the CLI (RFC 7468). Kept here rather than imported from the CA server's
 * x509 layer so that client commands do not load @peculiar/x509 just to split a bundle.
 */
import { X509Certificate } from 'node:crypto';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n\s]*?)-----END \1-----/g;

/** Every PEM block of one label in `text`, as DER. */
export function pemBlocks(text: string, label: string): Buffer[] {
  const out: Buffer[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    if (m[1] === label) out.push(Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64'));
  }
  return out;
}

/** Encode DER as PEM with 64-column lines (RFC 7468 §2). */
export function toPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Split a PEM bundle into certificates (DER), validating each parses as X.509. */
export function parseCertificates(text: string): { der: Buffer; pem: string; cert: X509Certificate }[] {
  return pemBlocks(text, 'CERTIFICATE').map((der) => ({ der, pem: toPem(der, 'CERTIFICATE'), cert: new X509Certificate(der) }));
}
