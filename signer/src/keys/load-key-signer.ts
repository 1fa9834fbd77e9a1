import { isRapkiError } from '../../../common/src/errors.js';
import { SignerError } from '../errors.js';
import type { KeySigner, KeySourceOptions } from '../types.js';
import { derToPem, looksLikePem } from '../../../common/src/x509/pem.js';
import { assertCertificate, isBlankText, keySignerFromMaterial } from './key-material.js';
import { createFileKeySigner } from './file-key-signer.js';
import { keyFileModeWarning } from './key-file-mode.js';
import { readPkcs12 } from './pkcs12.js';
import { nodeKeyFileIo, readInputFile, type KeyFileIo } from './read-input.js';
import { holdsTss2Key, isTpmHandle } from './tpm/detect.js';

/**
 * Loads the certificate, key and chain named by the helper's flags and returns a KeySigner
 * (the official helper's file sources, `GetSigner` in aws_signing_helper/signer.go):
 * - `--certificate` PEM (+ `--private-key` PEM, or the key inside the same file);
 * - `--certificate` that is not PEM and no `--private-key`: a PKCS#12 file (password from
 *   `pkcs8Password`, empty password tried when none), `--intermediates` then refused as by the helper;
 * - `--certificate` DER with a `--private-key` PEM: a DER certificate.
 * An `--intermediates` file that is empty or whitespace-only holds zero certificates: no chain (as
 * `rapki enroll` writes chain.pem when the root issues host certificates); other text must be
 * CERTIFICATE blocks.
 * Files are read through `io` on every call, so callers that reload pick up rotated files.
 * A `pkcs11:` URI (RFC 7512) in either flag selects a token key instead (`./pkcs11/`, imported lazily);
 * `--private-key handle:0x81…` or a `TSS2 PRIVATE KEY` block in the key file selects a TPM 2.0 key
 * (`./tpm/`, imported lazily too: file keys never load it).
 */
export async function loadKeySigner(opts: KeySourceOptions, io: KeyFileIo = nodeKeyFileIo): Promise<KeySigner> {
  if (/^pkcs11:/i.test(opts.certificate) || /^pkcs11:/i.test(opts.privateKey ?? '')) {
    // Lazy: the PKCS#11 code (and later the native addon) loads only when a token is named.
    const { loadPkcs11KeySigner } = await import('./pkcs11/pkcs11-key-signer.js');
    return loadPkcs11KeySigner(opts, io);
  }
  if (isTpmHandle(opts.privateKey)) {
    const { loadTpmKeySigner } = await import('./tpm/tpm-key-signer.js');
    return loadTpmKeySigner(opts, undefined, io);
  }
  try {
    return await loadFileKeySigner(opts, io);
  } catch (err) {
    // By code, not instanceof: the TPM source may be a bundle of its own (scripts/build.mjs).
    if (!(isRapkiError(err) && err.code === 'key_certificate_mismatch' && opts.privateKey !== undefined)) throw err;
    // A renewal (`rapki agent`, `rapki renew`) replaces key and certificate with two renames; a read
    // between them sees the new key with the old certificate. Read both once more after the writer
    // has had time to finish; a real mismatch fails again.
    await new Promise((resolve) => setTimeout(resolve, MISMATCH_REREAD_DELAY_MS));
    return loadFileKeySigner(opts, io);
  }
}

/** Wait before reading key and certificate again after a mismatch (the writer's two renames take microseconds). */
export const MISMATCH_REREAD_DELAY_MS = 100;

async function loadFileKeySigner(opts: KeySourceOptions, io: KeyFileIo): Promise<KeySigner> {
  // The file holding the key (`--private-key`, else the combined PEM / PKCS#12 `--certificate`) is
  // checked for group/other read bits; the finding goes to `onWarning`, the load goes on (C25).
  const report = (path: string) =>
    opts.onWarning === undefined
      ? undefined
      : (mode: number) => {
          const w = keyFileModeWarning(path, mode);
          if (w) opts.onWarning?.(w);
        };
  const certBytes = await readInputFile(io, opts.certificate, '--certificate', opts.privateKey === undefined ? report(opts.certificate) : undefined);
  const keyBytes = opts.privateKey === undefined ? undefined : await readInputFile(io, opts.privateKey, '--private-key', report(opts.privateKey));
  const interBytes = opts.intermediates === undefined ? undefined : await readInputFile(io, opts.intermediates, '--intermediates');
  if (holdsTss2Key(keyBytes ?? certBytes)) {
    const { loadTpmKeySigner } = await import('./tpm/tpm-key-signer.js');
    return loadTpmKeySigner(opts, { certificate: certBytes, privateKey: keyBytes, intermediates: interBytes }, io);
  }

  if (!looksLikePem(certBytes)) {
    if (keyBytes === undefined) {
      if (interBytes !== undefined && !isBlankText(interBytes.toString('utf8'))) {
        throw new SignerError('pkcs12_with_intermediates', "--intermediates can't be used with a PKCS#12 file; put the chain inside the PKCS#12 file.");
      }
      const p12 = await readPkcs12(certBytes, opts.pkcs8Password, opts.certificate);
      return createFileKeySigner(p12.key, p12.certificate, p12.chain);
    }
    // A DER certificate next to a PEM key: re-wrap it so one code path handles both.
    assertCertificate(certBytes);
    const pem = derToPem(certBytes, 'CERTIFICATE');
    return keySignerFromMaterial({
      certificate: { text: pem, source: opts.certificate },
      privateKey: { text: keyBytes.toString('utf8'), source: opts.privateKey as string },
      intermediates: interBytes === undefined ? undefined : { text: interBytes.toString('utf8'), source: opts.intermediates as string },
      password: opts.pkcs8Password,
    });
  }
  return keySignerFromMaterial({
    certificate: { text: certBytes.toString('utf8'), source: opts.certificate },
    privateKey: keyBytes === undefined ? undefined : { text: keyBytes.toString('utf8'), source: opts.privateKey as string },
    intermediates: interBytes === undefined ? undefined : { text: interBytes.toString('utf8'), source: opts.intermediates as string },
    password: opts.pkcs8Password,
  });
}
