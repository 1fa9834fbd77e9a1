/**
 * What the console's "Search" box means: a name (the host, or a SAN value, matched as a prefix,
 * case-insensitive) or a serial number in any form people paste — hex with or without colons or
 * spaces, `serial=…` as `openssl x509 -serial` prints it, `0x…`, or decimal as some tools show
 * it. A string of digits is both decimal and hex: both readings are searched (serials are
 * random, so the wrong reading finds nothing).
 */
import { normalizeSerial } from '../authority/serial.js';

/** Longest search text accepted (a 20-octet serial with colons is 59 characters). */
export const MAX_SEARCH_LENGTH = 200;

export interface SearchCriteria {
  /** Lower-case prefix for host and SAN values. */
  readonly namePrefix: string;
  /** Canonical hex serials the text can denote. */
  readonly serials: readonly string[];
}

export function searchCriteria(text: string | undefined): SearchCriteria | undefined {
  const t = (text ?? '').trim();
  if (t === '') return undefined;
  const serials = new Set<string>();
  const tryHex = (s: string): void => {
    try {
      serials.add(normalizeSerial(s));
    } catch {
      /* not a serial */
    }
  };
  tryHex(t);
  const digits = t.replace(/[\s_]/g, '');
  if (/^\d{1,60}$/.test(digits)) tryHex(BigInt(digits).toString(16));
  // `dns:web-1.example` as the SAN list shows it: the index holds the value after the type.
  const namePrefix = t.toLowerCase().replace(/^(dns|ip|uri|email):/, '');
  return { namePrefix, serials: [...serials] };
}
