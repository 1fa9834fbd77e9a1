/**
 * How command bytes reach the TPM, as aws_signing_helper (go-tpm) reaches it: the path in
 * `TPM_DEVICE`, else /dev/tpmrm0 (the kernel resource manager), else /dev/tpm0. A path that is a
 * Unix socket is a software TPM (swtpm `--server type=unixio`); anything else is opened as the
 * kernel's character device, where one write is one command and one read is its response.
 */
import { close as fsClose, constants as fsConstants, open as fsOpen, read as fsRead, stat as fsStat, write as fsWrite, type Stats } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { COMMAND_TIMEOUT_MS, DEFAULT_TPM_DEVICES, ENV_TPM_DEVICE, HEADER_SIZE, MAX_RESPONSE_BYTES } from './constants.js';
import { TpmKeyError } from './errors.js';

// The callback forms of node:fs: node:fs/promises would load ~20 more internal modules on the
// credential-process path of TPM keys.
const stat = (path: string): Promise<Stats> => new Promise((resolve, reject) => fsStat(path, (err, st) => (err ? reject(err) : resolve(st))));
const openRw = (path: string): Promise<number> =>
  new Promise((resolve, reject) => fsOpen(path, fsConstants.O_RDWR, (err, fd) => (err ? reject(err) : resolve(fd))));
const writeAll = (fd: number, b: Uint8Array): Promise<void> =>
  new Promise((resolve, reject) =>
    fsWrite(fd, b, 0, b.length, null, (err, n) => (err ? reject(err) : n !== b.length ? reject(new Error(`short write of ${n} bytes`)) : resolve())),
  );
const readOnce = (fd: number, b: Buffer): Promise<number> =>
  new Promise((resolve, reject) => fsRead(fd, b, 0, b.length, null, (err, n) => (err ? reject(err) : resolve(n))));
const closeFd = (fd: number): Promise<void> => new Promise((resolve) => fsClose(fd, () => resolve()));

/** A connection to one TPM: one command at a time (callers serialize). */
export interface TpmTransport {
  /** Where it leads (a path), for messages. */
  readonly path: string;
  /** Sends one command and resolves with its whole response. */
  transmit(command: Uint8Array): Promise<Buffer>;
  close(): Promise<void>;
}

/** What locating and opening the TPM may touch (tests inject another environment). */
export interface TpmDeviceDeps {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs?: number;
}

/** The TPM path to use: `TPM_DEVICE` if set, else the first default device that exists. */
export async function locateTpm(deps: TpmDeviceDeps = {}): Promise<string> {
  const env = deps.env ?? process.env;
  const configured = env[ENV_TPM_DEVICE];
  if (configured !== undefined && configured !== '') return configured;
  for (const p of DEFAULT_TPM_DEVICES) {
    try {
      await stat(p);
      return p;
    } catch {
      /* try the next one */
    }
  }
  throw new TpmKeyError(
    'tpm_not_found',
    `No TPM found: ${ENV_TPM_DEVICE} is not set and neither ${DEFAULT_TPM_DEVICES.join(' nor ')} exists. On a host without a TPM use a key file; for a software TPM set ${ENV_TPM_DEVICE} to the path of its Unix socket.`,
  );
}

function openError(path: string, err: NodeJS.ErrnoException): TpmKeyError {
  switch (err.code) {
    case 'ENOENT':
      return new TpmKeyError('tpm_not_found', `No TPM at ${path} (it does not exist); check ${ENV_TPM_DEVICE} or that the TPM is enabled in the firmware.`, {
        cause: err,
      });
    case 'EACCES':
    case 'EPERM':
      return new TpmKeyError(
        'tpm_unavailable',
        `Permission denied opening the TPM at ${path}; add the user to the group that owns it (usually "tss") or run as that user.`,
        { cause: err },
      );
    case 'EBUSY':
      return new TpmKeyError(
        'tpm_unavailable',
        `The TPM at ${path} is in use by another process; use the resource manager /dev/tpmrm0, which lets several processes share it.`,
        { cause: err },
      );
    case 'ECONNREFUSED':
      return new TpmKeyError('tpm_unavailable', `Nothing accepts connections on the TPM socket ${path}; is the software TPM (swtpm) running?`, { cause: err });
    default:
      return new TpmKeyError('tpm_unavailable', `Cannot open the TPM at ${path} (${err.code ?? err.message}).`, { cause: err });
  }
}

/** Total size announced by a response header, once 6 bytes are there. */
function announcedSize(buf: Buffer): number | undefined {
  return buf.length >= 6 ? buf.readUInt32BE(2) : undefined;
}

function checkAnnounced(path: string, size: number): void {
  if (size < HEADER_SIZE || size > MAX_RESPONSE_BYTES) {
    throw new TpmKeyError('tpm_response_invalid', `The TPM at ${path} announced a response of ${size} bytes.`);
  }
}

/** Opens the TPM at `path` (socket or character device). */
export async function openTpmTransport(path: string, deps: TpmDeviceDeps = {}): Promise<TpmTransport> {
  let isSocket: boolean;
  try {
    isSocket = (await stat(path)).isSocket();
  } catch (err) {
    throw openError(path, err as NodeJS.ErrnoException);
  }
  const timeoutMs = deps.timeoutMs ?? COMMAND_TIMEOUT_MS;
  return isSocket ? openSocket(path, timeoutMs) : openDevice(path, timeoutMs);
}

function timeoutError(path: string, timeoutMs: number): TpmKeyError {
  return new TpmKeyError('tpm_timeout', `The TPM at ${path} did not answer within ${Math.round(timeoutMs / 1000)} s.`);
}

async function openDevice(path: string, timeoutMs: number): Promise<TpmTransport> {
  let fd: number;
  try {
    fd = await openRw(path);
  } catch (err) {
    throw openError(path, err as NodeJS.ErrnoException);
  }
  return {
    path,
    async transmit(command) {
      const work = (async () => {
        await writeAll(fd, command);
        // The driver returns the whole response to one read (Linux tpm-dev-common.c).
        const buf = Buffer.alloc(MAX_RESPONSE_BYTES);
        const bytesRead = await readOnce(fd, buf);
        const res = buf.subarray(0, bytesRead);
        const size = announcedSize(res);
        if (size === undefined) throw new TpmKeyError('tpm_response_invalid', `The TPM at ${path} answered ${bytesRead} bytes, not a response.`);
        checkAnnounced(path, size);
        if (size !== bytesRead) throw new TpmKeyError('tpm_response_invalid', `The TPM at ${path} announced ${size} bytes and sent ${bytesRead}.`);
        return Buffer.from(res);
      })();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timeoutError(path, timeoutMs)), timeoutMs);
      });
      try {
        return await Promise.race([work, timeout]);
      } catch (err) {
        if (err instanceof TpmKeyError) throw err;
        throw new TpmKeyError('tpm_unavailable', `I/O with the TPM at ${path} failed (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`, {
          cause: err,
        });
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => closeFd(fd),
  };
}

async function openSocket(path: string, timeoutMs: number): Promise<TpmTransport> {
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = connect({ path });
    s.once('connect', () => resolve(s));
    s.once('error', (err) => reject(openError(path, err as NodeJS.ErrnoException)));
  });
  socket.setNoDelay?.(true);
  let pending: { resolve(b: Buffer): void; reject(e: Error): void; chunks: Buffer[]; length: number } | undefined;
  let failure: Error | undefined;
  const fail = (err: Error): void => {
    failure ??= err;
    const p = pending;
    pending = undefined;
    p?.reject(err);
  };
  socket.on('data', (chunk: Buffer) => {
    const p = pending;
    if (p === undefined) {
      fail(new TpmKeyError('tpm_response_invalid', `The TPM at ${path} sent bytes nobody asked for.`));
      socket.destroy();
      return;
    }
    p.chunks.push(chunk);
    p.length += chunk.length;
    const head = Buffer.concat(p.chunks);
    p.chunks = [head];
    const size = announcedSize(head);
    if (size === undefined) return;
    try {
      checkAnnounced(path, size);
    } catch (err) {
      fail(err as Error);
      socket.destroy();
      return;
    }
    if (head.length < size) return;
    if (head.length > size) {
      fail(new TpmKeyError('tpm_response_invalid', `The TPM at ${path} sent ${head.length - size} bytes after its response.`));
      socket.destroy();
      return;
    }
    pending = undefined;
    p.resolve(head);
  });
  socket.on('error', (err) =>
    fail(
      new TpmKeyError('tpm_unavailable', `The connection to the TPM at ${path} failed (${(err as NodeJS.ErrnoException).code ?? err.message}).`, {
        cause: err,
      }),
    ),
  );
  socket.on('close', () => fail(new TpmKeyError('tpm_unavailable', `The TPM at ${path} closed the connection.`)));
  return {
    path,
    transmit(command) {
      if (failure !== undefined) return Promise.reject(failure);
      if (pending !== undefined) return Promise.reject(new Error('TpmTransport: one command at a time'));
      return new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => {
          fail(timeoutError(path, timeoutMs));
          socket.destroy();
        }, timeoutMs);
        pending = {
          resolve: (b) => {
            clearTimeout(timer);
            resolve(b);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
          chunks: [],
          length: 0,
        };
        socket.write(command);
      });
    },
    // Every response was read whole, so nothing is in flight: close at once rather than wait for
    // the peer to answer a half-close (swtpm takes tens of ms to notice one).
    close: async () => {
      failure ??= new TpmKeyError('tpm_unavailable', `The connection to the TPM at ${path} is closed.`);
      socket.destroy();
    },
  };
}
