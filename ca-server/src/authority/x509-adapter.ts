/**
 * Wires the X.509 layer (`ca-server/src/x509/`) into the authority's {@link X509Port}.
 *
 * CRLs: until the X.509 layer exports its incremental CRL builder this adapter encodes the CRL
 * itself from that layer's DER primitives (RFC 5280 §5.1: v2 TBSCertList, AKI and CRL number
 * extensions, reasonCode entry extensions), caching each encoded entry so a rebuild after one more
 * revocation only encodes the new entry (issue 4 bench: <= 50 ms at 4,000 entries).
 */
import { parseCsr } from '../x509/csr.js';
import { issueLeafCertificate } from '../x509/leaf.js';
import { lintLeafCertificate } from '../x509/lint.js';
import { newSerial } from '../x509/serial.js';
import { serialContentFromHex } from '../x509/serial.js';
import { derToPem } from '../x509/pem.js';
import { issuerInfo } from '../x509/issuer-info.js';
import { signToBeSigned } from '../x509/certificate-builder.js';
import { signatureAlgorithmIdentifier } from '../x509/signature-algorithm.js';
import { Tag, explicit, integerFromContent, sequence, time, tlv, tlvList } from '../x509/der.js';
import { crlNumber, reasonCode } from '../x509/extensions.js';
import { CRL_REASONS } from '../x509/constants.js';
import type { CrlEntry } from '../x509/types.js';
import type { RandomSource } from './deps.js';
import type { CrlBuildInput, X509Port } from './x509-port.js';

const VERSION_2 = Uint8Array.of(Tag.INTEGER, 1, 1);

export function x509Adapter(random?: RandomSource): X509Port {
  const entryCache = new Map<string, { key: string; der: Uint8Array }>();

  function encodeEntry(e: CrlEntry): Uint8Array {
    const key = `${e.revokedAt.getTime()}|${e.reason ?? ''}`;
    const hit = entryCache.get(e.serialHex);
    if (hit && hit.key === key) return hit.der;
    const parts = [integerFromContent(serialContentFromHex(e.serialHex)), time(e.revokedAt)];
    if (e.reason !== undefined && e.reason !== 'unspecified') {
      const code = CRL_REASONS[e.reason];
      if (code === undefined) throw new TypeError(`unknown CRL reason ${e.reason}`);
      parts.push(sequence(reasonCode(code)));
    }
    const der = sequence(...parts);
    entryCache.set(e.serialHex, { key, der });
    return der;
  }

  async function buildCrl(input: CrlBuildInput): Promise<Uint8Array> {
    const info = issuerInfo(input.issuerCertificate, input.issuerSigner);
    const live = new Set<string>();
    const entries: Uint8Array[] = [];
    let total = 0;
    for (const e of input.entries) {
      const d = encodeEntry(e);
      live.add(e.serialHex);
      entries.push(d);
      total += d.length;
    }
    for (const k of entryCache.keys()) if (!live.has(k)) entryCache.delete(k);
    const fields: Uint8Array[] = [
      VERSION_2,
      signatureAlgorithmIdentifier(input.issuerSigner.signatureAlgorithm),
      info.name,
      time(input.thisUpdate),
      time(input.nextUpdate),
    ];
    if (entries.length > 0) fields.push(tlvList(Tag.SEQUENCE, entries, total));
    fields.push(explicit(0, sequence(info.akiExtension, crlNumber(BigInt(input.number)))));
    const tbs = tlv(Tag.SEQUENCE, ...fields);
    return signToBeSigned(tbs, input.issuerSigner);
  }

  return {
    parseCsr: (pem) => parseCsr(pem),
    newSerial: () => (random ? newSerial(random) : newSerial()),
    issueLeaf: (req) => issueLeafCertificate(req),
    lintLeaf: (der, issuerDer, sans) => lintLeafCertificate(der, issuerDer, { sans }),
    buildCrl,
    toPem: (der, label) => derToPem(der, label),
  };
}
