/** One PEM block (RFC 7468). */
export interface PemBlock {
  /** The label, e.g. `CERTIFICATE`, `PRIVATE KEY`, `EC PRIVATE KEY`. */
  readonly type: string;
  /** RFC 1421 headers (`Proc-Type`, `DEK-Info`) when present. */
  readonly headers: Readonly<Record<string, string>>;
  readonly der: Buffer;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/**
 * Every PEM block of a text, in order. Text between and around blocks (openssl's `Bag Attributes`,
 * comments) is ignored, as the official helper tolerates it (signer-spec.md §2.1). Returns null for a
 * block whose body is not valid base64 so the caller can raise its own coded error.
 */
export function parsePemBlocks(text: string): Array<PemBlock | null> {
  const out: Array<PemBlock | null> = [];
  for (const m of text.matchAll(BLOCK)) {
    const type = m[1] as string;
    const lines = (m[2] as string).split(/\r?\n/);
    const headers: Record<string, string> = {};
    let bodyStart = 0;
    if (lines.some((l) => /^[A-Za-z-]+:/.test(l))) {
      for (; bodyStart < lines.length; bodyStart++) {
        const line = lines[bodyStart] as string;
        const h = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
        if (!h) break;
        headers[h[1] as string] = h[2] as string;
      }
    }
    const b64 = lines.slice(bodyStart).join('').replace(/\s+/g, '');
    if (b64.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) {
      out.push(null);
      continue;
    }
    out.push({ type, headers, der: Buffer.from(b64, 'base64') });
  }
  return out;
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
