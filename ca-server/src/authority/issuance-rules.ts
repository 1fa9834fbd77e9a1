/**
 * The issuance pipeline as small ordered rules (after step-ca's `signX509`: CSR validation →
 * name policy → profile → sign → lint → store). Each rule does one check or one step on a shared
 * context and throws a coded error to stop the pipeline. Storing and auditing are done by the
 * caller in one store transaction, because enrollment and renewal store differently.
 */
import { isRapkiError } from '../../../common/src/errors.js';
import { serialHexFromContent } from '../../../common/src/x509/serial.js';
import { errorSpec } from '../../../common/src/errors/registry.js';
import { caError } from '../errors.js';
import type { CaStore } from '../store/ca-store.js';
import type { ParsedCsr } from '../x509/types.js';
import type { IssuerContext } from './issuer.js';
import { parseSan, sameSanSet } from './names.js';
import type { X509Port } from './x509-port.js';

/** Clock-skew allowance: notBefore is set this far in the past (step-ca DefaultBackdate is 1 min). */
export const BACKDATE_SECONDS = 5 * 60;

export interface IssuanceContext {
  readonly now: Date;
  readonly csrPem: string;
  /** Names the CSR must carry exactly. */
  readonly expected: { readonly host: string; readonly subjectDn: string; readonly commonName: string; readonly sans: readonly string[] };
  readonly certTtlSeconds: number;
  csr?: ParsedCsr;
  serial?: Uint8Array;
  serialHex?: string;
  notBefore?: Date;
  notAfter?: Date;
  der?: Uint8Array;
}

export interface RuleDeps {
  readonly x509: X509Port;
  readonly store: CaStore;
  readonly issuer: IssuerContext;
}

export type IssuanceRule = (ctx: IssuanceContext, deps: RuleDeps) => void | Promise<void>;

/** Maps the X.509 layer's codes to this server's codes. */
const X509_TO_CA: Record<string, 'invalid_csr' | 'weak_key' | 'lint_failed' | 'name_mismatch'> = {
  csr_unparsable: 'invalid_csr',
  csr_too_large: 'invalid_csr',
  csr_bad_signature: 'invalid_csr',
  pem_invalid: 'invalid_csr',
  dn_invalid: 'invalid_csr',
  san_invalid: 'invalid_csr',
  csr_key_not_allowed: 'weak_key',
  certificate_lint_failed: 'lint_failed',
};

function mapX509Error(err: unknown, fallback: 'invalid_csr' | 'lint_failed'): never {
  if (isRapkiError(err)) {
    const mapped = X509_TO_CA[err.code];
    if (mapped) throw caError(mapped, undefined, { cause: err });
    // A code the CA answers on the wire as it is (not_ready, store_unavailable, …) passes.
    if (errorSpec(err.code)?.http !== undefined) throw err;
  }
  throw caError(fallback, undefined, { cause: err });
}

/** 1. Parse the CSR and verify proof of possession. */
export const parseCsrRule: IssuanceRule = async (ctx, { x509 }) => {
  try {
    ctx.csr = await x509.parseCsr(ctx.csrPem);
  } catch (err) {
    mapX509Error(err, 'invalid_csr');
  }
};

/** 2. Key policy: RSA >= 2048 bits, EC P-256 or P-384. */
export const keyPolicyRule: IssuanceRule = (ctx) => {
  const csr = ctx.csr!;
  const ok =
    (csr.keyAlgorithm === 'rsa' && csr.keyBits >= 2048 && csr.keyBits <= 8192) ||
    (csr.keyAlgorithm === 'ec' && (csr.curve === 'P-256' || csr.curve === 'P-384'));
  if (!ok) throw caError('weak_key');
};

/** 3. The CSR names equal the authorised names exactly (subject DN and SAN set). */
export const nameBindingRule: IssuanceRule = (ctx) => {
  const csr = ctx.csr!;
  if (csr.commonName !== ctx.expected.commonName || csr.subject !== ctx.expected.subjectDn) {
    throw caError('name_mismatch', `The CSR subject must be exactly ${ctx.expected.subjectDn}.`);
  }
  if (!sameSanSet(csr.sans, ctx.expected.sans)) {
    throw caError('name_mismatch', `The CSR SANs must be exactly [${ctx.expected.sans.join(', ')}].`);
  }
};

/** 4. The host is not blocked (checked again inside the storing transaction). */
export const hostNotBlockedRule: IssuanceRule = async (ctx, { store }) => {
  if (await store.isHostBlocked(ctx.expected.host)) throw caError('host_blocked');
};

/** 5. The one Roles Anywhere leaf profile: validity window and serial. */
export const profileRule: IssuanceRule = (ctx, { x509, issuer }) => {
  const nb = new Date(ctx.now.getTime() - BACKDATE_SECONDS * 1000);
  const wanted = new Date(ctx.now.getTime() + ctx.certTtlSeconds * 1000);
  ctx.notBefore = nb;
  ctx.notAfter = wanted.getTime() > issuer.notAfter.getTime() ? issuer.notAfter : wanted;
  ctx.serial = x509.newSerial();
  ctx.serialHex = serialHexFromContent(ctx.serial);
};

/** 6. Sign. */
export const signRule: IssuanceRule = async (ctx, { x509, issuer }) => {
  ctx.der = await x509.issueLeaf({
    issuerCertificate: issuer.certificate,
    issuerSigner: issuer.signer,
    subject: ctx.expected.subjectDn,
    sans: ctx.expected.sans.map(parseSan),
    publicKeySpki: ctx.csr!.publicKeySpki,
    serial: ctx.serial!,
    notBefore: ctx.notBefore!,
    notAfter: ctx.notAfter!,
    extKeyUsage: ['clientAuth'],
  });
};

/** 7. Lint before the certificate can leave. */
export const lintRule: IssuanceRule = async (ctx, { x509, issuer }) => {
  try {
    await x509.lintLeaf(ctx.der!, issuer.certificate, ctx.expected.sans.map(parseSan));
  } catch (err) {
    mapX509Error(err, 'lint_failed');
  }
};

export const ISSUANCE_RULES: readonly IssuanceRule[] = [parseCsrRule, keyPolicyRule, nameBindingRule, hostNotBlockedRule, profileRule, signRule, lintRule];

export async function runIssuanceRules(ctx: IssuanceContext, deps: RuleDeps, rules = ISSUANCE_RULES): Promise<Required<IssuanceContext>> {
  for (const rule of rules) await rule(ctx, deps);
  return ctx as Required<IssuanceContext>;
}
