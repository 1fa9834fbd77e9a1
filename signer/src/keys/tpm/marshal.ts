/**
 * Big-endian marshaling of TPM 2.0 structures (Part 1 §18 "Data marshaling"; Part 2 §10.4: a
 * TPM2B is a 16-bit size followed by that many bytes). Reading is bounds-checked: a response that
 * ends early or claims more than it holds is `tpm_response_invalid`, never an out-of-range read.
 */
import { TpmKeyError } from './errors.js';

/** Appends fields; `bytes()` returns what was written. */
export class TpmWriter {
  readonly #parts: Buffer[] = [];

  u8(v: number): this {
    this.#parts.push(Buffer.of(v & 0xff));
    return this;
  }

  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    this.#parts.push(b);
    return this;
  }

  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    this.#parts.push(b);
    return this;
  }

  raw(b: Uint8Array): this {
    this.#parts.push(Buffer.from(b));
    return this;
  }

  /** A TPM2B: 16-bit size, then the bytes. */
  tpm2b(b: Uint8Array): this {
    if (b.length > 0xffff) throw new RangeError('TPM2B larger than 65535 bytes');
    return this.u16(b.length).raw(b);
  }

  /** The content of `inner` as a TPM2B (a sized structure such as TPM2B_PUBLIC). */
  sized(inner: TpmWriter): this {
    return this.tpm2b(inner.bytes());
  }

  bytes(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

/** Reads fields in order from `bytes[offset..end)`. */
export class TpmReader {
  readonly #bytes: Uint8Array;
  #pos: number;
  readonly #end: number;
  readonly #what: string;

  constructor(bytes: Uint8Array, what: string, offset = 0, end = bytes.length) {
    this.#bytes = bytes;
    this.#pos = offset;
    this.#end = end;
    this.#what = what;
  }

  get offset(): number {
    return this.#pos;
  }

  get remaining(): number {
    return this.#end - this.#pos;
  }

  #need(n: number): void {
    if (this.#pos + n > this.#end) {
      throw new TpmKeyError('tpm_response_invalid', `${this.#what} ends early (needed ${n} more bytes at offset ${this.#pos}).`);
    }
  }

  u8(): number {
    this.#need(1);
    return this.#bytes[this.#pos++]!;
  }

  u16(): number {
    this.#need(2);
    const v = (this.#bytes[this.#pos]! << 8) | this.#bytes[this.#pos + 1]!;
    this.#pos += 2;
    return v;
  }

  u32(): number {
    this.#need(4);
    const b = this.#bytes;
    const p = this.#pos;
    const v = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
    this.#pos += 4;
    return v;
  }

  raw(n: number): Buffer {
    this.#need(n);
    const out = Buffer.from(this.#bytes.subarray(this.#pos, this.#pos + n));
    this.#pos += n;
    return out;
  }

  /** A TPM2B's content. */
  tpm2b(): Buffer {
    return this.raw(this.u16());
  }

  /** A reader over the next TPM2B's content (for sized structures), advancing past it. */
  sized(what: string): TpmReader {
    const n = this.u16();
    this.#need(n);
    const r = new TpmReader(this.#bytes, what, this.#pos, this.#pos + n);
    this.#pos += n;
    return r;
  }

  /** Fails unless everything was read (a structure that carries trailing bytes is malformed). */
  done(): void {
    if (this.#pos !== this.#end) {
      throw new TpmKeyError('tpm_response_invalid', `${this.#what} has ${this.#end - this.#pos} unexpected trailing bytes.`);
    }
  }
}
