import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { SignerError } from '../errors.js';
import { parseCertificate } from '../x509/parse-certificate.js';

/** Key, leaf and chain found in a PKCS#12 container. */
export interface Pkcs12Contents {
  readonly key: KeyObject;
  readonly certificate: Uint8Array;
  readonly chain: Uint8Array[];
}

const OID_KEY_BAG = '1.2.840.113549.1.12.10.1.1';
const OID_SHROUDED_KEY_BAG = '1.2.840.113549.1.12.10.1.2';
const OID_CERT_BAG = '1.2.840.113549.1.12.10.1.3';

/**
 * Reads a PKCS#12 file (RFC 7292). node-forge is imported lazily, on this path only, so it never
 * costs start-up time for PEM users. It handles OpenSSL 3's default (PBES2 AES-256-CBC + PBKDF2-SHA256,
 * HMAC-SHA256 MAC), `-legacy` (3DES / RC2-40, SHA-1 MAC) and unencrypted/MAC-less containers.
 *
 * Without a password the empty password is tried (what `openssl pkcs12 -passout pass:` writes).
 * Leaf = the certificate whose public key matches the private key; chain = the other certificates
 * minus self-signed roots (a root is never needed in `X-Amz-X509-Chain`; the trust anchor holds it).
 */
export async function readPkcs12(bytes: Uint8Array, password: string | undefined, source: string): Promise<Pkcs12Contents> {
  const forge = (await import('node-forge')).default;
  let asn1;
  try {
    asn1 = forge.asn1.fromDer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('binary'));
  } catch (err) {
    throw new SignerError('pkcs12_unparsable', `${source} is neither PEM nor a PKCS#12 (.p12/.pfx) file.`, { cause: bare(err) });
  }
  let p12;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password ?? '');
  } catch (err) {
    const message = String((err as { message?: unknown }).message ?? '');
    if (/MAC could not be verified|Invalid password|decrypt/i.test(message)) {
      if (password === undefined || password === '') {
        throw new SignerError(
          'pkcs12_needs_password',
          `${source} is a password-protected PKCS#12 file; give its password with --pkcs8-password-file FILE or RAPKI_PKCS8_PASSWORD.`,
          { cause: bare(err) },
        );
      }
      throw new SignerError('pkcs12_wrong_password', `The password does not open the PKCS#12 file ${source}.`, { cause: bare(err) });
    }
    throw new SignerError('pkcs12_unparsable', `${source} is neither PEM nor a readable PKCS#12 (.p12/.pfx) file.`, { cause: bare(err) });
  }

  const keys: KeyObject[] = [];
  const certs: Uint8Array[] = [];
  for (const contents of p12.safeContents) {
    for (const bag of contents.safeBags) {
      if (bag.type === OID_KEY_BAG || bag.type === OID_SHROUDED_KEY_BAG) {
        // forge decodes RSA keys itself (bag.key) and leaves others as ASN.1 PrivateKeyInfo (bag.asn1).
        const info = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key as never)) : bag.asn1;
        if (!info) continue;
        const der = Buffer.from(forge.asn1.toDer(info).getBytes(), 'binary');
        try {
          keys.push(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
        } catch (err) {
          throw new SignerError('unparsable_private_key', `The private key in ${source} could not be decoded.`, { cause: bare(err) });
        }
      } else if (bag.type === OID_CERT_BAG) {
        const node = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
        if (!node) continue;
        certs.push(new Uint8Array(Buffer.from(forge.asn1.toDer(node).getBytes(), 'binary')));
      }
    }
  }
  if (keys.length === 0) throw new SignerError('pkcs12_no_key', `${source} holds no private key.`);
  if (keys.length > 1) throw new SignerError('multiple_private_keys', `${source} holds ${keys.length} private keys; keep exactly one.`);
  const key = keys[0] as KeyObject;
  const leafIndex = certs.findIndex((der) => {
    try {
      return new X509Certificate(der).checkPrivateKey(key);
    } catch {
      return false;
    }
  });
  if (leafIndex < 0) {
    throw new SignerError('pkcs12_no_matching_certificate', `No certificate in ${source} matches its private key.`);
  }
  const chain = certs.filter((_, i) => i !== leafIndex).filter((der) => !isSelfSigned(der));
  return { key, certificate: certs[leafIndex] as Uint8Array, chain };
}

/** Issuer equals subject and the signature verifies under its own key. */
function isSelfSigned(der: Uint8Array): boolean {
  try {
    const info = parseCertificate(der);
    if (!Buffer.from(info.issuerDer).equals(Buffer.from(info.subjectDer))) return false;
    const x = new X509Certificate(der);
    return x.verify(x.publicKey);
  } catch {
    return false;
  }
}

function bare(err: unknown): Error {
  return new Error(String((err as { message?: unknown }).message ?? err));
}
