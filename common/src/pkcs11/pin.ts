/**
 * Where the user PIN comes from (RFC 7512 §2.4 query attributes, then the environment):
 * `pin-value` in the key URI, else `pin-source` (a file path or `file:` URI, first line), then the
 * same in the certificate URI, else `RAPKI_PKCS11_PIN`. rapki never prompts: it runs under
 * credential_process and daemons, where there is no terminal.
 */
import { fileURLToPath } from 'node:url';
import { ENV_PKCS11_PIN, MAX_PIN_FILE_BYTES } from './constants.js';
import { Pkcs11KeyError } from './errors.js';
import type { Pkcs11Uri } from './uri.js';

/** I/O the PIN lookup needs (injected by tests). */
export interface PinIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readFile(path: string): Promise<Uint8Array>;
}

/** Path of a pin-source value: `file:` URIs are converted, other schemes refused. */
export function pinSourcePath(source: string): string {
  if (/^file:/i.test(source)) {
    try {
      // RFC 8089 allows `file:/etc/x` and `file:///etc/x`; both are absolute paths.
      return fileURLToPath(new URL(source));
    } catch (err) {
      throw new Pkcs11KeyError('invalid_pkcs11_uri', `pin-source ${source.slice(0, 200)} is not a valid file: URI.`, { cause: err });
    }
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(source) && !/^[A-Za-z]:[\\/]/.test(source)) {
    throw new Pkcs11KeyError('invalid_pkcs11_uri', `pin-source ${source.slice(0, 200)}: only file paths and file: URIs are supported.`);
  }
  return source;
}

async function readPinFile(io: PinIo, source: string): Promise<string> {
  const path = pinSourcePath(source);
  let bytes: Uint8Array;
  try {
    bytes = await io.readFile(path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new Pkcs11KeyError('pkcs11_pin_source_unreadable', `pin-source ${path} cannot be read (${typeof code === 'string' ? code : 'error'}).`, {
      cause: err,
    });
  }
  if (bytes.byteLength > MAX_PIN_FILE_BYTES) {
    throw new Pkcs11KeyError('pkcs11_pin_source_unreadable', `pin-source ${path} is larger than ${MAX_PIN_FILE_BYTES} bytes.`);
  }
  // First line without its ending, so that `echo 1234 > pinfile` works.
  return Buffer.from(bytes).toString('utf8').split(/\r?\n/, 1)[0] ?? '';
}

/** The user PIN, or undefined when none was given anywhere. */
export async function resolvePin(uris: readonly (Pkcs11Uri | undefined)[], io: PinIo): Promise<string | undefined> {
  for (const u of uris) {
    if (u === undefined) continue;
    if (u.pinValue !== undefined) return u.pinValue;
    if (u.pinSource !== undefined) return readPinFile(io, u.pinSource);
  }
  const env = io.env[ENV_PKCS11_PIN];
  return env !== undefined && env !== '' ? env : undefined;
}
