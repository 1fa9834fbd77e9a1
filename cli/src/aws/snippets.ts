/**
 * What `rapki aws register` prints for the operator to paste: the IAM role trust policy and the
 * `~/.aws/config` profile with the `credential_process` line.
 *
 * Trust policy: Roles Anywhere assumes the role as the service principal
 * `rolesanywhere.amazonaws.com` with `sts:AssumeRole`, `sts:TagSession` (principal tags from the
 * certificate) and `sts:SetSourceIdentity`; the `aws:SourceArn` condition limits it to our trust
 * anchor so that another account's or another CA's anchor cannot use the role (confused deputy).
 */
import { ENROLL_FILES } from '../ca-client/constants.js';

export interface TrustPolicy {
  readonly Version: '2012-10-17';
  readonly Statement: readonly {
    readonly Sid: string;
    readonly Effect: 'Allow';
    readonly Principal: { readonly Service: 'rolesanywhere.amazonaws.com' };
    readonly Action: readonly string[];
    readonly Condition: { readonly ArnEquals: { readonly 'aws:SourceArn': string } };
  }[];
}

export function trustPolicy(trustAnchorArn: string): TrustPolicy {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'RapkiRolesAnywhere',
        Effect: 'Allow',
        Principal: { Service: 'rolesanywhere.amazonaws.com' },
        Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
        Condition: { ArnEquals: { 'aws:SourceArn': trustAnchorArn } },
      },
    ],
  };
}

export interface SnippetInput {
  readonly trustAnchorArn: string;
  readonly profileArn: string;
  readonly roleArns: readonly string[];
  readonly region: string;
  /** Custom endpoint (emulator); omitted for AWS. */
  readonly endpoint?: string | undefined;
  /** Directory where `rapki enroll --out` put certificate.pem and private-key.pem on the host. */
  readonly certDir: string;
  /** True when leaves chain to the trust anchor through an intermediate the host must send (`--intermediates chain.pem`). */
  readonly intermediates?: boolean;
  /** Path of the rapki executable on the host. */
  readonly command?: string;
  /**
   * `tpm`: hosts enrolled with `rapki enroll --key tpm`, whose private-key.pem is a TSS2 key file
   * (the key stays in the TPM). Default `file`.
   */
  readonly hostKey?: 'file' | 'tpm' | undefined;
  /** With `hostKey: 'tpm'`: where each host keeps its TPM key password (none: keys without password). */
  readonly tpmKeyPasswordFile?: string | undefined;
}

/** `[profile rapki-<role name>]` name for a role ARN (config profile names: no spaces or brackets). */
export function awsProfileName(roleArn: string): string {
  const name = roleArn.slice(roleArn.lastIndexOf('/') + 1).replace(/[^A-Za-z0-9_.+=,@-]/g, '-');
  return `rapki-${name}`;
}

/** Quote a path for the credential_process line only when it needs it (the SDKs split on spaces, honouring double quotes). */
function arg(s: string): string {
  return /^[A-Za-z0-9_./:=+,@-]+$/.test(s) ? s : `"${s.replace(/(["\\])/g, '\\$1')}"`;
}

/** The comment above the TPM variant (an INI comment, ignored by the SDKs). */
const TPM_NOTE =
  '# Host keys in the TPM (rapki enroll --key tpm): private-key.pem is a TSS2 key file, usable only with that\n' +
  "# host's TPM (TPM_DEVICE, else /dev/tpmrm0, else /dev/tpm0; the user needs access to it, e.g. group tss).";

/** One `[profile …]` section per role (with a note first for TPM host keys). */
export function configSnippet(input: SnippetInput): string {
  const dir = input.certDir.replace(/\/+$/, '');
  const sections = input.roleArns.map((roleArn) => {
    const parts = [
      input.command ?? 'rapki',
      'credential-process',
      '--certificate',
      arg(`${dir}/${ENROLL_FILES.certificate}`),
      '--private-key',
      arg(`${dir}/${ENROLL_FILES.privateKey}`),
      ...(input.intermediates ? ['--intermediates', arg(`${dir}/${ENROLL_FILES.chain}`)] : []),
      ...(input.hostKey === 'tpm' && input.tpmKeyPasswordFile ? ['--tpm-key-password-file', arg(input.tpmKeyPasswordFile)] : []),
      '--trust-anchor-arn',
      input.trustAnchorArn,
      '--profile-arn',
      input.profileArn,
      '--role-arn',
      roleArn,
      '--region',
      input.region,
      ...(input.endpoint ? ['--endpoint', arg(input.endpoint)] : []),
    ];
    return `[profile ${awsProfileName(roleArn)}]\ncredential_process = ${parts.join(' ')}\nregion = ${input.region}\n`;
  });
  const head = input.hostKey === 'tpm' ? `${TPM_NOTE}\n` : '';
  return head + sections.join('\n');
}
