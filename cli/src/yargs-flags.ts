/**
 * Registers the shared signer flag table (credential-flags.ts) on a yargs command builder, and reads
 * the parsed values back in the table's own shape, so yargs and the fast path agree.
 */
import type { Argv } from 'yargs';
import { flagsOf, type FlagValues, type SignerCommand } from './credential-flags.js';

/** Adds every flag of `command` to `y`, with help text; `--no-*` flags keep their literal names. */
export function withSignerFlags<T>(y: Argv<T>, command: SignerCommand): Argv<T> {
  // `--no-verify-ssl` and `--no-tpm-key-password` are flags of their own in the official helper,
  // not negations of `--verify-ssl` / `--tpm-key-password`.
  let out = y.parserConfiguration({ 'boolean-negation': false }) as Argv<T>;
  const groups = { supported: [] as string[], ignored: [] as string[], refused: [] as string[] };
  for (const f of flagsOf(command)) {
    const describe = f.defaultText !== undefined ? `${f.describe} [default: ${f.defaultText}]` : f.describe;
    out = out.option(f.name, { type: f.type, describe, requiresArg: f.type === 'string' }) as Argv<T>;
    (f.support === 'supported' ? groups.supported : f.support === 'ignored' ? groups.ignored : groups.refused).push(f.name);
  }
  out = out.group(groups.supported, 'Options:');
  if (groups.ignored.length > 0) out = out.group(groups.ignored, 'Accepted for compatibility, ignored for file and PKCS#11 keys (a note with --debug):');
  if (groups.refused.length > 0) out = out.group(groups.refused, 'Accepted for compatibility, answered with an error:');
  return out.epilog(
    command === 'sign-string' || command === 'read-certificate-data'
      ? 'Environment: RAPKI_PKCS8_PASSWORD (key password), RAPKI_PKCS11_PIN, RAPKI_TPM_KEY_PASSWORD, TPM_DEVICE. Failures print `rapki: <code>: <message>` to stderr and exit 1.'
      : 'Environment: RAPKI_PKCS8_PASSWORD (key password), RAPKI_TPM_KEY_PASSWORD (TPM key password), TPM_DEVICE (TPM device or software TPM socket; default /dev/tpmrm0, /dev/tpm0), AWS_CA_BUNDLE (PEM roots trusted for the endpoint instead of the bundled ones, as the AWS CLI), ' +
          'NODE_EXTRA_CA_CERTS, HTTPS_PROXY / https_proxy and NO_PROXY / no_proxy (always honoured; loopback endpoints go direct), ' +
          'AWS_ENDPOINT_URL_ROLESANYWHERE / AWS_ENDPOINT_URL (when no --endpoint), AWS_USE_FIPS_ENDPOINT=true. ' +
          'Failures print `rapki: <code>: <message>` to stderr and exit 1.',
  );
}

/** The values of the table's flags from a yargs argv. */
export function signerFlagValues(argv: Record<string, unknown>, command: SignerCommand): FlagValues {
  const values: Record<string, string | boolean | undefined> = {};
  for (const f of flagsOf(command)) {
    const v = argv[f.name];
    if (typeof v === 'string' || typeof v === 'boolean') values[f.name] = v;
    else if (typeof v === 'number') values[f.name] = String(v);
    else if (Array.isArray(v)) values[f.name] = String(v[v.length - 1]);
  }
  return values;
}
