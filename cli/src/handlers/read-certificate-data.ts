/**
 * `rapki read-certificate-data --certificate F`: prints the helper's diagnostic JSON
 * `{"keyType","certificateData","serialNumber","supportedAlgorithms"}` (aws_signing_helper 1.8.0) for the
 * first certificate of a PEM or DER file, compact and without a trailing newline, as the helper.
 * With a `pkcs11:` URI (RFC 7512) it prints the helper's "Matching identities" listing instead:
 * every certificate object the URI matches, each with a URI naming exactly that object.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { formatMatchingIdentities, readCertificateData } from '../../../signer/src/entry/certificate-data.js';
import { SignerError } from '../../../signer/src/entry/errors.js';
import { optionalString, refuseUnsupported, requireString, type FlagValues } from '../credential-flags.js';
import type { SignerCommandIo } from '../io.js';
import { runCommand } from '../run-command.js';
import { warnPinValue } from '../signer-options.js';

const MAX_CERT_FILE = 1024 * 1024;

export async function runReadCertificateData(values: FlagValues, io: SignerCommandIo): Promise<number> {
  return runCommand(io, async () => {
    refuseUnsupported(values, 'read-certificate-data');
    const path = requireString(values, 'certificate');
    if (/^pkcs11:/i.test(path)) {
      warnPinValue([path], io);
      // Lazy: the PKCS#11 binding loads only for token listings.
      const { listPkcs11Certificates } = await import('../../../signer/src/entry/pkcs11.js');
      const entries = await listPkcs11Certificates(path, { pkcs11Lib: optionalString(values, 'pkcs11-lib') }, undefined, { env: io.env });
      await io.stdout(formatMatchingIdentities(entries));
      return;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (cause) {
      throw new SignerError('file_not_found', `--certificate ${path} cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'}).`, { cause });
    }
    if (bytes.length > MAX_CERT_FILE) throw new SignerError('file_too_large', `--certificate ${path} is larger than ${MAX_CERT_FILE} bytes.`);
    let der: Buffer;
    try {
      der = new X509Certificate(bytes).raw;
    } catch (cause) {
      throw new SignerError('certificate_unparsable', `--certificate ${path} does not hold a PEM or DER X.509 certificate.`, { cause });
    }
    await io.stdout(JSON.stringify(readCertificateData(der)));
  });
}
