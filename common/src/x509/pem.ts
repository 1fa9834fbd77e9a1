/**
 * PEM (RFC 7468; RFC 1421 headers for legacy encrypted keys): the one reader and the one writer of
 * the CA, the signer and the CLI.
 *
 * Reading is line-based and linear in the input, even for thousands of BEGIN lines without an END
 * (a lazy regular expression would rescan the rest of the text from every BEGIN):
 * - a block starts at a line `-----BEGIN LABEL-----` and ends at the line `-----END LABEL-----`
 *   (whitespace around either is tolerated, as RFC 7468 §5.2 suggests for lax parsers);
 * - text before, between and after blocks is ignored (openssl's `Bag Attributes`, comments);
 * - RFC 1421 header lines (`Proc-Type: …`, `DEK-Info: …`) right after BEGIN are kept;
 * - the body must be non-empty standard base64 (whitespace removed, padding only at the end,
 *   a multiple of 4 characters): Node's base64 decoder would silently skip junk characters;
 * - a block whose END label differs, that never ends, or that a second BEGIN interrupts is a
 *   defect, reported in place so that the caller decides whether it matters.
 *
 * Writing always produces the RFC 7468 §2 form: 64-column base64, LF line ends, a final newline.
 * Dependency-free: it is on the credential-process start-up path.
 */
import { RapkiError } from '../errors.js';

/** Malformed PEM, or no block with the wanted label: code `pem_invalid`. */
export class PemError extends RapkiError {
  constructor(message: string) {
    super('pem_invalid', message);
  }
}

/** One well-formed block. */
export interface PemBlock {
  /** The label, e.g. `CERTIFICATE`, `PRIVATE KEY`, `X509 CRL`. */
  readonly label: string;
  /** RFC 1421 headers (`Proc-Type`, `DEK-Info`) when present. */
  readonly headers: Readonly<Record<string, string>>;
  readonly der: Buffer;
}

/** A block that could not be read, and why. */
export interface PemDefect {
  readonly label: string;
  readonly defect: string;
}

const BEGIN = /^\s*-----BEGIN ([A-Z0-9 ]+)-----\s*$/;
const END = /^\s*-----END ([A-Z0-9 ]+)-----\s*$/;
const HEADER = /^([A-Za-z-]+):\s*(.*)$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** True for a {@link PemDefect} entry of {@link scanPem}. */
export function isPemDefect(block: PemBlock | PemDefect): block is PemDefect {
  return 'defect' in block;
}

/** Every block of `text`, in order: well-formed ones and defects. */
export function scanPem(text: string): Array<PemBlock | PemDefect> {
  const out: Array<PemBlock | PemDefect> = [];
  let label: string | undefined;
  let headers: Record<string, string> = {};
  let body: string[] = [];
  let inHeaders = false;
  for (const line of text.split(/\r?\n/)) {
    const begin = BEGIN.exec(line);
    if (label === undefined) {
      if (begin) {
        label = begin[1]!;
        headers = {};
        body = [];
        inHeaders = true;
      }
      continue;
    }
    if (begin) {
      out.push({ label, defect: `the ${label} block has no END line before the next BEGIN` });
      label = begin[1]!;
      headers = {};
      body = [];
      inHeaders = true;
      continue;
    }
    const end = END.exec(line);
    if (end) {
      out.push(end[1] === label ? decode(label, headers, body.join('')) : { label, defect: `the END label ${end[1]} does not match BEGIN ${label}` });
      label = undefined;
      continue;
    }
    const header = inHeaders ? HEADER.exec(line) : null;
    if (header) {
      headers[header[1]!] = header[2]!;
      continue;
    }
    inHeaders = false;
    body.push(line);
  }
  if (label !== undefined) out.push({ label, defect: `the ${label} block has no END line` });
  return out;
}

function decode(label: string, headers: Record<string, string>, text: string): PemBlock | PemDefect {
  const b64 = text.replace(/\s+/g, '');
  if (b64.length === 0 || b64.length % 4 !== 0 || !BASE64.test(b64)) return { label, defect: `the ${label} block is not valid base64` };
  return { label, headers, der: Buffer.from(b64, 'base64') };
}

/**
 * The DER of every block labelled `label` (or any of `label`s), in order. A defective block with
 * such a label throws {@link PemError}; blocks with other labels are ignored.
 */
export function pemBlocks(text: string, label: string | readonly string[]): Buffer[] {
  if (typeof text !== 'string') throw new PemError('PEM text expected');
  const labels = typeof label === 'string' ? [label] : label;
  const out: Buffer[] = [];
  for (const b of scanPem(text)) {
    if (!labels.includes(b.label)) continue;
    if (isPemDefect(b)) throw new PemError(b.defect);
    out.push(b.der);
  }
  return out;
}

/** The DER of the first block labelled `label` (or any of `label`s); {@link PemError} when there is none. */
export function pemToDer(text: string, label: string | readonly string[]): Buffer {
  if (typeof text !== 'string') throw new PemError('PEM text expected');
  const labels = typeof label === 'string' ? [label] : label;
  for (const b of scanPem(text)) {
    if (!labels.includes(b.label)) continue;
    if (isPemDefect(b)) throw new PemError(b.defect);
    return b.der;
  }
  throw new PemError(`no PEM block labelled ${labels.join(' or ')}`);
}

/** PEM text of DER bytes (RFC 7468 §2): 64-column base64 between BEGIN and END lines, final newline. */
export function derToPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let body = '';
  for (let i = 0; i < b64.length; i += 64) body += `${b64.slice(i, i + 64)}\n`;
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/** Length in bytes of `derToPem(der, label)` without building it (`der` or its length). */
export function pemByteLength(der: Uint8Array | number, label: string): number {
  const n = typeof der === 'number' ? der : der.length;
  const b64 = 4 * Math.ceil(n / 3);
  const lines = Math.ceil(b64 / 64);
  return `-----BEGIN ${label}-----\n`.length + b64 + lines + `-----END ${label}-----\n`.length;
}

/** True when the bytes hold PEM text (a BEGIN line) rather than binary DER or PKCS#12. */
export function looksLikePem(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes('-----BEGIN ');
}
