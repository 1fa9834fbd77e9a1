/**
 * The one registry of rapki's error codes: code → default message, HTTP status (none for codes
 * that never reach the wire), CLI exit status, hint, and older spellings (aliases).
 *
 * Why: the HTTP mapper (ca-server/src/http/error-mapper.ts), the CLI reporter (cli/src/report.ts),
 * `docs/errors.md` and the registry test all read this one table, so a code cannot be answered
 * with one status here and another there, or be missing from the docs. Adding a code is one line
 * in the area's file under `codes/`; {@link RapkiErrorCode} then admits it, and a code that is in
 * no file does not compile (`new RapkiError('typo', …)`).
 *
 * Names are `<noun>_<problem>` (`serial_invalid`, `token_expired`). Codes older than that rule
 * keep their spelling when they were already on the wire and renaming would only break the
 * scripts and clients that compare them (docs/errors.md "Names"); where two spellings named the
 * same failure, the `<noun>_<problem>` one won and the other is an alias.
 *
 * Not on the credential-process start-up path: the signer's own files import only their area's
 * table, and the CLI reporter loads this module on failure only.
 */
import { RapkiError } from '../errors.js';
import type { ErrorSpec, ErrorTable } from './spec.js';
import { AWS_CODES } from './codes/aws.js';
import { BACKUP_CODES } from './codes/backup.js';
import { CA_CODES } from './codes/ca.js';
import { CA_CLIENT_CODES } from './codes/ca-client.js';
import { CA_KEY_CODES } from './codes/ca-keys.js';
import { CACHE_CODES } from './codes/cache.js';
import { CLI_CODES } from './codes/cli.js';
import { CREDENTIAL_SERVER_CODES } from './codes/credential-server.js';
import { CREDENTIALS_FILE_CODES } from './codes/credentials-file.js';
import { EMULATOR_CODES } from './codes/emulator.js';
import { PKCS11_CODES } from './codes/pkcs11.js';
import { ROTATION_CODES } from './codes/rotation.js';
import { SESSION_CODES } from './codes/session.js';
import { SHARED_CODES } from './codes/shared.js';
import { SIGNER_CODES } from './codes/signer.js';
import { STORE_CODES } from './codes/store.js';
import { TPM_CODES } from './codes/tpm.js';
import { X509_CODES } from './codes/x509.js';

export type { ErrorSpec } from './spec.js';

/** Every area, in the order docs/errors.md lists them. */
export const ERROR_AREAS = [
  { area: 'shared', title: 'Shared by several components', codes: SHARED_CODES },
  { area: 'ca', title: 'CA server: HTTP API and `rapki ca init|serve`', codes: CA_CODES },
  { area: 'store', title: 'CA store', codes: STORE_CODES },
  { area: 'rotation', title: 'CA rotation', codes: ROTATION_CODES },
  { area: 'backup', title: 'CA backup and restore', codes: BACKUP_CODES },
  { area: 'ca-keys', title: 'CA keys', codes: CA_KEY_CODES },
  { area: 'x509', title: 'CA X.509 layer (mapped to HTTP codes, never answered as such)', codes: X509_CODES },
  { area: 'aws', title: 'Roles Anywhere control plane and CRL sync', codes: AWS_CODES },
  { area: 'ca-client', title: 'CLI: CA client', codes: CA_CLIENT_CODES },
  { area: 'cli', title: 'CLI: flags, commands, listening', codes: CLI_CODES },
  { area: 'signer', title: 'Signer: keys, certificates, preflight', codes: SIGNER_CODES },
  { area: 'session', title: 'Signer: CreateSession', codes: SESSION_CODES },
  { area: 'pkcs11', title: 'Signer and CA: PKCS#11 keys', codes: PKCS11_CODES },
  { area: 'tpm', title: 'Signer: TPM 2.0 keys', codes: TPM_CODES },
  { area: 'credential-server', title: 'Signer: local credential endpoint (`rapki serve`)', codes: CREDENTIAL_SERVER_CODES },
  { area: 'cache', title: 'Signer: credential cache (warnings)', codes: CACHE_CODES },
  { area: 'credentials-file', title: 'Signer: shared credentials file (`rapki update`)', codes: CREDENTIALS_FILE_CODES },
  { area: 'emulator', title: '`rapki emulator` start-up', codes: EMULATOR_CODES },
] as const;

/** The areas' tables as a tuple type (a homomorphic mapped type keeps the tuple). */
type CodesOf<T> = { -readonly [K in keyof T]: T[K] extends { readonly codes: infer C } ? C : never };
type Tables = CodesOf<typeof ERROR_AREAS>;

/** `true` when no code is in two tables, else a type naming the duplicates (a compile error below). */
type Disjoint<T extends readonly unknown[], Seen extends PropertyKey = never> = T extends readonly [infer H, ...infer R]
  ? [keyof H & Seen] extends [never]
    ? Disjoint<R, Seen | keyof H>
    : { duplicateCodes: keyof H & Seen }
  : true;
const disjoint: Disjoint<Tables> = true;
void disjoint;

type Merge<T extends readonly unknown[]> = T extends readonly [infer H, ...infer R] ? H & Merge<R> : unknown;

/** Every code rapki raises. */
export type RapkiErrorCode = keyof Merge<Tables> & string;

/** code → spec, every area merged. */
export const ERRORS: Readonly<Record<RapkiErrorCode, ErrorSpec>> = Object.freeze(
  Object.assign({}, ...ERROR_AREAS.map((a) => a.codes as ErrorTable)) as Record<RapkiErrorCode, ErrorSpec>,
);

const ALIASES: ReadonlyMap<string, RapkiErrorCode> = new Map(
  (Object.entries(ERRORS) as [RapkiErrorCode, ErrorSpec][]).flatMap(([code, spec]) => (spec.aliases ?? []).map((a) => [a, code] as const)),
);

/** The registry's code for `code` (itself, or the code an older spelling stands for); undefined if unknown. */
export function canonicalCode(code: string): RapkiErrorCode | undefined {
  if (Object.hasOwn(ERRORS, code)) return code as RapkiErrorCode;
  return ALIASES.get(code);
}

/** The spec of a code or of an older spelling of it. */
export function errorSpec(code: string): ErrorSpec | undefined {
  const c = canonicalCode(code);
  return c === undefined ? undefined : ERRORS[c];
}

/** HTTP status of a code; codes that are never answered on the wire (and unknown ones) are 500. */
export function httpStatusOf(code: string): number {
  return errorSpec(code)?.http ?? 500;
}

/** True when `err` carries `code`, under its current spelling or an older one (a newer server, an older one). */
export function codeMatches(err: unknown, code: RapkiErrorCode): boolean {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'string' && canonicalCode(c) === code;
}

/** A coded error with the registry's message unless a more precise safe one is given. */
export function rapkiError(code: RapkiErrorCode, message?: string, options?: { cause?: unknown; details?: Record<string, unknown> }): RapkiError {
  return new RapkiError(code, message ?? ERRORS[code].message, options);
}

/**
 * An error received from another process (the CA's `{code, message}` body, a worker thread): its
 * code in the current spelling when the registry knows it; an unknown code (a newer server's) is
 * kept as it came, so the user still sees what the other side said.
 */
export function errorFromWire(code: string, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }): RapkiError {
  return new RapkiError((canonicalCode(code) ?? code) as RapkiErrorCode, message, options);
}
