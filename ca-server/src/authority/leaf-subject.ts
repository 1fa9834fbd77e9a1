/** The leaf subject DN for a host: one RDN, `CN=<host>` (RFC 4514 escaping). */
import { escapeDnValue } from '../x509/dn.js';

export function leafSubjectDn(host: string): string {
  return `CN=${escapeDnValue(host)}`;
}
