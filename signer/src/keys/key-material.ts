import { X509Certificate } from 'node:crypto';
import { isPemDefect, scanPem, type PemBlock } from '../../../common/src/x509/pem.js';
import { SignerError } from '../errors.js';
import type { KeySigner } from '../types.js';
import { createFileKeySigner } from './file-key-signer.js';
import { isPrivateKeyBlock, privateKeyFromBlocks } from './private-key-from-blocks.js';

/** PEM texts of one identity, with a label per text for messages (a path or "certificatePem"). */
export interface PemMaterial {
  readonly certificate: { readonly text: string; readonly source: string };
  readonly privateKey?: { readonly text: string; readonly source: string } | undefined;
  readonly intermediates?: { readonly text: string; readonly source: string } | undefined;
  readonly password?: string | undefined;
}

/** Every PEM block of a text; a block with a broken body or no block at all is `pem_invalid`. */
export function pemBlocksOf(text: string, source: string): PemBlock[] {
  const blocks = scanPem(text);
  if (blocks.length === 0) throw new SignerError('pem_invalid', `${source} holds no PEM block (-----BEGIN …-----).`);
  const out: PemBlock[] = [];
  for (const b of blocks) {
    if (isPemDefect(b)) throw new SignerError('pem_invalid', `${source} holds a PEM block that cannot be read: ${b.defect}.`);
    out.push(b);
  }
  return out;
}

/**
 * Builds a KeySigner from PEM texts. Leaf = the first CERTIFICATE of the certificate text; further
 * certificates there are taken as chain (a "fullchain" file), followed by the intermediates text,
 * in which every block must be a CERTIFICATE (the helper refuses others: `invalid certificate
 * chain`). The key comes from the private-key text, or from the certificate text when no key text is
 * given ("combo" PEM, which the helper reads too).
 */
export function keySignerFromMaterial(m: PemMaterial): KeySigner {
  const certBlocks = pemBlocksOf(m.certificate.text, m.certificate.source);
  const certs = certBlocks.filter((b) => b.label === 'CERTIFICATE').map((b) => b.der);
  if (certs.length === 0) throw new SignerError('missing_certificate', `${m.certificate.source} holds no CERTIFICATE block.`);
  for (const b of certBlocks) {
    if (b.label !== 'CERTIFICATE' && !isPrivateKeyBlock(b) && b.label !== 'EC PARAMETERS') {
      throw new SignerError('unexpected_pem_block', `${m.certificate.source} holds an unexpected "${b.label}" block.`);
    }
  }
  const keyBlocks = m.privateKey ? pemBlocksOf(m.privateKey.text, m.privateKey.source) : certBlocks;
  const keySource = m.privateKey ? m.privateKey.source : m.certificate.source;
  const key = privateKeyFromBlocks(keyBlocks, m.password, keySource);
  if (key === undefined) {
    throw new SignerError(
      'missing_private_key',
      m.privateKey
        ? `${keySource} holds no private key block.`
        : `No private key: pass --private-key FILE, or put the key in ${keySource} together with the certificate.`,
    );
  }
  const chain: Uint8Array[] = certs.slice(1);
  // An empty or whitespace-only intermediates file means "no chain" (enroll writes chain.pem that
  // way when the root issues host certificates); any other text must be CERTIFICATE blocks.
  if (m.intermediates && !isBlankText(m.intermediates.text)) {
    const blocks = pemBlocksOf(m.intermediates.text, m.intermediates.source);
    for (const b of blocks) {
      if (b.label !== 'CERTIFICATE') {
        throw new SignerError('unexpected_pem_block', `${m.intermediates.source} must hold only CERTIFICATE blocks, found "${b.label}".`);
      }
      chain.push(b.der);
    }
  }
  for (const der of [certs[0] as Uint8Array, ...chain]) assertCertificate(der);
  return createFileKeySigner(key, certs[0] as Uint8Array, chain);
}

/** True for an empty or whitespace-only text: an intermediates file holding zero certificates. */
export function isBlankText(text: string): boolean {
  return text.trim() === '';
}

/** Fails with `certificate_unparsable` unless OpenSSL reads the DER as a certificate. */
export function assertCertificate(der: Uint8Array): void {
  try {
    new X509Certificate(der);
  } catch (err) {
    throw new SignerError('certificate_unparsable', 'A CERTIFICATE block is not a valid X.509 certificate.', { cause: err });
  }
}
