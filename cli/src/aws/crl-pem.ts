/**
 * The CA's CRL as `rapki aws register` and `rapki aws crl push` send it to Roles Anywhere: the PEM
 * bytes (ImportCrl/UpdateCrl `crlData`), refused with `crl_too_large` above the service limit
 * before any call is made.
 */
import { awsError } from '../../../common/src/aws/errors.js';
import { CRL_PEM_MAX_BYTES } from '../../../common/src/x509/crl.js';

/** The PEM bytes of `pem`, or `crl_too_large` when Roles Anywhere would refuse them. */
export function crlDataForPush(pem: string): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(pem, 'latin1'));
  if (bytes.length > CRL_PEM_MAX_BYTES) {
    throw awsError('crl_too_large', `the CA's CRL is ${bytes.length} bytes as PEM; Roles Anywhere accepts at most ${CRL_PEM_MAX_BYTES}`);
  }
  return bytes;
}
