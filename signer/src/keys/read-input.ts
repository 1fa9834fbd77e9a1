import { close as fsClose, fstat as fsFstat, open as fsOpen, readFile as fsReadFile } from 'node:fs';
import { MAX_KEY_FILE_BYTES } from '../constants.js';
import { SignerError } from '../errors.js';

/** File access injected into the key loader (tests, in-memory sources). */
export interface KeyFileIo {
  readFile(path: string): Promise<Uint8Array>;
  /**
   * Reads a file and gives its permission bits from fstat of the same descriptor (no second path
   * lookup, so no race with a rename). Optional: sources without modes (tests, memory) omit it and
   * no mode check is made.
   */
  readFileWithMode?(path: string): Promise<{ bytes: Uint8Array; mode: number }>;
}

/**
 * The real file system. The callback form of readFile: node:fs/promises would load another ~20
 * internal modules on the credential-process start-up path.
 */
export const nodeKeyFileIo: KeyFileIo = {
  readFile: (path) => new Promise((resolve, reject) => fsReadFile(path, (err, data) => (err ? reject(err) : resolve(data)))),
  // open + fstat + read of the descriptor + close: one fstat more than readFile(path), nothing else.
  readFileWithMode: (path) =>
    new Promise((resolve, reject) =>
      fsOpen(path, 'r', (openErr, fd) => {
        if (openErr) return reject(openErr);
        const done = (err: Error | null, value?: { bytes: Uint8Array; mode: number }): void => fsClose(fd, () => (err ? reject(err) : resolve(value!)));
        fsFstat(fd, (statErr, st) => {
          if (statErr) return done(statErr);
          fsReadFile(fd, (readErr, bytes) => (readErr ? done(readErr) : done(null, { bytes, mode: st.mode })));
        });
      }),
    ),
};

/**
 * Reads one input file, mapping failures to coded errors. The message names the flag and the path
 * (never the content); files above {@link MAX_KEY_FILE_BYTES} are refused. With `onMode`, the
 * file's st_mode (fstat of the open descriptor) is passed to it (private-key files).
 */
export async function readInputFile(io: KeyFileIo, path: string, flag: string, onMode?: (mode: number) => void): Promise<Buffer> {
  let bytes: Uint8Array;
  try {
    if (onMode !== undefined && io.readFileWithMode !== undefined) {
      const r = await io.readFileWithMode(path);
      bytes = r.bytes;
      onMode(r.mode);
    } else {
      bytes = await io.readFile(path);
    }
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'is not readable (permission denied)'
          : code === 'EISDIR'
            ? 'is a directory'
            : 'cannot be read';
    throw new SignerError('file_not_found', `${flag} ${path} ${why}; check the path and its permissions.`, { cause: err });
  }
  if (bytes.byteLength > MAX_KEY_FILE_BYTES) {
    throw new SignerError('file_too_large', `${flag} ${path} is larger than ${MAX_KEY_FILE_BYTES} bytes; it cannot be a certificate or key.`);
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
