/**
 * The X.509 operations the authority needs, as one narrow interface. `x509-adapter.ts` wires the
 * functions of `ca-server/src/x509/` into it; tests could substitute another encoder.
 */
import type { CaSigner, CrlEntry, LeafRequest, ParsedCsr, SubjectAltName } from '../x509/types.js';

export interface CrlBuildInput {
  readonly issuerCertificate: Uint8Array;
  readonly issuerSigner: CaSigner;
  readonly number: number;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly entries: readonly CrlEntry[];
}

export interface X509Port {
  /** Parses a PEM CSR and verifies its self-signature (proof of possession). */
  parseCsr(pem: string): ParsedCsr | Promise<ParsedCsr>;
  /** Fresh random positive serial (DER INTEGER content bytes). */
  newSerial(): Uint8Array;
  issueLeaf(req: LeafRequest): Promise<Uint8Array>;
  /** Throws if the certificate breaks the Roles Anywhere profile. */
  lintLeaf(der: Uint8Array, issuerDer: Uint8Array, sans: readonly SubjectAltName[]): void | Promise<void>;
  buildCrl(input: CrlBuildInput): Promise<Uint8Array>;
  toPem(der: Uint8Array, label: 'CERTIFICATE' | 'X509 CRL'): string;
}
