/**
 * A KeySigner whose private key is in a TPM 2.0 (the official helper's two TPM sources): a persistent key
 * (`--private-key handle:0x81000001`) or a TSS2 key file (`-----BEGIN TSS2 PRIVATE KEY-----`, in
 * `--private-key` or next to the certificate in `--certificate`).
 *
 * Loading reads the files and, for a handle, the key's public area from the TPM; it refuses a key
 * that does not belong to the certificate (`key_certificate_mismatch`, compared on the public key)
 * or cannot sign. Each signature then opens the TPM, loads the key (a file key), signs, flushes what
 * it loaded and closes, as aws_signing_helper does: nothing stays loaded between calls, so a TPM
 * without a resource manager is never filled up, and the TPM round trips are the only extra cost
 * over a file key. Signatures of one signer are serialized (/dev/tpm0 admits one user).
 */
import { verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { SignerError } from '../../errors.js';
import type { KeySigner, KeySourceOptions, SignDigest } from '../../types.js';
import { algorithmForKey } from '../key-policy.js';
import { pemBlocksOf } from '../key-material.js';
import { certificateFromBytes, intermediatesFromBytes } from '../certificate-files.js';
import { nodeKeyFileIo, readInputFile, type KeyFileIo } from '../read-input.js';
import { keyFileModeWarning } from '../key-file-mode.js';
import { HANDLE_PREFIX, PERSISTENT_OWNER_FIRST, TPM_HASHES, TSS2_PEM_LABEL } from './constants.js';
import { TpmKeyError } from './errors.js';
import { isPersistentHandle, parseTss2KeyFile, type Tss2KeyFile } from './key-file.js';
import { hex, readPersistent } from './key-handle.js';
import { signWithKeyFile, signWithPersistentKey, type TpmDeps } from './host-key.js';
import { keyAuthValue } from './key-password.js';
import { publicKeyOf, type TpmPublic } from './public-area.js';
import { checkSigningKey } from './signing.js';
import { withTpm } from './tpm-client.js';
import { isTpmHandle } from './detect.js';

export type { TpmDeps };

/** Files already read by `loadKeySigner` (so they are read once). */
export interface TpmKeyFiles {
  readonly certificate: Buffer;
  /** The `--private-key` file, or undefined when the key sits in the certificate file. */
  readonly privateKey?: Buffer | undefined;
  readonly intermediates?: Buffer | undefined;
}

/** Parses `handle:0x81000001` (hex, `0x` optional, as the official helper). */
export function parseTpmHandle(value: string): number {
  const m = /^handle:(?:0x)?([0-9a-f]{1,8})$/i.exec(value.trim());
  const h = m ? parseInt(m[1]!, 16) : NaN;
  if (!m || !isPersistentHandle(h)) {
    throw new TpmKeyError(
      'tpm_handle_invalid',
      `--private-key ${value.slice(0, 40)}: a TPM key handle is written ${HANDLE_PREFIX}0x81XXXXXX (a persistent handle, ${hex(PERSISTENT_OWNER_FIRST)}..0x81ffffff).`,
    );
  }
  return h;
}

/** The TSS2 key block of a file's text. */
export function tss2KeyOf(text: string, source: string): Tss2KeyFile {
  const blocks = pemBlocksOf(text, source).filter((b) => b.label === TSS2_PEM_LABEL);
  if (blocks.length !== 1) {
    throw new TpmKeyError('tpm_key_file_invalid', `${source} holds ${blocks.length} ${TSS2_PEM_LABEL} blocks; expected exactly one.`);
  }
  return parseTss2KeyFile(blocks[0]!.der, source);
}

/** One key, file or persistent, as the signer needs it. */
interface KeyRef {
  readonly describe: string;
  readonly publicArea: TpmPublic;
  /** From the key file; undefined for a handle (the caller says). */
  readonly emptyAuth: boolean | undefined;
  readonly file?: Tss2KeyFile | undefined;
  readonly handle?: number | undefined;
}

/**
 * The signer for `opts` whose key is a TPM key. `files` holds the bytes `loadKeySigner` already
 * read for a key file; for a handle, the certificate and intermediates are read here.
 */
export async function loadTpmKeySigner(opts: KeySourceOptions, files?: TpmKeyFiles, io: KeyFileIo = nodeKeyFileIo, deps: TpmDeps = {}): Promise<KeySigner> {
  const certBytes = files?.certificate ?? (await readInputFile(io, opts.certificate, '--certificate'));
  const interBytes = files?.intermediates ?? (opts.intermediates === undefined ? undefined : await readInputFile(io, opts.intermediates, '--intermediates'));
  const cert = certificateFromBytes(certBytes, opts.certificate);
  const chain = [...cert.chain, ...(interBytes === undefined ? [] : intermediatesFromBytes(interBytes, opts.intermediates as string))];
  const x509 = new X509Certificate(cert.leaf);

  let key: KeyRef;
  if (isTpmHandle(opts.privateKey)) {
    const handle = parseTpmHandle(opts.privateKey as string);
    const publicArea = await withTpm(deps, (tpm) => readPersistent(tpm, handle));
    key = { describe: `the TPM key at ${hex(handle)}`, publicArea, emptyAuth: undefined, handle };
  } else {
    const source = opts.privateKey ?? opts.certificate;
    let keyBytes = opts.privateKey === undefined ? certBytes : files?.privateKey;
    if (keyBytes === undefined) {
      keyBytes = await readInputFile(io, source, '--private-key', (mode) => {
        const w = opts.onWarning === undefined ? undefined : keyFileModeWarning(source, mode);
        if (w) opts.onWarning?.(w);
      });
    }
    const file = tss2KeyOf(keyBytes.toString('utf8'), source);
    key = { describe: `the TPM key file ${source}`, publicArea: file.publicArea, emptyAuth: file.emptyAuth, file };
  }

  // The key must be the certificate's: same public key (the TPM binds the public area to the key).
  const keyPublic = publicKeyOf(key.publicArea);
  const certSpki = x509.publicKey.export({ type: 'spki', format: 'der' });
  if (!keyPublic.export({ type: 'spki', format: 'der' }).equals(certSpki)) {
    throw new SignerError(
      'key_certificate_mismatch',
      `${key.describe} does not belong to the certificate ${opts.certificate} (serial ${x509.serialNumber}): their public keys differ.`,
    );
  }
  const algorithm = algorithmForKey(x509.publicKey);
  checkSigningKey(key.publicArea, key.describe);
  let password: Buffer | undefined = keyAuthValue(opts, {
    emptyAuth: key.emptyAuth,
    describe: key.describe,
    maxBytes: TPM_HASHES[key.publicArea.nameAlg]?.size ?? 64,
  });

  let queue: Promise<unknown> = Promise.resolve();
  const signWith = (data: Uint8Array, digest: SignDigest): Promise<Uint8Array> => {
    const run = queue.then(async () => {
      if (password === undefined) throw new TypeError('the TPM key signer is closed');
      const sig =
        key.file !== undefined
          ? await signWithKeyFile(key.file, password, data, digest, key.describe, deps)
          : await signWithPersistentKey(key.handle as number, key.publicArea, password, data, digest, key.describe, deps);
      // A TPM (or a socket posing as one) that signs with another key must not go unnoticed.
      if (!cryptoVerify(digest, data, { key: x509.publicKey, dsaEncoding: 'der' }, sig)) {
        throw new SignerError('key_certificate_mismatch', `The signature of ${key.describe} does not verify with the certificate's public key.`);
      }
      return new Uint8Array(sig);
    });
    queue = run.catch(() => undefined);
    return run;
  };

  return {
    certificate: cert.leaf,
    chain,
    algorithm,
    sign: (data) => signWith(data, 'sha256'),
    signWithDigest: (data, digest) => signWith(data, digest),
    close: async () => {
      await queue;
      password?.fill(0);
      password = undefined;
    },
  };
}
