/**
 * The ONE table of the signer commands' flags: the official `aws_signing_helper` flags
 * (signer-spec.md §3.2, same names so rapki is a drop-in replacement) plus rapki's own.
 *
 * Both parsers read it: the yargs command modules (help text, `credential-process --help`) and the
 * lean `node:util` parser of the start-up-critical `credential-process` fast path. So a flag cannot
 * exist in one and not the other.
 *
 * Flags of features that come later or belong to other platforms (OS certificate stores) are
 * parsed and answered with a clear error naming the flag — never silently ignored, since a user
 * passing `--cert-selector` expects a different certificate than the one we would pick.
 *
 * This module must stay light: it is on the credential-process start-up path (no yargs import).
 */
import { RapkiError } from '../../common/src/errors.js';

/** Which commands take a flag. */
export type SignerCommand = 'credential-process' | 'sign-string' | 'read-certificate-data';

export interface FlagSpec {
  /** Flag name without dashes, exactly as the official helper spells it. */
  readonly name: string;
  readonly type: 'string' | 'boolean';
  /** For string flags holding a number. */
  readonly numeric?: boolean;
  readonly describe: string;
  /** Default shown in help (applied by the resolver, not the parsers). */
  readonly defaultText?: string;
  /** `supported`, or why not: `later` (a later rapki release) or `platform` (OS stores, TPM). */
  readonly support: 'supported' | 'later' | 'platform';
  readonly commands: readonly SignerCommand[];
  /** rapki addition (not in the official helper). */
  readonly rapki?: boolean;
}

const ALL: readonly SignerCommand[] = ['credential-process', 'sign-string', 'read-certificate-data'];
const KEYED: readonly SignerCommand[] = ['credential-process', 'sign-string'];
const CP: readonly SignerCommand[] = ['credential-process'];

/** Every flag, in help order. */
export const CREDENTIAL_FLAGS: readonly FlagSpec[] = [
  { name: 'certificate', type: 'string', support: 'supported', commands: ALL,
    describe: 'Path of the end-entity certificate: PEM, a PEM holding certificate and key (also a TSS2 TPM key), a PKCS#12 file, or a pkcs11: URI (RFC 7512) (required)' },
  { name: 'private-key', type: 'string', support: 'supported', commands: KEYED,
    describe: 'Path of the PEM private key (PKCS#8, encrypted PKCS#8, PKCS#1, SEC1 or a TSS2 TPM key file), a pkcs11: URI (PIN: ?pin-source=FILE or RAPKI_PKCS11_PIN), or handle:0x81XXXXXX for a persistent TPM 2.0 key (TPM from TPM_DEVICE, /dev/tpmrm0, /dev/tpm0); omit when --certificate holds the key' },
  { name: 'intermediates', type: 'string', support: 'supported', commands: CP,
    describe: 'Path of a PEM bundle of intermediate CA certificates, sent as X-Amz-X509-Chain (at most 5)' },
  { name: 'trust-anchor-arn', type: 'string', support: 'supported', commands: CP,
    describe: 'ARN of the Roles Anywhere trust anchor (required)' },
  { name: 'profile-arn', type: 'string', support: 'supported', commands: CP,
    describe: 'ARN of the Roles Anywhere profile (required)' },
  { name: 'role-arn', type: 'string', support: 'supported', commands: CP,
    describe: 'ARN of the IAM role to assume (required)' },
  { name: 'session-duration', type: 'string', numeric: true, defaultText: '3600', support: 'supported', commands: CP,
    describe: 'Session duration in seconds, 900..43200 (also capped by the profile and the role)' },
  { name: 'region', type: 'string', support: 'supported', commands: CP,
    describe: 'Signing region; default: the region of the trust-anchor ARN' },
  { name: 'endpoint', type: 'string', support: 'supported', commands: CP,
    describe: 'Endpoint URL overriding https://rolesanywhere.<region>.<suffix> (a path prefix is allowed; /sessions is still signed)' },
  { name: 'no-verify-ssl', type: 'boolean', support: 'supported', commands: CP,
    describe: 'Do not verify the endpoint TLS certificate (testing only); for a private CA set AWS_CA_BUNDLE instead' },
  { name: 'with-proxy', type: 'boolean', support: 'supported', commands: CP,
    describe: 'Send through the proxy of HTTPS_PROXY/https_proxy, honouring NO_PROXY' },
  { name: 'debug', type: 'boolean', support: 'supported', commands: CP,
    describe: 'Print the canonical request, string to sign and each attempt to stderr (never key material)' },
  { name: 'role-session-name', type: 'string', support: 'supported', commands: CP,
    describe: 'Role session name (the profile must accept it: acceptRoleSessionName)' },
  { name: 'pkcs8-password', type: 'string', support: 'supported', commands: KEYED,
    describe: 'Password of an encrypted PKCS#8 key or PKCS#12 file. Visible in `ps`: prefer --pkcs8-password-file or RAPKI_PKCS8_PASSWORD' },
  { name: 'pkcs8-password-file', type: 'string', rapki: true, support: 'supported', commands: KEYED,
    describe: 'Path of a file holding the PKCS#8/PKCS#12 password (first line). Env alternative: RAPKI_PKCS8_PASSWORD' },
  { name: 'use-fips-endpoint', type: 'boolean', rapki: true, support: 'supported', commands: CP,
    describe: 'Use the FIPS endpoint rolesanywhere-fips.<region>.<suffix> (also AWS_USE_FIPS_ENDPOINT=true); the signing region stays plain' },
  { name: 'timeout', type: 'string', numeric: true, defaultText: '10', rapki: true, support: 'supported', commands: CP,
    describe: 'Seconds to wait for connecting and for each silence of the endpoint, per attempt (3 attempts with backoff)' },
  { name: 'no-cache', type: 'boolean', rapki: true, support: 'supported', commands: CP,
    describe: 'Do not use the per-user credential cache ($XDG_RUNTIME_DIR/rapki; credentials are reused while more than 15 minutes remain)' },
  { name: 'cert-selector', type: 'string', support: 'platform', commands: ALL,
    describe: 'Not supported: selects a certificate from the Windows/macOS certificate store' },
  { name: 'system-store-name', type: 'string', support: 'platform', commands: ALL,
    describe: 'Not supported: Windows certificate store name' },
  { name: 'use-latest-expiring-certificate', type: 'boolean', support: 'platform', commands: ALL,
    describe: 'Not supported: picks the latest-expiring certificate from an OS store' },
  { name: 'pkcs11-lib', type: 'string', support: 'supported', commands: ALL, defaultText: 'p11-kit-proxy.so',
    describe: 'PKCS#11 module for pkcs11: URIs; default: the URI\'s module-path, else p11-kit-proxy' },
  { name: 'reuse-pin', type: 'boolean', support: 'supported', commands: KEYED,
    describe: 'Use the user PIN also for PKCS#11 keys that need a PIN per signature (CKA_ALWAYS_AUTHENTICATE)' },
  { name: 'tpm-key-password', type: 'string', support: 'supported', commands: KEYED,
    describe: 'Password of a TPM 2.0 key (handle: or TSS2 key file). Visible in `ps`: prefer --tpm-key-password-file or RAPKI_TPM_KEY_PASSWORD' },
  { name: 'tpm-key-password-file', type: 'string', rapki: true, support: 'supported', commands: KEYED,
    describe: 'Path of a file holding the TPM key password (first line). Env alternative: RAPKI_TPM_KEY_PASSWORD' },
  { name: 'no-tpm-key-password', type: 'boolean', support: 'supported', commands: KEYED,
    describe: 'The TPM key at --private-key handle:0x81… has no password (a TSS2 key file says so itself)' },
  { name: 'format', type: 'string', defaultText: 'json', support: 'supported', commands: ['sign-string'],
    describe: 'Output format of sign-string: json (hex in a JSON string), text (hex) or bin (raw bytes)' },
  { name: 'digest', type: 'string', defaultText: 'SHA256', support: 'supported', commands: ['sign-string'],
    describe: 'Digest of sign-string: SHA256, SHA384 or SHA512' },
];

/** Flags of one command. */
export function flagsOf(command: SignerCommand): readonly FlagSpec[] {
  return CREDENTIAL_FLAGS.filter((f) => f.commands.includes(command));
}

/** Parsed values, keyed by flag name (no dashes); booleans are true when present. */
export type FlagValues = Readonly<Record<string, string | boolean | undefined>>;

/** Coded CLI usage errors (`rapki: <code>: <message>`, exit 1). */
export const CLI_FLAG_ERROR_CODES = {
  unknown_flag: 'a flag the command does not have',
  missing_flag: 'a required flag is missing or empty',
  invalid_flag_value: 'a flag value has the wrong form',
  unsupported_flag: 'a flag of the official helper for a feature rapki does not have (yet)',
  password_file_unreadable: 'the --pkcs8-password-file or --tpm-key-password-file cannot be read',
  ca_bundle_unreadable: 'the AWS_CA_BUNDLE file cannot be read',
} as const;

export function flagError(code: keyof typeof CLI_FLAG_ERROR_CODES, message: string, cause?: unknown): RapkiError {
  return new RapkiError(code, message, cause === undefined ? undefined : { cause });
}

/**
 * Refuses every flag of an unsupported feature that was given, naming it. Also refuses a TPM
 * `handle:` in --certificate (a persistent TPM key goes in --private-key, the certificate in a file).
 */
export function refuseUnsupported(values: FlagValues, command: SignerCommand): void {
  for (const f of flagsOf(command)) {
    if (f.support === 'supported' || values[f.name] === undefined || values[f.name] === false) continue;
    throw flagError(
      'unsupported_flag',
      f.support === 'later'
        ? `--${f.name} is not supported yet; use a PEM, PKCS#12 or pkcs11: key for now`
        : `--${f.name} is not supported: rapki reads keys from files (PEM, PKCS#12, TSS2), PKCS#11 tokens and TPMs; Windows/macOS certificate stores are not available`,
    );
  }
  const cert = values.certificate;
  if (typeof cert === 'string' && /^handle:/i.test(cert)) {
    throw flagError('invalid_flag_value', '--certificate handle: is not a certificate: pass the TPM key as --private-key handle:0x81… and the certificate file as --certificate');
  }
}

/** A required string flag. */
export function requireString(values: FlagValues, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.trim() === '') throw flagError('missing_flag', `--${name} is required`);
  return v;
}

/** An optional string flag ('' counts as absent, as the official helper treats empty strings). */
export function optionalString(values: FlagValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** An optional integer flag within bounds. */
export function optionalInteger(values: FlagValues, name: string, min: number, max: number): number | undefined {
  const v = optionalString(values, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.trim()) || Number(v) < min || Number(v) > max) {
    throw flagError('invalid_flag_value', `--${name} must be a whole number between ${min} and ${max}, got '${v.slice(0, 40)}'`);
  }
  return Number(v);
}

/**
 * Adapts argv for `node:util` parseArgs: the official helper (Go pflag) accepts `--bool=true` and
 * `--bool=false`; parseArgs does not. `--x=true` becomes `--x`, `--x=false` is dropped.
 */
export function normalizeBooleanArgs(args: readonly string[], command: SignerCommand): string[] {
  const booleans = new Set(flagsOf(command).filter((f) => f.type === 'boolean').map((f) => f.name));
  const out: string[] = [];
  for (const a of args) {
    const m = /^--([a-z0-9-]+)=(true|false|1|0)$/i.exec(a);
    if (m && booleans.has(m[1]!)) {
      if (/^(true|1)$/i.test(m[2]!)) out.push(`--${m[1]}`);
      continue;
    }
    out.push(a);
  }
  return out;
}
