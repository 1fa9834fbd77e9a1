/**
 * Codes that several components raise for the same failure: one entry each, so that a certificate
 * that does not parse, a serial or a SAN that is not valid, is one code wherever it is found.
 * Where the two sides once spelled a code differently, the older spelling is an alias.
 */
import type { ErrorTable } from '../spec.js';

export const SHARED_CODES = {
  internal_error: { http: 500, message: 'Internal error.' },
  certificate_unparsable: { message: 'The certificate could not be decoded as X.509.', aliases: ['unparsable_certificate'] },
  certificate_expired: { http: 401, message: 'The client certificate has expired or is not yet valid.' },
  certificate_revoked: { http: 403, message: 'The client certificate is revoked.' },
  certificate_untrusted: { http: 401, message: 'The client certificate was not issued by this CA.', aliases: ['untrusted_certificate'] },
  pem_invalid: { message: 'The PEM text is malformed, holds no block, or has the wrong label.', aliases: ['unparsable_pem'] },
  serial_invalid: { http: 400, message: 'The serial number is not valid hex of at most 20 octets.', aliases: ['invalid_serial'] },
  san_invalid: { message: 'A subject alternative name is not valid (a SAN is dns:NAME, ip:ADDRESS, uri:URI or email:ADDRESS).' },
  duration_invalid: { message: 'A duration must be whole seconds (90) or look like 90s, 15m, 1h, 24h or 7d.', aliases: ['invalid_duration'] },
  invalid_region: { message: 'The region is empty, malformed, or not in a partition rapki knows.' },
  listen_invalid: { message: 'The listen address, port or hop limit is not valid (HOST:PORT, port 0..65535).', aliases: ['invalid_listen_option'] },
} as const satisfies ErrorTable;
