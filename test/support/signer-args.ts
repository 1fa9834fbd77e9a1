/**
 * The signer commands' flags as tests pass them (`credential-process`, `serve`, `update`,
 * `sign-string`), in one place, and the official helper's own flag list that rapki must accept.
 */

/** The ARNs the loopback tests sign for (any well-formed ARNs do: the loopback verifier checks shape and signature). */
export const TEST_TRUST_ANCHOR_ARN = 'arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0b7e5c1e-4c7e-4a53-9d0b-1f2e3d4c5b6a';
export const TEST_PROFILE_ARN = 'arn:aws:rolesanywhere:us-east-1:123456789012:profile/6f1d2c3b-4a59-4e8d-8c7b-6a5f4e3d2c1b';

export interface SignerArgsInput {
  readonly certificate: string;
  readonly privateKey: string;
  readonly roleArn: string;
  readonly endpoint: string;
  readonly trustAnchorArn?: string;
  readonly profileArn?: string;
}

/** `--certificate … --private-key … --trust-anchor-arn … --profile-arn … --role-arn … --endpoint …`, then `extra`. */
export function signerArgs(o: SignerArgsInput, ...extra: string[]): string[] {
  return [
    '--certificate',
    o.certificate,
    '--private-key',
    o.privateKey,
    '--trust-anchor-arn',
    o.trustAnchorArn ?? TEST_TRUST_ANCHOR_ARN,
    '--profile-arn',
    o.profileArn ?? TEST_PROFILE_ARN,
    '--role-arn',
    o.roleArn,
    '--endpoint',
    o.endpoint,
    ...extra,
  ];
}

/** The flags of the official helper's `credential-process` (aws_signing_helper 1.8.0, cmd/credential_process.go and cmd/root.go). */
export const OFFICIAL_CREDENTIAL_PROCESS_FLAGS: readonly string[] = [
  'certificate',
  'private-key',
  'intermediates',
  'trust-anchor-arn',
  'profile-arn',
  'role-arn',
  'session-duration',
  'region',
  'endpoint',
  'no-verify-ssl',
  'with-proxy',
  'debug',
  'role-session-name',
  'cert-selector',
  'system-store-name',
  'use-latest-expiring-certificate',
  'pkcs11-lib',
  'reuse-pin',
  'tpm-key-password',
  'no-tpm-key-password',
  'pkcs8-password',
];
