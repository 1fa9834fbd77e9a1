/**
 * `rapki read-certificate-data`: key type, base64 DER, decimal serial of a certificate (diagnostic);
 * with a `pkcs11:` URI, the certificates on the token that the URI matches ("Matching identities").
 */
import type { CommandModule } from 'yargs';
import { withSignerFlags } from '../yargs-flags.js';
import { lazySignerHandler } from './lazy.js';

export const readCertificateDataCommand: CommandModule = {
  command: 'read-certificate-data',
  describe:
    'Print key type, DER (base64) and decimal serial of a certificate, or list the token certificates a pkcs11: URI matches, as aws_signing_helper does',
  builder: (y) =>
    withSignerFlags(y, 'read-certificate-data').usage(
      'rapki read-certificate-data --certificate F\nrapki read-certificate-data --certificate pkcs11:token=T [--pkcs11-lib MODULE]',
    ),
  handler: lazySignerHandler('read-certificate-data', async () => (await import('../handlers/read-certificate-data.js')).runReadCertificateData),
};
