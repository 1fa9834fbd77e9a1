/**
 * The ONE table of the signer commands' flags: the official `aws_signing_helper` flags
 * (cmd/*.go of aws_signing_helper 1.8.0, same names so rapki is a drop-in replacement) plus rapki's own.
 *
 * Both parsers read it: the yargs command modules (help text, `credential-process --help`) and the
 * lean `node:util` parser of the start-up-critical `credential-process` fast path. So a flag cannot
 * exist in one and not the other.
 *
 * Flags that choose a certificate rapki cannot read (`--cert-selector`, `--system-store-name`:
 * OS certificate stores) are parsed and answered with a clear error naming the flag — never
 * silently ignored, since a user passing them expects a different certificate than the one we
 * would pick. Flags that only tune key sources rapki's keys do not use (`--tpm-key-password` next
 * to a file key, `--use-latest-expiring-certificate` without a selector) are accepted, as the
 * official helper accepts them, with a note under `--debug`.
 *
 * This module must stay light: it is on the credential-process start-up path (no yargs import).
 */
import { RapkiError } from '../../common/src/errors.js';

/** Which commands take a flag (the official helper's signer subcommands). */
export type SignerCommand = 'credential-process' | 'serve' | 'update' | 'sign-string' | 'read-certificate-data';

/** Every signer command, in help order. */
export const SIGNER_COMMANDS: readonly SignerCommand[] = ['credential-process', 'serve', 'update', 'sign-string', 'read-certificate-data'];

/** True when `name` is a signer command (parsed with this table, not yargs). */
export function isSignerCommand(name: string | undefined): name is SignerCommand {
  return name !== undefined && (SIGNER_COMMANDS as readonly string[]).includes(name);
}

export interface FlagSpec {
  /** Flag name without dashes, exactly as the official helper spells it. */
  readonly name: string;
  readonly type: 'string' | 'boolean';
  /** For string flags holding a number. */
  readonly numeric?: boolean;
  readonly describe: string;
  /** Default shown in help (applied by the resolver, not the parsers). */
  readonly defaultText?: string;
  /**
   * `supported`; `ignored` (accepted as the official helper accepts it, without effect on the keys
   * rapki reads, a note under --debug); or why not: `later` (a later rapki release) or `platform`
   * (OS certificate stores), both answered with an error naming the flag.
   */
  readonly support: 'supported' | 'ignored' | 'later' | 'platform';
  readonly commands: readonly SignerCommand[];
  /** rapki addition (not in the official helper). */
  readonly rapki?: boolean;
}

/** Commands that call CreateSession (the helper's `initCredentialsSubCommand`). */
const VEND: readonly SignerCommand[] = ['credential-process', 'serve', 'update'];
const KEYED: readonly SignerCommand[] = [...VEND, 'sign-string'];
const ALL: readonly SignerCommand[] = [...KEYED, 'read-certificate-data'];
const CP: readonly SignerCommand[] = ['credential-process'];

/**
 * TPM 2.0 key flags of the official helper, in ONE place. They are accepted next to file and
 * PKCS#11 keys and ignored there (a note under --debug, see {@link ignoredFlagNotes}), as the
 * helper ignores them for non-TPM keys. TPM keys (`handle:…`, `TSS2 PRIVATE KEY` files) give them
 * their meaning.
 */
export const TPM_FLAGS: readonly FlagSpec[] = [
  {
    name: 'tpm-key-password',
    type: 'string',
    support: 'supported',
    commands: KEYED,
    describe:
      'Password of a TPM 2.0 key (handle: or TSS2 key file); ignored for file and PKCS#11 keys. Visible in `ps`: prefer --tpm-key-password-file or RAPKI_TPM_KEY_PASSWORD',
  },
  {
    name: 'tpm-key-password-file',
    type: 'string',
    rapki: true,
    support: 'supported',
    commands: KEYED,
    describe: 'Path of a file holding the TPM key password (first line). Env alternative: RAPKI_TPM_KEY_PASSWORD',
  },
  {
    name: 'no-tpm-key-password',
    type: 'boolean',
    support: 'supported',
    commands: KEYED,
    describe: 'The TPM key at --private-key handle:0x81… has no password (a TSS2 key file says so itself); ignored for file and PKCS#11 keys',
  },
];

/** Every flag, in help order. */
export const CREDENTIAL_FLAGS: readonly FlagSpec[] = [
  {
    name: 'certificate',
    type: 'string',
    support: 'supported',
    commands: ALL,
    describe:
      'Path of the end-entity certificate: PEM, a PEM holding certificate and key (also a TSS2 TPM key), a PKCS#12 file, or a pkcs11: URI (RFC 7512) (required)',
  },
  {
    name: 'private-key',
    type: 'string',
    support: 'supported',
    commands: KEYED,
    describe:
      'Path of the PEM private key (PKCS#8, encrypted PKCS#8, PKCS#1, SEC1 or a TSS2 TPM key file), a pkcs11: URI (PIN: ?pin-source=FILE or RAPKI_PKCS11_PIN), or handle:0x81XXXXXX for a persistent TPM 2.0 key (TPM from TPM_DEVICE, /dev/tpmrm0, /dev/tpm0); omit when --certificate holds the key',
  },
  {
    name: 'intermediates',
    type: 'string',
    support: 'supported',
    commands: VEND,
    describe: 'Path of a PEM bundle of intermediate CA certificates, sent as X-Amz-X509-Chain (at most 5)',
  },
  { name: 'trust-anchor-arn', type: 'string', support: 'supported', commands: VEND, describe: 'ARN of the Roles Anywhere trust anchor (required)' },
  { name: 'profile-arn', type: 'string', support: 'supported', commands: VEND, describe: 'ARN of the Roles Anywhere profile (required)' },
  { name: 'role-arn', type: 'string', support: 'supported', commands: VEND, describe: 'ARN of the IAM role to assume (required)' },
  {
    name: 'session-duration',
    type: 'string',
    numeric: true,
    defaultText: '3600',
    support: 'supported',
    commands: VEND,
    describe: 'Session duration in seconds, 900..43200 (also capped by the profile and the role)',
  },
  { name: 'region', type: 'string', support: 'supported', commands: VEND, describe: 'Signing region; default: the region of the trust-anchor ARN' },
  {
    name: 'endpoint',
    type: 'string',
    support: 'supported',
    commands: VEND,
    describe:
      'Endpoint URL overriding https://rolesanywhere.<region>.<suffix> (a path prefix is allowed; /sessions is still signed); ' +
      'default: AWS_ENDPOINT_URL_ROLESANYWHERE, else AWS_ENDPOINT_URL',
  },
  {
    name: 'no-verify-ssl',
    type: 'boolean',
    support: 'supported',
    commands: VEND,
    describe: 'Do not verify the endpoint TLS certificate (testing only); for a private CA set AWS_CA_BUNDLE instead',
  },
  {
    name: 'with-proxy',
    type: 'boolean',
    support: 'supported',
    commands: VEND,
    describe: 'Accepted for compatibility: HTTPS_PROXY/https_proxy and NO_PROXY/no_proxy are always honoured (loopback endpoints never use a proxy)',
  },
  {
    name: 'debug',
    type: 'boolean',
    support: 'supported',
    commands: ALL,
    describe: 'Print diagnostics to stderr (canonical request, string to sign, each attempt, ignored flags); never key material',
  },
  {
    name: 'role-session-name',
    type: 'string',
    support: 'supported',
    commands: VEND,
    describe: 'Role session name (the profile must accept it: acceptRoleSessionName)',
  },
  {
    name: 'pkcs8-password',
    type: 'string',
    support: 'supported',
    commands: KEYED,
    describe: 'Password of an encrypted PKCS#8 key or PKCS#12 file. Visible in `ps`: prefer --pkcs8-password-file or RAPKI_PKCS8_PASSWORD',
  },
  {
    name: 'pkcs8-password-file',
    type: 'string',
    rapki: true,
    support: 'supported',
    commands: KEYED,
    describe: 'Path of a file holding the PKCS#8/PKCS#12 password (first line). Env alternative: RAPKI_PKCS8_PASSWORD',
  },
  {
    name: 'use-fips-endpoint',
    type: 'boolean',
    rapki: true,
    support: 'supported',
    commands: VEND,
    describe: 'Use the FIPS endpoint rolesanywhere-fips.<region>.<suffix> (also AWS_USE_FIPS_ENDPOINT=true); the signing region stays plain',
  },
  {
    name: 'timeout',
    type: 'string',
    numeric: true,
    defaultText: '10',
    rapki: true,
    support: 'supported',
    commands: VEND,
    describe: 'Seconds to wait for connecting and for each silence of the endpoint, per attempt (3 attempts with backoff)',
  },
  {
    name: 'no-cache',
    type: 'boolean',
    rapki: true,
    support: 'supported',
    commands: CP,
    describe: 'Do not use the per-user credential cache ($XDG_RUNTIME_DIR/rapki; credentials are reused while more than 15 minutes remain)',
  },
  {
    name: 'cert-selector',
    type: 'string',
    support: 'platform',
    commands: ALL,
    describe: 'Not supported: selects a certificate from the Windows/macOS certificate store',
  },
  { name: 'system-store-name', type: 'string', support: 'platform', commands: ALL, describe: 'Not supported: Windows certificate store name' },
  {
    name: 'use-latest-expiring-certificate',
    type: 'boolean',
    support: 'ignored',
    commands: KEYED,
    describe: 'Picks the latest-expiring match of --cert-selector in an OS store; accepted and ignored for files, PKCS#11 and TPM keys',
  },
  {
    name: 'pkcs11-lib',
    type: 'string',
    support: 'supported',
    commands: ALL,
    defaultText: 'p11-kit-proxy.so',
    describe: "PKCS#11 module for pkcs11: URIs; default: the URI's module-path, else p11-kit-proxy",
  },
  {
    name: 'reuse-pin',
    type: 'boolean',
    support: 'supported',
    commands: KEYED,
    describe: 'Use the user PIN also for PKCS#11 keys that need a PIN per signature (CKA_ALWAYS_AUTHENTICATE)',
  },
  ...TPM_FLAGS,
  {
    name: 'format',
    type: 'string',
    defaultText: 'json',
    support: 'supported',
    commands: ['sign-string'],
    describe: 'Output format of sign-string: json (hex in a JSON string), text (hex) or bin (raw bytes)',
  },
  {
    name: 'digest',
    type: 'string',
    defaultText: 'SHA256',
    support: 'supported',
    commands: ['sign-string'],
    describe: 'Digest of sign-string: SHA256, SHA384 or SHA512',
  },
  // serve (the official helper's `serve` flags; --address and below are rapki's)
  { name: 'port', type: 'string', numeric: true, defaultText: '9911', support: 'supported', commands: ['serve'], describe: 'Listen port (0 = any free port)' },
  {
    name: 'hop-limit',
    type: 'string',
    numeric: true,
    defaultText: '64',
    support: 'supported',
    commands: ['serve'],
    describe: 'IP TTL of answers in the official helper (1..255); accepted, but Node cannot set it: loopback-only serving is the protection',
  },
  {
    name: 'address',
    type: 'string',
    defaultText: '127.0.0.1',
    rapki: true,
    support: 'supported',
    commands: ['serve'],
    describe: 'Listen address (loopback unless --allow-non-loopback); requests must name it (or localhost) in their Host header',
  },
  {
    name: 'allow-non-loopback',
    type: 'boolean',
    rapki: true,
    support: 'supported',
    commands: ['serve'],
    describe: 'Allow a non-loopback --address (exposes credentials to the network)',
  },
  {
    name: 'allow-host',
    type: 'string',
    rapki: true,
    support: 'supported',
    commands: ['serve'],
    describe: 'More Host header names to answer, comma-separated (e.g. a service name clients use); others get 403',
  },
  {
    name: 'container',
    type: 'boolean',
    rapki: true,
    support: 'supported',
    commands: ['serve'],
    describe: 'Also serve the container-credentials format at /credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI)',
  },
  {
    name: 'auth-token-file',
    type: 'string',
    rapki: true,
    support: 'supported',
    commands: ['serve'],
    describe: 'File with the Authorization token of --container (created 0600 with a random token if missing); or set RAPKI_CONTAINER_AUTH_TOKEN',
  },
  // update (the official helper's `update` flags)
  { name: 'profile', type: 'string', defaultText: 'default', support: 'supported', commands: ['update'], describe: 'Section of the credentials file to write' },
  { name: 'once', type: 'boolean', support: 'supported', commands: ['update'], describe: 'Write once and exit instead of refreshing before expiry' },
];

/** Flags of one command. */
export function flagsOf(command: SignerCommand): readonly FlagSpec[] {
  return CREDENTIAL_FLAGS.filter((f) => f.commands.includes(command));
}

/** Parsed values, keyed by flag name (no dashes); booleans are true when present. */
export type FlagValues = Readonly<Record<string, string | boolean | undefined>>;

/** Coded CLI usage errors (`rapki: <code>: <message>`, exit 1): codes of the `cli` area of the registry (common/src/errors/codes/cli.ts). */
export type FlagErrorCode = 'flag_unknown' | 'flag_missing' | 'flag_value_invalid' | 'flag_unsupported' | 'password_file_unreadable' | 'ca_bundle_unreadable';

export function flagError(code: FlagErrorCode, message: string, cause?: unknown): RapkiError {
  return new RapkiError(code, message, cause === undefined ? undefined : { cause });
}

/**
 * Refuses every flag of an unsupported feature that was given, naming it. Also refuses a TPM
 * `handle:` in --certificate (a persistent TPM key goes in --private-key, the certificate in a file).
 */
export function refuseUnsupported(values: FlagValues, command: SignerCommand): void {
  for (const f of flagsOf(command)) {
    if (f.support === 'supported' || f.support === 'ignored' || values[f.name] === undefined || values[f.name] === false) continue;
    throw flagError(
      'flag_unsupported',
      f.support === 'later'
        ? `--${f.name} is not supported yet; use a PEM, PKCS#12 or pkcs11: key for now`
        : `--${f.name} is not supported: rapki reads keys from files (PEM, PKCS#12, TSS2), PKCS#11 tokens and TPMs; Windows/macOS certificate stores are not available`,
    );
  }
  const cert = values.certificate;
  if (typeof cert === 'string' && /^handle:/i.test(cert)) {
    throw flagError(
      'flag_value_invalid',
      '--certificate handle: is not a certificate: pass the TPM key as --private-key handle:0x81… and the certificate file as --certificate',
    );
  }
}

/** A required string flag. */
export function requireString(values: FlagValues, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.trim() === '') throw flagError('flag_missing', `--${name} is required`);
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
    throw flagError('flag_value_invalid', `--${name} must be a whole number between ${min} and ${max}, got '${v.slice(0, 40)}'`);
  }
  return Number(v);
}

/**
 * The `--debug` notes for accepted-but-ignored flags that were given (`support: 'ignored'`), e.g.
 * `--tpm-key-password is ignored: the key is not a TPM key`. `tpmKey` tells whether the key source
 * is a TPM key (those flags then have a meaning and no note is due).
 */
export function ignoredFlagNotes(values: FlagValues, command: SignerCommand, tpmKey = false): string[] {
  const notes: string[] = [];
  for (const f of flagsOf(command)) {
    if (values[f.name] === undefined || values[f.name] === false) continue;
    const isTpmFlag = TPM_FLAGS.some((t) => t.name === f.name);
    if (f.support !== 'ignored' && !isTpmFlag) continue;
    if (isTpmFlag && tpmKey) continue;
    notes.push(
      isTpmFlag
        ? `--${f.name} is ignored: the key is not a TPM 2.0 key`
        : `--${f.name} is ignored: it picks among OS certificate-store matches of --cert-selector, which rapki does not read`,
    );
  }
  return notes;
}
