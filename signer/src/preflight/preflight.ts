import type { KeySigner } from '../types.js';
import { checkCertificates } from './check-certificates.js';
import { checkSessionInput, type SessionInputToCheck } from './check-session-input.js';
import type { CertificateInfo } from '../x509/parse-certificate.js';

/** Arguments of {@link preflight}. */
export interface PreflightArgs {
  /** The certificate and chain to be sent (a KeySigner fits). */
  readonly signer: Pick<KeySigner, 'certificate' | 'chain'>;
  readonly input: SessionInputToCheck;
  readonly now: Date;
}

/** What preflight resolved. */
export interface PreflightResult {
  /** Signing region (`--region` or the trust anchor's). */
  readonly region: string;
  /** ARN partition (aws, aws-cn, aws-us-gov, …), for the endpoint. */
  readonly partition: string;
  readonly leaf: CertificateInfo;
}

/**
 * Every local check before a CreateSession request is sent (the service's 403s name no cause): inputs
 * first (cheap, typos), then certificates. Throws the first SignerError found. The key/certificate
 * match is checked when the key is loaded (`keys/file-key-signer.ts`), since preflight never sees the
 * key.
 */
export function preflight(args: PreflightArgs): PreflightResult {
  const { region, partition } = checkSessionInput(args.input);
  const { leaf } = checkCertificates(args.signer.certificate, args.signer.chain, args.now);
  return { region, partition, leaf };
}
