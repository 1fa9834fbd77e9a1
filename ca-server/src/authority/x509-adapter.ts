/**
 * Wires the X.509 layer (`ca-server/src/x509/`) into the authority's {@link X509Port}.
 *
 * CRLs go through the layer's incremental {@link CrlBuilder}: the adapter keeps one builder per
 * issuer and only adds the entries that are new and removes those that left (expired), so a
 * rebuild after one more revocation encodes one entry and signs (bench/crl.bench.mjs: <= 50 ms at 4,000
 * entries, <= 1 s at 100,000).
 */
import { parseCsr } from '../x509/csr.js';
import { issueLeafCertificate } from '../x509/leaf.js';
import { lintLeafCertificate } from '../x509/lint.js';
import { CrlBuilder } from '../x509/crl.js';
import type { CaSigner } from '../x509/types.js';
import { newSerial } from '../../../common/src/x509/serial.js';
import { derToPem } from '../../../common/src/x509/pem.js';
import { systemRandom, type RandomSource } from '../../../common/src/clock-and-random.js';
import type { CrlBuildInput, X509Port } from './x509-port.js';

export function x509Adapter(random?: RandomSource): X509Port {
  let state: { cert: Uint8Array; signer: CaSigner; builder: CrlBuilder; keys: Map<string, string> } | undefined;

  async function buildCrl(input: CrlBuildInput): Promise<Uint8Array> {
    if (!state || state.cert !== input.issuerCertificate || state.signer !== input.issuerSigner) {
      state = {
        cert: input.issuerCertificate,
        signer: input.issuerSigner,
        builder: new CrlBuilder({ issuerCertificate: input.issuerCertificate, signer: input.issuerSigner }),
        keys: new Map(),
      };
    }
    const { builder, keys } = state;
    const live = new Set<string>();
    for (const e of input.entries) {
      live.add(e.serialHex);
      const key = `${e.revokedAt.getTime()}|${e.reason ?? ''}`;
      if (keys.get(e.serialHex) === key) continue;
      builder.add(e);
      keys.set(e.serialHex, key);
    }
    for (const serial of keys.keys()) {
      if (!live.has(serial)) {
        builder.remove(serial);
        keys.delete(serial);
      }
    }
    return builder.build({ crlNumber: BigInt(input.number), thisUpdate: input.thisUpdate, nextUpdate: input.nextUpdate });
  }

  return {
    parseCsr: (pem) => parseCsr(pem),
    newSerial: () => newSerial(random ?? systemRandom),
    issueLeaf: (req) => issueLeafCertificate(req),
    lintLeaf: (der, issuerDer, sans) => lintLeafCertificate(der, issuerDer, { sans }),
    buildCrl,
    toPem: (der, label) => derToPem(der, label),
  };
}
