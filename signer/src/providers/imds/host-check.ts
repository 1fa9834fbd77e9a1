/**
 * DNS-rebinding protection of the local credential endpoint: a request is served only when its
 * `Host` header names the endpoint itself.
 *
 * The attack: a web page on `evil.example` makes its name resolve to 127.0.0.1, then script on
 * that page requests `http://evil.example:9911/…`. The browser treats the answer as same-origin
 * and lets the page read it — these are the host's AWS credentials. The request reaches us over
 * loopback like any local client, but its `Host` header says `evil.example:9911`. Local SDK
 * clients send the address they were given (`127.0.0.1:9911`, `localhost:9911`, `[::1]:9911`).
 *
 * Allowed, with the listening port (the port may be omitted only when it is 80, RFC 9110 §7.2):
 * - the listen address itself (`--address`), and `localhost` when it is a loopback address;
 * - for a wildcard address (0.0.0.0, ::; only with --allow-non-loopback): `localhost` and any IP
 *   literal — a name that resolves to us is exactly what rebinding forges, an IP literal is not;
 * - names the operator lists (`serve --allow-host`, e.g. the service name clients use).
 * Anything else, and a request without Host, is refused (403).
 */
import { isIP } from 'node:net';
import { isLoopbackAddress } from './loopback.js';

function normalizeIp(ip: string): string {
  return ip.toLowerCase();
}

/** Splits a Host header into host (brackets removed, lower case) and port (undefined when absent). */
export function parseHostHeader(value: string): { host: string; port: number | undefined } | undefined {
  const v = value.trim().toLowerCase();
  const m = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(v) ?? /^([^:[\]]+)(?::(\d{1,5}))?$/.exec(v);
  if (!m || m[1] === undefined || m[1] === '') return undefined;
  return { host: m[1], port: m[2] === undefined ? undefined : Number(m[2]) };
}

/** A checker for one listening address and port. */
export function hostChecker(listenAddress: string, port: number, extraNames: readonly string[] = []): (hostHeader: string | undefined) => boolean {
  const address = normalizeIp(listenAddress);
  const wildcard = address === '0.0.0.0' || address === '::' || address === '0:0:0:0:0:0:0:0';
  const loopback = address === 'localhost' || isLoopbackAddress(address);
  const names = new Set<string>([address]);
  if (loopback || wildcard) names.add('localhost');
  if (address === 'localhost') {
    names.add('127.0.0.1');
    names.add('::1');
  }
  for (const n of extraNames)
    names.add(
      n
        .trim()
        .toLowerCase()
        .replace(/^\[|\]$/g, ''),
    );
  return (hostHeader) => {
    if (hostHeader === undefined) return false;
    const h = parseHostHeader(hostHeader);
    if (!h) return false;
    if ((h.port ?? 80) !== port) return false;
    if (names.has(h.host)) return true;
    if (wildcard) return isIP(h.host) !== 0;
    // The same IPv6 address written differently (`::1` vs `0:0:0:0:0:0:0:1`).
    return isIP(h.host) === 6 && isIP(address) === 6 && isLoopbackAddress(h.host) && isLoopbackAddress(address);
  };
}
