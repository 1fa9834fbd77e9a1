/**
 * The names of an existing certificate, to put into its renewal CSR (the CA requires the same
 * subject and SANs as the current certificate: docs/ca-api.md `POST /v1/renew`).
 */
import type { X509Certificate } from 'node:crypto';
import { caClientError } from './errors.js';
import type { San } from './san.js';

/** The CN of the subject (Node prints the subject one `KEY=value` per line). */
export function commonNameOf(cert: X509Certificate): string {
  const cn = cert.subject.split('\n').find((l) => l.startsWith('CN='));
  return cn ? cn.slice(3) : '';
}

const NODE_SAN_TYPES: Record<string, San['type']> = { DNS: 'dns', 'IP Address': 'ip', URI: 'uri', email: 'email' };

/**
 * Node's `subjectAltName` string: `DNS:a, IP Address:10.0.0.1, URI:x, email:y`; entries whose value
 * could be ambiguous are printed as JSON strings (`URI:"a, b"`). Other name types are refused.
 */
export function sansOf(cert: X509Certificate): San[] {
  const text = cert.subjectAltName;
  if (!text) return [];
  const out: San[] = [];
  let rest = text;
  while (rest.length > 0) {
    const m = /^(DNS|IP Address|URI|email):/.exec(rest);
    if (!m) throw caClientError('file_invalid', 'the certificate has a subject alternative name rapki cannot renew');
    rest = rest.slice(m[0].length);
    let value: string;
    if (rest.startsWith('"')) {
      const end = /^"(?:[^"\\]|\\.)*"/.exec(rest);
      if (!end) throw caClientError('file_invalid', 'cannot read the certificate SANs');
      value = JSON.parse(end[0]) as string;
      rest = rest.slice(end[0].length);
    } else {
      const comma = rest.indexOf(', ');
      value = comma < 0 ? rest : rest.slice(0, comma);
      rest = comma < 0 ? '' : rest.slice(comma);
    }
    out.push({ type: NODE_SAN_TYPES[m[1]!]!, value: m[1] === 'IP Address' ? normalizeIp(value) : value });
    rest = rest.replace(/^, /, '');
  }
  return out;
}

/** Node prints IPv6 SANs in full uppercase form; keep them parseable as is. */
function normalizeIp(v: string): string {
  return v.toLowerCase();
}
