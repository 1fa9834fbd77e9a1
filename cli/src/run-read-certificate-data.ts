/**
 * `rapki read-certificate-data --certificate F`: prints the helper's diagnostic JSON
 * `{"keyType","certificateData","serialNumber","supportedAlgorithms"}` (signer-spec.md §3.6) for the
 * first certificate of a PEM or DER file, compact and without a trailing newline, as the helper.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { readCertificateData } from '../../signer/src/certificate-data.js';
import { SignerError } from '../../signer/src/errors.js';
import { refuseUnsupported, requireString, type FlagValues } from './credential-flags.js';
import { runReporting, type SignerCommandIo } from './run-signer-command.js';

const MAX_CERT_FILE = 1024 * 1024;

export async function runReadCertificateData(values: FlagValues, io: SignerCommandIo): Promise<number> {
  return runReporting(io, async () => {
    refuseUnsupported(values, 'read-certificate-data');
    const path = requireString(values, 'certificate');
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
      throw new SignerError('unparsable_certificate', `--certificate ${path} does not hold a PEM or DER X.509 certificate.`, { cause });
    }
    await io.writeStdout(JSON.stringify(readCertificateData(der)));
  });
}
