import { readFile as fsReadFile } from 'node:fs';
import { MAX_KEY_FILE_BYTES } from '../constants.js';
import { SignerError } from '../errors.js';

/** File access injected into the key loader (tests, in-memory sources). */
export interface KeyFileIo {
  readFile(path: string): Promise<Uint8Array>;
}

/**
 * The real file system. The callback form of readFile: node:fs/promises would load another ~20
 * internal modules on the credential-process start-up path.
 */
export const nodeKeyFileIo: KeyFileIo = {
  readFile: (path) => new Promise((resolve, reject) => fsReadFile(path, (err, data) => (err ? reject(err) : resolve(data)))),
};

/**
 * Reads one input file, mapping failures to coded errors. The message names the flag and the path
 * (never the content); files above {@link MAX_KEY_FILE_BYTES} are refused.
 */
export async function readInputFile(io: KeyFileIo, path: string, flag: string): Promise<Buffer> {
  let bytes: Uint8Array;
  try {
    bytes = await io.readFile(path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable (permission denied)' : code === 'EISDIR' ? 'is a directory' : 'cannot be read';
    throw new SignerError('file_not_found', `${flag} ${path} ${why}; check the path and its permissions.`, { cause: err });
  }
  if (bytes.byteLength > MAX_KEY_FILE_BYTES) {
    throw new SignerError('file_too_large', `${flag} ${path} is larger than ${MAX_KEY_FILE_BYTES} bytes; it cannot be a certificate or key.`);
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
