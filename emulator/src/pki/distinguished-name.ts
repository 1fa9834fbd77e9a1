/**
 * Renders X.501 names the way the service exposes them: an ordered list of `(shortName, value)`
 * pairs (for attribute mapping and source identity, User Guide "Certificate attribute mapping") and a
 * one-line `CN=a,O=b` string (for Subjects and comparisons).
 */
import type { Name } from '@peculiar/asn1-x509';

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '2.5.4.46': 'dnQualifier',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

export type Rdn = readonly [name: string, value: string];

export function nameToRdns(name: Name): Rdn[] {
  const out: Rdn[] = [];
  for (const rdn of name) {
    for (const atv of rdn) {
      out.push([SHORT_NAMES[atv.type] ?? atv.type, atv.value.toString()]);
    }
  }
  return out;
}

export function rdnsToString(rdns: readonly Rdn[]): string {
  return rdns.map(([k, v]) => `${k}=${v.replace(/([,+"\\<>;])/g, '\\$1')}`).join(',');
}
