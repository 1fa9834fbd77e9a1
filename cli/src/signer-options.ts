/**
 * Turns parsed signer-command flags (plus the environment and files they point at) into the
 * library options of `rapki/signer`: KeySourceOptions and SessionOptions.
 *
 * Shared by the yargs handlers and the lean credential-process fast path, so both behave the same.
 * I/O (env, file reads, warnings) is injected.
 */
import { DEFAULT_DURATION_SECONDS, endpointFromEnv, plainHttpWarning, type KeySourceOptions, type SessionOptions } from '../../signer/src/entry/config.js';
import { isTpmHandle, TSS2_PEM_LABEL } from '../../signer/src/entry/key-kind.js';
import {
  flagError,
  ignoredFlagNotes,
  optionalInteger,
  optionalString,
  refuseUnsupported,
  requireString,
  type FlagValues,
  type SignerCommand,
} from './credential-flags.js';

/** Environment variables read here. */
export const ENV_PKCS8_PASSWORD = 'RAPKI_PKCS8_PASSWORD';
export const ENV_TPM_KEY_PASSWORD = 'RAPKI_TPM_KEY_PASSWORD';
export const ENV_CA_BUNDLE = 'AWS_CA_BUNDLE';
export const ENV_USE_FIPS = 'AWS_USE_FIPS_ENDPOINT';

export interface OptionsIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readFileText(path: string): string;
  warn(line: string): void;
}

/** Largest password file / CA bundle we read. */
const MAX_PASSWORD_FILE = 4096;
const MAX_CA_BUNDLE = 4 * 1024 * 1024;

function readBounded(io: OptionsIo, path: string, max: number, code: 'password_file_unreadable' | 'ca_bundle_unreadable', what: string): string {
  let text: string;
  try {
    text = io.readFileText(path);
  } catch (cause) {
    throw flagError(code, `cannot read ${what} '${path}': ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, cause);
  }
  if (text.length > max) throw flagError(code, `${what} '${path}' is larger than ${max} bytes`);
  return text;
}

/**
 * A password from (in order) `--<flag>`, `--<flag>-file`, the environment variable `envName`. The
 * command-line form shows in `ps`, so it is accepted for drop-in compatibility with a warning.
 */
function resolveSecret(values: FlagValues, io: OptionsIo, flag: string, envName: string): string | undefined {
  const inline = optionalString(values, flag);
  const file = optionalString(values, `${flag}-file`);
  if (inline !== undefined && file !== undefined) {
    throw flagError('flag_value_invalid', `give the password with only one of --${flag} and --${flag}-file`);
  }
  if (inline !== undefined) {
    io.warn(`rapki: warning: --${flag} is visible to other users in the process list; use --${flag}-file FILE or the ${envName} environment variable`);
    return inline;
  }
  if (file !== undefined) {
    const text = readBounded(io, file, MAX_PASSWORD_FILE, 'password_file_unreadable', 'password file');
    // First line, without its line ending: `echo secret > file` must work.
    return text.split(/\r?\n/, 1)[0] ?? '';
  }
  const env = io.env[envName];
  return env !== undefined && env !== '' ? env : undefined;
}

/** The PKCS#8/PKCS#12 password: `--pkcs8-password`, `--pkcs8-password-file`, RAPKI_PKCS8_PASSWORD. */
export function resolvePassword(values: FlagValues, io: OptionsIo): string | undefined {
  return resolveSecret(values, io, 'pkcs8-password', ENV_PKCS8_PASSWORD);
}

/**
 * The TPM key password: `--tpm-key-password`, `--tpm-key-password-file`, RAPKI_TPM_KEY_PASSWORD;
 * none with `--no-tpm-key-password` (giving both is refused, as the official helper refuses it).
 */
export function resolveTpmKeyPassword(values: FlagValues, io: OptionsIo): string | undefined {
  const password = resolveSecret(values, io, 'tpm-key-password', ENV_TPM_KEY_PASSWORD);
  if (values['no-tpm-key-password'] === true && (optionalString(values, 'tpm-key-password') ?? optionalString(values, 'tpm-key-password-file')) !== undefined) {
    throw flagError('flag_value_invalid', '--no-tpm-key-password cannot be combined with --tpm-key-password or --tpm-key-password-file');
  }
  return values['no-tpm-key-password'] === true ? undefined : password;
}

/** Warns when a `pkcs11:` URI carries its PIN (`pin-value=`, RFC 7512 §2.4): it shows in `ps`. */
export function warnPinValue(uris: ReadonlyArray<string | undefined>, io: Pick<OptionsIo, 'warn'>): void {
  if (uris.some((v) => v !== undefined && /^pkcs11:.*[?&]pin-value=/is.test(v))) {
    io.warn(
      'rapki: warning: pin-value= in a pkcs11: URI is visible to other users in the process list; use ?pin-source=FILE or the RAPKI_PKCS11_PIN environment variable',
    );
  }
}

/**
 * The key loader's findings as warning lines (`rapki: warning: private key F is readable by
 * group/others (mode 0644); chmod 600 F`), each at most once per process: `serve`, `update` and
 * `agent` reload the key on every refresh, and credential-process checks it when hashing and loading.
 */
function keyWarningsOnce(io: Pick<OptionsIo, 'warn'>): NonNullable<KeySourceOptions['onWarning']> {
  const seen = new Set<string>();
  return (w) => {
    const id = `${w.code}\0${w.path}\0${w.mode}`;
    if (seen.has(id)) return;
    seen.add(id);
    io.warn(`rapki: warning: ${w.message}`);
  };
}

/**
 * Whether the key is a TPM 2.0 key (`handle:…`, or a TSS2 key file as --private-key or inside the
 * --certificate file): only then do the TPM flags mean anything. An unreadable file is "no"; the
 * key loader reports it with its own error.
 */
function isTpmKeySource(certificate: string, privateKey: string | undefined, io: OptionsIo): boolean {
  if (isTpmHandle(privateKey)) return true;
  const file = privateKey ?? certificate;
  if (/^pkcs11:/i.test(file)) return false;
  try {
    return io.readFileText(file).includes(`-----BEGIN ${TSS2_PEM_LABEL}-----`);
  } catch {
    return false;
  }
}

/** Key source options of a signer command. */
export function resolveKeySource(values: FlagValues, command: SignerCommand, io: OptionsIo): KeySourceOptions {
  refuseUnsupported(values, command);
  const certificate = requireString(values, 'certificate');
  const privateKey = optionalString(values, 'private-key');
  warnPinValue([certificate, privateKey], io);
  const tpmKey = isTpmKeySource(certificate, privateKey, io);
  // Flags of the official helper accepted without effect here (TPM flags next to a file key, ...).
  if (values.debug === true) for (const note of ignoredFlagNotes(values, command, tpmKey)) io.warn(`rapki: debug: ${note}`);
  return {
    onWarning: keyWarningsOnce(io),
    certificate,
    privateKey,
    intermediates: command === 'sign-string' || command === 'read-certificate-data' ? undefined : optionalString(values, 'intermediates'),
    pkcs8Password: resolvePassword(values, io),
    pkcs11Lib: optionalString(values, 'pkcs11-lib'),
    reusePin: values['reuse-pin'] === true,
    // Ignored for file and PKCS#11 keys, as aws_signing_helper ignores them (no warning either).
    tpmKeyPassword: tpmKey ? resolveTpmKeyPassword(values, io) : undefined,
    noTpmKeyPassword: tpmKey && values['no-tpm-key-password'] === true,
  };
}

/** Everything `credential-process` needs, resolved. */
export interface CredentialProcessConfig {
  readonly keySource: KeySourceOptions;
  readonly session: SessionOptions;
  readonly debug: boolean;
}

function envTrue(v: string | undefined): boolean {
  return v !== undefined && /^(true|1|yes)$/i.test(v.trim());
}

/**
 * Resolves the flags of `credential-process`, `serve` and `update` (they share them). The endpoint
 * is `--endpoint`, else AWS_ENDPOINT_URL_ROLESANYWHERE / AWS_ENDPOINT_URL (the SDKs' variables);
 * a plain-http endpoint that is not loopback is used with a warning, as the official helper uses it.
 */
export function resolveCredentialProcess(values: FlagValues, io: OptionsIo, command: SignerCommand = 'credential-process'): CredentialProcessConfig {
  const keySource = resolveKeySource(values, command, io);
  const trustAnchorArn = requireString(values, 'trust-anchor-arn');
  const profileArn = requireString(values, 'profile-arn');
  const roleArn = requireString(values, 'role-arn');
  // Range 900..43200 is a preflight check of the signer (its own code); here only the form.
  const durationSeconds = optionalInteger(values, 'session-duration', 0, 1_000_000) ?? DEFAULT_DURATION_SECONDS;
  const timeoutSeconds = optionalInteger(values, 'timeout', 1, 300);
  const caPath = io.env[ENV_CA_BUNDLE];
  const caBundle = caPath !== undefined && caPath !== '' ? readBounded(io, caPath, MAX_CA_BUNDLE, 'ca_bundle_unreadable', `${ENV_CA_BUNDLE} file`) : undefined;
  const fromEnv = optionalString(values, 'endpoint') === undefined ? endpointFromEnv(io.env) : undefined;
  const endpoint = optionalString(values, 'endpoint') ?? fromEnv?.url;
  if (fromEnv && values.debug === true) io.warn(`rapki: debug: endpoint ${fromEnv.url} from ${fromEnv.variable}`);
  const insecure = plainHttpWarning(endpoint);
  if (insecure) io.warn(`rapki: warning: ${insecure}`);
  const session: SessionOptions = {
    trustAnchorArn,
    profileArn,
    roleArn,
    region: optionalString(values, 'region'),
    endpoint,
    useFipsEndpoint: values['use-fips-endpoint'] === true || envTrue(io.env[ENV_USE_FIPS]),
    durationSeconds,
    roleSessionName: optionalString(values, 'role-session-name'),
    verifyTls: values['no-verify-ssl'] !== true,
    // Proxy variables are always honoured (as the official helper's Go transport); --with-proxy is accepted for compatibility.
    caBundle,
    timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000,
  };
  return { keySource, session, debug: values.debug === true };
}
