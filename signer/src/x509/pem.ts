/** One PEM block (RFC 7468). */
export interface PemBlock {
  /** The label, e.g. `CERTIFICATE`, `PRIVATE KEY`, `EC PRIVATE KEY`. */
  readonly type: string;
  /** RFC 1421 headers (`Proc-Type`, `DEK-Info`) when present. */
  readonly headers: Readonly<Record<string, string>>;
  readonly der: Buffer;
}

const BEGIN = /^-----BEGIN ([A-Z0-9 ]+)-----\s*$/;
const END = /^-----END ([A-Z0-9 ]+)-----\s*$/;
const HEADER = /^([A-Za-z-]+):\s*(.*)$/;

/**
 * Every PEM block of a text, in order. Text between and around blocks (openssl's `Bag Attributes`,
 * comments) is ignored, as the official helper tolerates it (signer-spec.md §2.1). Returns null for a
 * block whose body is not valid base64, or whose END label differs or is missing, so that the caller
 * can raise its own coded error. One pass over the lines: linear in the input size.
 */
export function parsePemBlocks(text: string): Array<PemBlock | null> {
  const out: Array<PemBlock | null> = [];
  let type: string | undefined;
  let headers: Record<string, string> = {};
  let body: string[] = [];
  let inHeaders = false;
  for (const line of text.split(/\r?\n/)) {
    if (type === undefined) {
      const begin = BEGIN.exec(line);
      if (begin) {
        type = begin[1] as string;
        headers = {};
        body = [];
        inHeaders = true;
      }
      continue;
    }
    const end = END.exec(line);
    if (end) {
      out.push(end[1] === type ? decode(type, headers, body.join('')) : null);
      type = undefined;
      continue;
    }
    if (BEGIN.test(line)) {
      out.push(null); // a BEGIN inside a block: the first block never ended
      type = (BEGIN.exec(line) as RegExpExecArray)[1] as string;
      headers = {};
      body = [];
      inHeaders = true;
      continue;
    }
    const header = inHeaders ? HEADER.exec(line) : null;
    if (header) {
      headers[header[1] as string] = header[2] as string;
      continue;
    }
    inHeaders = false;
    body.push(line.trim());
  }
  if (type !== undefined) out.push(null);
  return out;
}

function decode(type: string, headers: Record<string, string>, b64: string): PemBlock | null {
  if (b64.length === 0 || b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  return { type, headers, der: Buffer.from(b64, 'base64') };
}

/** True when the bytes look like PEM text rather than binary DER/PKCS#12. */
export function looksLikePem(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes('-----BEGIN ');
}

/** PEM encoding of a DER certificate (64-column base64). */
export function toPem(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  return `-----BEGIN ${type}-----\n${b64.replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END ${type}-----\n`;
}
