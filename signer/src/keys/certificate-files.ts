/**
 * The certificate and intermediates files of a key source whose private key is not a file in
 * memory (a PKCS#11 token, a TPM): the leaf (PEM or DER; further certificates in a PEM file are its
 * chain, as in a "fullchain" file) and the `--intermediates` bundle (CERTIFICATE blocks only; an
 * empty or whitespace-only file means no chain, as `rapki enroll` writes chain.pem when the root
 * issues host certificates). Other blocks in the certificate file (a key next to the certificate)
 * are left to the caller.
 */
import { SignerError } from '../errors.js';
import { looksLikePem } from '../../../common/src/x509/pem.js';
import { assertCertificate, isBlankText, pemBlocksOf } from './key-material.js';
import { readInputFile, type KeyFileIo } from './read-input.js';

/** Leaf and chain of certificate bytes already read (`source` names the file in messages). */
export function certificateFromBytes(bytes: Buffer, source: string): { leaf: Buffer; chain: Buffer[] } {
  if (!looksLikePem(bytes)) {
    assertCertificate(bytes);
    return { leaf: bytes, chain: [] };
  }
  const certs = pemBlocksOf(bytes.toString('utf8'), source)
    .filter((b) => b.label === 'CERTIFICATE')
    .map((b) => b.der);
  if (certs.length === 0) throw new SignerError('missing_certificate', `${source} holds no CERTIFICATE block.`);
  for (const c of certs) assertCertificate(c);
  return { leaf: certs[0] as Buffer, chain: certs.slice(1) };
}

/** Reads `--certificate` (PEM or DER). */
export async function readFileCertificate(io: KeyFileIo, path: string): Promise<{ leaf: Buffer; chain: Buffer[] }> {
  return certificateFromBytes(await readInputFile(io, path, '--certificate'), path);
}

/** Certificates of intermediates bytes already read. */
export function intermediatesFromBytes(bytes: Buffer, source: string): Buffer[] {
  const out: Buffer[] = [];
  if (isBlankText(bytes.toString('utf8'))) return out; // zero certificates: no chain
  for (const b of pemBlocksOf(bytes.toString('utf8'), source)) {
    if (b.label !== 'CERTIFICATE') {
      throw new SignerError('unexpected_pem_block', `${source} must hold only CERTIFICATE blocks, found "${b.label}".`);
    }
    assertCertificate(b.der);
    out.push(b.der);
  }
  return out;
}

/** Reads `--intermediates`. */
export async function readIntermediates(io: KeyFileIo, path: string): Promise<Buffer[]> {
  return intermediatesFromBytes(await readInputFile(io, path, '--intermediates'), path);
}
