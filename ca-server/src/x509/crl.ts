import { CRL_REASONS } from './constants.js';
import { signToBeSigned } from './certificate-builder.js';
import { encodeTime } from '../../../common/src/der/time.js';
import { explicit, integerFromContent, sequence, Tag, tlv, tlvList } from '../../../common/src/der/writer.js';
import { x509Error } from './errors.js';
import { crlNumber as crlNumberExtension, reasonCode } from './extensions.js';
import { issuerInfo, type IssuerInfo } from './issuer-info.js';
import { normalizeSerialHex, serialContentFromHex } from '../../../common/src/x509/serial.js';
import { signatureAlgorithmIdentifier } from './signature-algorithm.js';
import type { CaSigner, CrlEntry } from './types.js';

const VERSION_2 = Uint8Array.of(Tag.INTEGER, 1, 1);

interface StoredEntry {
  readonly der: Uint8Array;
  readonly notAfter: number | undefined;
}

/** Options of one CRL issue. */
export interface CrlBuildOptions {
  /** Monotonic cRLNumber (RFC 5280 §5.2.3). */
  readonly crlNumber: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
}

/**
 * An incremental CRL builder (RFC 5280 §5: v2 CRL with the `cRLNumber` and
 * `authorityKeyIdentifier` CRL extensions, `nextUpdate`, and a `reasonCode` entry extension when
 * a reason other than unspecified is given, §5.3.1).
 *
 * Why incremental: each revoked entry is DER-encoded once, when added; a rebuild only concatenates
 * the stored encodings (one copy, O(n) bytes) and signs. Revocation rebuilds the CRL at once, so
 * this keeps a rebuild with 100,000 entries well under a second (the general-purpose generator
 * re-encodes every entry on every build and grows quadratically).
 */
export class CrlBuilder {
  readonly #issuer: IssuerInfo;
  readonly #signer: CaSigner;
  readonly #entries = new Map<string, StoredEntry>();
  #totalLength = 0;

  constructor(opts: { issuerCertificate: Uint8Array; signer: CaSigner }) {
    this.#issuer = issuerInfo(opts.issuerCertificate, opts.signer);
    this.#signer = opts.signer;
  }

  /** Number of entries. */
  get size(): number {
    return this.#entries.size;
  }

  /** Adds (or replaces) the entry for a serial. Throws `crl_reason_invalid` / `serial_invalid`. */
  add(entry: CrlEntry): void {
    const key = normalizeSerialHex(entry.serialHex);
    const parts = [integerFromContent(serialContentFromHex(key)), encodeTime(entry.revokedAt)];
    if (entry.reason !== undefined && entry.reason !== 'unspecified') {
      const code = CRL_REASONS[entry.reason];
      if (code === undefined || !Object.hasOwn(CRL_REASONS, entry.reason)) {
        throw x509Error('crl_reason_invalid', `unknown CRL reason ${JSON.stringify(String(entry.reason).slice(0, 40))} (RFC 5280 §5.3.1 names)`);
      }
      parts.push(sequence(reasonCode(code)));
    }
    const der = sequence(...parts);
    this.#delete(key);
    this.#entries.set(key, { der, notAfter: entry.notAfter?.getTime() });
    this.#totalLength += der.length;
  }

  /** Removes the entry for a serial (any pasted hex form); true if it was there. */
  remove(serialHex: string): boolean {
    return this.#delete(normalizeSerialHex(serialHex));
  }

  /** Whether a serial (any pasted hex form) is listed. */
  has(serialHex: string): boolean {
    return this.#entries.has(normalizeSerialHex(serialHex));
  }

  /**
   * Drops entries whose certificate expired before `now` (RFC 5280 §3.3: an expired certificate
   * need not stay on the CRL). Entries without a known notAfter stay. Returns how many went.
   */
  pruneExpired(now: Date): number {
    const t = now.getTime();
    let n = 0;
    for (const [k, e] of this.#entries) {
      if (e.notAfter !== undefined && e.notAfter < t) {
        this.#delete(k);
        n++;
      }
    }
    return n;
  }

  #delete(key: string): boolean {
    const old = this.#entries.get(key);
    if (!old) return false;
    this.#entries.delete(key);
    this.#totalLength -= old.der.length;
    return true;
  }

  /** Encodes and signs the CRL; returns DER. */
  async build(opts: CrlBuildOptions): Promise<Uint8Array> {
    if (!(opts.thisUpdate.getTime() < opts.nextUpdate.getTime())) throw new TypeError('thisUpdate must be before nextUpdate');
    const parts: Uint8Array[] = [
      VERSION_2,
      signatureAlgorithmIdentifier(this.#signer.signatureAlgorithm),
      this.#issuer.name,
      encodeTime(opts.thisUpdate),
      encodeTime(opts.nextUpdate),
    ];
    // §5.1.2.6: when there are no revoked certificates the list is absent.
    if (this.#entries.size > 0) {
      const ders: Uint8Array[] = new Array(this.#entries.size);
      let k = 0;
      for (const e of this.#entries.values()) ders[k++] = e.der;
      parts.push(tlvList(Tag.SEQUENCE, ders, this.#totalLength));
    }
    parts.push(explicit(0, sequence(this.#issuer.akiExtension, crlNumberExtension(opts.crlNumber))));
    const tbs = tlv(Tag.SEQUENCE, ...parts);
    return signToBeSigned(tbs, this.#signer);
  }
}
