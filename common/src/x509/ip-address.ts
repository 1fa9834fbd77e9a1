/**
 * IP addresses as X.509 stores them: the iPAddress GeneralName (RFC 5280 §4.2.1.6) holds 4 octets
 * for IPv4 and 16 for IPv6; read back, IPv6 is written in the RFC 5952 canonical text form. One
 * conversion for the CA (SANs, connection limits) and the CLI (CSRs), so that an address such as
 * `::ffff:192.0.2.1` (IPv4-mapped, RFC 4291 §2.5.5.2) means the same bytes on both sides.
 */
import { isIP } from 'node:net';

/** IPv4/IPv6 text → 4 or 16 bytes. */
export function ipToBytes(text: string): Uint8Array | undefined {
  const kind = isIP(text);
  if (kind === 4) return Uint8Array.from(text.split('.').map(Number));
  if (kind !== 6) return undefined;
  let s = text;
  let v4tail: number[] = [];
  const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (m) {
    v4tail = m[2]!.split('.').map(Number);
    s = `${m[1]}0:0`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g: string, k: number) => {
    const v = parseInt(g, 16);
    out[k * 2] = v >> 8;
    out[k * 2 + 1] = v & 0xff;
  });
  if (v4tail.length) out.set(v4tail, 12);
  return out;
}

/** 4 or 16 bytes → canonical IP text (IPv6 compressed per RFC 5952). */
export function bytesToIp(b: Uint8Array): string | undefined {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length !== 16) return undefined;
  const groups: number[] = [];
  for (let k = 0; k < 16; k += 2) groups.push((b[k]! << 8) | b[k + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let k = 0; k < 8;) {
    if (groups[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && groups[e] === 0) e++;
    if (e - k > bestLen && e - k >= 2) {
      bestStart = k;
      bestLen = e - k;
    }
    k = e;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
