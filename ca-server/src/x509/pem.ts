import { createHash } from 'node:crypto';
import { x509Error } from './errors.js';

/** PEM text of DER bytes (RFC 7468 §2: 64-column base64 between BEGIN/END lines). */
export function derToPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let body = '';
  for (let i = 0; i < b64.length; i += 64) body += `${b64.slice(i, i + 64)}\n`;
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

interface RawPemBlock {
  readonly label: string;
  readonly body: string;
  readonly endLabel: string;
}

/**
 * The PEM blocks of a text in order, found with index searches: linear time even for thousands
 * of BEGIN lines without an END (a lazy regular expression rescans the rest of the text from
 * every BEGIN). Lines before, between and after blocks are ignored (RFC 7468 §5.2).
 */
function* scanPem(pem: string): Generator<RawPemBlock> {
  let from = 0;
  for (;;) {
    const b = pem.indexOf('-----BEGIN ', from);
    if (b < 0) return;
    const labelEnd = pem.indexOf('-----', b + 11);
    if (labelEnd < 0) return;
    const label = pem.slice(b + 11, labelEnd);
    let bodyStart = labelEnd + 5;
    if (pem[bodyStart] === '\r' && pem[bodyStart + 1] === '\n') bodyStart += 2;
    else if (pem[bodyStart] === '\n') bodyStart += 1;
    else bodyStart = -1;
    if (bodyStart < 0 || !/^[A-Z0-9 ]+$/.test(label)) {
      from = b + 11;
      continue;
    }
    const e = pem.indexOf('-----END ', bodyStart);
    if (e < 0) return; // no END after this BEGIN, so none after any later one either
    const endLabelEnd = pem.indexOf('-----', e + 9);
    if (endLabelEnd < 0) return;
    yield { label, body: pem.slice(bodyStart, e), endLabel: pem.slice(e + 9, endLabelEnd) };
    from = endLabelEnd + 5;
  }
}

function decodeBlock(block: RawPemBlock): Uint8Array {
  if (block.endLabel !== block.label) throw x509Error('pem_invalid', `PEM END label does not match BEGIN ${block.label}`);
  const b64 = block.body.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0 || b64.length === 0) {
    throw x509Error('pem_invalid', `PEM ${block.label} block is not valid base64`);
  }
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

/**
 * DER bytes of the first PEM block with `expectedLabel` (or any of several labels). Tolerates
 * CRLF, surrounding text and explanatory text before the block (RFC 7468 §5.2). Throws
 * `pem_invalid`.
 */
export function pemToDer(pem: string, expectedLabel: string | readonly string[]): Uint8Array {
  if (typeof pem !== 'string') throw x509Error('pem_invalid', 'PEM text expected');
  const labels = typeof expectedLabel === 'string' ? [expectedLabel] : expectedLabel;
  for (const block of scanPem(pem)) if (labels.includes(block.label)) return decodeBlock(block);
  throw x509Error('pem_invalid', `no PEM block labelled ${labels.join(' or ')}`);
}

/** Every PEM block with `label` (a certificate bundle), in order. Throws `pem_invalid`. */
export function pemBlocks(pem: string, label: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const block of scanPem(pem)) if (block.label === label) out.push(decodeBlock(block));
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
